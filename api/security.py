"""Logins and tokens.

Two kinds of credential, both JWT (HS256, signed with JIEFEN_SECRET_KEY) but for different audiences, so
neither is accepted in the other's place: API bearer tokens (`aud` "jiefen") and web session cookies
(`aud` "jiefen:web"). Each carries an id (`jti`), which logout revokes, and the user's token epoch (`ep`),
which a password change or reset and disabling the user bump, revoking every earlier token at once.

The signature is checked without the database (the middleware refuses a bad token before the body is
read); revocation is checked where the user is loaded (`token_user`), in the same query.

A login runs its database steps on the request threads and its Argon2 check in the password pool
(api/hashing.py), so a flood of logins does not hold the threads other requests need.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt
from fastapi import Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.hashing import PasswordPool
from models.security import hash_password, verify_password
from models.settings import Settings
from models.tables import User
from workflows.accounts import (
    LoginAttempt,
    begin_login,
    check_new_password,
    finish_login,
    revoke_token,
    store_password_hash,
)
from workflows.errors import Forbidden
from workflows.read.users import user_for_token

ALGORITHM = "HS256"
AUDIENCE = "jiefen"  # API bearer tokens
WEB_AUDIENCE = "jiefen:web"  # web session cookies


class TokenKind(StrEnum):
    API = "api"
    WEB = "web"


_AUDIENCES = {TokenKind.API: AUDIENCE, TokenKind.WEB: WEB_AUDIENCE}


@dataclass(frozen=True, slots=True)
class TokenClaims:
    username: str
    jti: str
    epoch: int
    expires_at: datetime


def issue_token(
    settings: Settings,
    *,
    username: str,
    role: str,
    epoch: int,
    kind: TokenKind = TokenKind.API,
    now: datetime | None = None,
) -> str:
    now = now or datetime.now(UTC)
    claims = {
        "sub": username,
        "role": role,
        "aud": _AUDIENCES[kind],
        "iat": now,
        "exp": now + timedelta(minutes=settings.token_minutes),
        "jti": uuid.uuid4().hex,
        "ep": epoch,
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def token_for(settings: Settings, user: User, kind: TokenKind) -> str:
    return issue_token(settings, username=user.username, role=user.role, epoch=user.token_epoch, kind=kind)


def read_token(settings: Settings, token: str, kind: TokenKind = TokenKind.API) -> TokenClaims | None:
    """The claims of a well-signed, unexpired token of this kind, or None. Not yet checked: revocation."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],
            audience=_AUDIENCES[kind],
            options={"require": ["sub", "exp", "iat", "jti", "ep"]},
        )
    except jwt.PyJWTError:
        return None
    sub, jti, epoch, exp = claims.get("sub"), claims.get("jti"), claims.get("ep"), claims.get("exp")
    if not isinstance(sub, str) or not isinstance(jti, str) or type(epoch) is not int or type(exp) is not int:
        return None
    return TokenClaims(username=sub, jti=jti, epoch=epoch, expires_at=datetime.fromtimestamp(exp, UTC))


def token_user(session: Session, claims: TokenClaims) -> User | None:
    """The active user a token names, unless the token was revoked (logout) or predates the user's
    current epoch (password change, reset, disabling)."""
    user, revoked = user_for_token(session, username=claims.username, jti=claims.jti)
    if user is None or revoked or not user.is_active or user.token_epoch != claims.epoch:
        return None
    return user


def revoke(session: Session, claims: TokenClaims) -> None:
    revoke_token(session, jti=claims.jti, username=claims.username, expires_at=claims.expires_at)


# --- logins -------------------------------------------------------------------------------------------


def client_address(request: Request) -> str:
    """The address the throttle counts: the peer, or what a trusted proxy said it was (uvicorn's
    forwarded-allow-ips rewrites the peer before the app sees it)."""
    return request.client.host if request.client else "unknown"


def password_pool(request: Request) -> PasswordPool:
    pool: PasswordPool = request.app.state.password_pool
    return pool


def _begin(session: Session, *, username: str, address: str, settings: Settings) -> LoginAttempt:
    """begin_login, then the session's connection goes back to the pool: none is held while Argon2 runs
    (the user read stays loaded, detached)."""
    try:
        return begin_login(session, username=username, address=address, settings=settings)
    finally:
        session.close()


async def authenticate(
    request: Request, session: Session, settings: Settings, username: str, password: str
) -> User | None:
    """The active user whose password this is, or None. Raises TooManyAttempts (429) for a throttled
    username or address before anything is hashed, and HasherBusy when the password pool is full."""
    async with password_pool(request).place() as pool:
        attempt = await run_in_threadpool(
            _begin, session, username=username, address=client_address(request), settings=settings
        )
        ok = await pool.run(verify_password, attempt.password_hash, password)
        return await run_in_threadpool(finish_login, session, attempt, password_ok=ok, settings=settings)


async def change_own_password(
    request: Request, session: Session, settings: Settings, user: User, old_password: str, new_password: str
) -> None:
    """The user's own password change: the old password is checked like a login (throttled, counted; 403
    when wrong), the new one against the policy (422), and then every token of the user is revoked."""
    async with password_pool(request).place() as pool:
        attempt = await run_in_threadpool(
            _begin, session, username=user.username, address=client_address(request), settings=settings
        )
        ok = await pool.run(verify_password, attempt.password_hash, old_password)
        if await run_in_threadpool(finish_login, session, attempt, password_ok=ok, settings=settings) is None:
            raise Forbidden("原密码不正确")
        await run_in_threadpool(
            check_new_password,
            username=user.username,
            old_password=old_password,
            new_password=new_password,
            settings=settings,
        )
        new_hash = await pool.run(hash_password, new_password)
    await run_in_threadpool(store_password_hash, session, username=user.username, password_hash=new_hash)
