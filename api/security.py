"""Bearer tokens: JWT (HS256) signed with JIEFEN_SECRET_KEY."""

from datetime import UTC, datetime, timedelta

import jwt

from models.settings import Settings

ALGORITHM = "HS256"
AUDIENCE = "jiefen"


def issue_token(settings: Settings, *, username: str, role: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    claims = {
        "sub": username, "role": role, "aud": AUDIENCE, "iat": now,
        "exp": now + timedelta(minutes=settings.token_minutes),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def read_token(settings: Settings, token: str) -> str | None:
    """The username a valid token names, or None."""
    try:
        claims = jwt.decode(
            token, settings.secret_key.get_secret_value(), algorithms=[ALGORITHM], audience=AUDIENCE,
            options={"require": ["sub", "exp", "iat"]},
        )
    except jwt.PyJWTError:
        return None
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else None
