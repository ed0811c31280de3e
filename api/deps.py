"""Typed dependencies: the session, the current user, the caller as an engine Actor."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.security import read_token
from models.settings import Settings
from models.tables import User
from workflows.access import Actor, actor_for
from workflows.read.users import user_named

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_engine_dep(request: Request) -> Engine:
    return request.app.state.engine


def get_session(engine: Annotated[Engine, Depends(get_engine_dep)]) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]

_UNAUTHORIZED = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="未登录或登录已失效，请重新登录",
    headers={"WWW-Authenticate": "Bearer"},
)


def current_user(session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2)]) -> User:
    if not token:
        raise _UNAUTHORIZED
    username = read_token(settings, token)
    if username is None:
        raise _UNAUTHORIZED
    user = user_named(session, username)
    if user is None or not user.is_active:
        raise _UNAUTHORIZED
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def current_actor(session: SessionDep, user: CurrentUser) -> Actor:
    return actor_for(session, user)


ActorDep = Annotated[Actor, Depends(current_actor)]
