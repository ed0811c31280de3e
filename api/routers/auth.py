from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import select

from api.deps import SessionDep, SettingsDep
from api.security import issue_token
from models.schemas import Token
from models.security import hash_password, verify_password
from models.tables import User

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
DUMMY_HASH = hash_password("jiefen: no such user")


@router.post("/token", response_model=Token)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, settings: SettingsDep) -> Token:
    username = form.username if "\x00" not in form.username else ""
    user = session.exec(select(User).where(User.username == username)).first() if username else None
    # An unknown user costs the same argon2 check as a known one: timing tells nobody who exists.
    ok = verify_password(user.password_hash if user else DUMMY_HASH, form.password)
    if user is None or not user.is_active or not ok:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "用户名或密码错误", headers={"WWW-Authenticate": "Bearer"})
    return Token(access_token=issue_token(settings, username=user.username, role=user.role))
