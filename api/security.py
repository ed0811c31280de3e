"""Logins and bearer tokens: passwords checked against their Argon2id hash, and JWT (HS256) signed
with JIEFEN_SECRET_KEY. The API's token endpoint and the web login share both."""

from datetime import UTC, datetime, timedelta

import jwt
from sqlmodel import Session

from models.security import hash_password, verify_password
from models.settings import Settings
from models.tables import User
from workflows.read.users import user_named

ALGORITHM = "HS256"
AUDIENCE = "jiefen"
DUMMY_HASH = hash_password("jiefen: no such user")


def verify_login(session: Session, username: str, password: str) -> User | None:
    """The active user whose password this is, or None (unknown user, wrong password, deactivated)."""
    name = username if "\x00" not in username else ""
    user = user_named(session, name) if name else None
    # An unknown user costs the same argon2 check as a known one: timing tells nobody who exists.
    ok = verify_password(user.password_hash if user else DUMMY_HASH, password)
    if user is None or not user.is_active or not ok:
        return None
    return user


def issue_token(settings: Settings, *, username: str, role: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    claims = {
        "sub": username,
        "role": role,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=settings.token_minutes),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def read_token(settings: Settings, token: str) -> str | None:
    """The username a valid token names, or None."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["sub", "exp", "iat"]},
        )
    except jwt.PyJWTError:
        return None
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else None
