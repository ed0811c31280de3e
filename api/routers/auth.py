"""Tokens: a username and password for a bearer token, logout, and changing one's own password.

The login and the password change are async: their Argon2 work runs in the password pool
(api/hashing.py), their database steps on the request threads."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import CredentialDep, SessionDep, SettingsDep
from api.hashing import BUSY_DETAIL, BUSY_RETRY_AFTER, HasherBusy
from api.responses import ErrorBody
from api.security import TokenKind, authenticate, change_own_password, revoke, token_for
from models.account_schemas import Notice, PasswordChange
from models.schemas import Token

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "用户名或密码错误 / 未登录或登录已失效"},
    429: {"model": ErrorBody, "description": "登录尝试过多（Retry-After 秒后再试）"},
    503: {"model": ErrorBody, "description": "登录请求过多，服务器繁忙（Retry-After 秒后再试）"},
}

_BUSY = HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, BUSY_DETAIL, headers={"Retry-After": str(BUSY_RETRY_AFTER)})


@router.post("/token", response_model=Token, responses={k: _REFUSED[k] for k in (401, 429, 503)})
async def login(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, settings: SettingsDep
) -> Token:
    try:
        user = await authenticate(request, session, settings, form.username, form.password)
    except HasherBusy:
        raise _BUSY from None
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "用户名或密码错误", headers={"WWW-Authenticate": "Bearer"})
    return Token(access_token=token_for(settings, user, TokenKind.API))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response, responses={401: _REFUSED[401]})
def logout(credential: CredentialDep, session: SessionDep) -> Response:
    """Revoke the bearer token of this request: it is refused (401) from now on."""
    revoke(session, credential.claims)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password",
    response_model=Notice,
    responses={
        **_REFUSED,
        403: {"model": ErrorBody, "description": "原密码不正确"},
        422: {"model": ErrorBody, "description": "新密码不符合要求"},
    },
)
async def change_password(
    request: Request, body: PasswordChange, credential: CredentialDep, session: SessionDep, settings: SettingsDep
) -> Notice:
    """Change one's own password. Every token of the user, this one included, is revoked: log in again."""
    try:
        await change_own_password(request, session, settings, credential.user, body.old_password, body.new_password)
    except HasherBusy:
        raise _BUSY from None
    return Notice(detail="密码已修改，所有登录（包括本次）均已失效，请用新密码重新登录")
