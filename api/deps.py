"""Typed dependencies: the session, the current user, the caller as an engine Actor."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.security import TokenClaims, TokenKind, read_token, token_user
from models.settings import Settings
from models.tables import User
from workflows.access import Actor, actor_for

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


@dataclass(frozen=True, slots=True)
class Credential:
    """The bearer token of a request and the user it names."""

    user: User
    claims: TokenClaims


def current_credential(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2)]
) -> Credential:
    claims = read_token(settings, token, TokenKind.API) if token else None
    user = token_user(session, claims) if claims is not None else None
    if claims is None or user is None:
        raise _UNAUTHORIZED
    return Credential(user=user, claims=claims)


CredentialDep = Annotated[Credential, Depends(current_credential)]


MUST_CHANGE_PASSWORD = "您的密码由管理员设置，须先修改密码（POST /api/v1/auth/password）后才能继续使用"


def current_user(credential: CredentialDep) -> User:
    """The caller, who has chosen their own password: while an administrator's must still be changed,
    every operation but the password change (and logout, which take the credential itself) is 403."""
    if credential.user.must_change_password:
        raise HTTPException(status.HTTP_403_FORBIDDEN, MUST_CHANGE_PASSWORD)
    return credential.user


CurrentUser = Annotated[User, Depends(current_user)]


def current_actor(session: SessionDep, user: CurrentUser) -> Actor:
    return actor_for(session, user)


ActorDep = Annotated[Actor, Depends(current_actor)]
