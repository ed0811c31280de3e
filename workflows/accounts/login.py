"""A login in two steps around the password check, so the caller can run the (slow) Argon2 check where
it likes: `begin_login` refuses a throttled username or address before anything is hashed and finds
the user; `finish_login` counts a failure or clears the username's count."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from models.security import hash_password
from models.settings import Settings
from models.tables import User
from models.types import utcnow
from workflows.accounts import throttle
from workflows.errors import TooManyAttempts
from workflows.read.users import user_named

# An unknown user costs the same Argon2 check as a known one: timing tells nobody who exists.
DUMMY_HASH = hash_password("jiefen: no such user")


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    username: str
    address: str
    user: User | None
    password_hash: str  # the user's, or DUMMY_HASH: check the password against it either way
    earlier_failures: int  # the username's failures in its current window


def begin_login(
    session: Session, *, username: str, address: str, settings: Settings, now: datetime | None = None
) -> LoginAttempt:
    """The attempt to check a password for; TooManyAttempts (429) if the username or the address is
    locked out — the right password included."""
    state = throttle.check(session, username=username, address=address, settings=settings, now=now or utcnow())
    if state.retry_after is not None:
        raise TooManyAttempts(state.retry_after)
    user = user_named(session, username) if username and "\x00" not in username else None
    return LoginAttempt(
        username=username,
        address=address,
        user=user,
        password_hash=user.password_hash if user is not None else DUMMY_HASH,
        earlier_failures=state.user_failures,
    )


def finish_login(
    session: Session, attempt: LoginAttempt, *, password_ok: bool, settings: Settings, now: datetime | None = None
) -> User | None:
    """The active user whose password this was, or None (counted as a failure)."""
    user = attempt.user
    if user is None or not user.is_active or not password_ok:
        throttle.record_failure(
            session, username=attempt.username, address=attempt.address, settings=settings, now=now or utcnow()
        )
        return None
    if attempt.earlier_failures:
        throttle.clear_user(session, username=attempt.username)
    return user
