"""The login throttle: wrong passwords counted per username and per client address, in the database so that
every process (and every machine on the same PostgreSQL) sees one count.

A fixed window opens at the first failure of a key and lasts JIEFEN_LOGIN_FAILURE_WINDOW_SECONDS; once a
key has reached its limit in the window, logins for it are refused until the window ends. Each failure is
one atomic upsert (INSERT … ON CONFLICT DO UPDATE), so concurrent failures are all counted. Keys are
SHA-256 digests: a password typed into the username field is not stored.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, delete, select, tuple_

from models.db import insert_for, write_transaction
from models.settings import Settings
from models.tables import LoginFailure
from models.types import UTCDateTime


class Scope(StrEnum):
    USER = "user"
    ADDRESS = "address"


def throttle_key(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class Throttled:
    """What the throttle knows of one login before the password is checked."""

    retry_after: int | None  # seconds until a locked-out key may try again; None: not locked out
    user_failures: int  # failures of the username in its current window


def _limits(settings: Settings) -> dict[Scope, int]:
    return {Scope.USER: settings.login_failures_per_user, Scope.ADDRESS: settings.login_failures_per_address}


def _keys(username: str, address: str) -> dict[tuple[str, str], Scope]:
    return {
        (Scope.USER.value, throttle_key(username)): Scope.USER,
        (Scope.ADDRESS.value, throttle_key(address)): Scope.ADDRESS,
    }


def check(session: Session, *, username: str, address: str, settings: Settings, now: datetime) -> Throttled:
    """How the username and the address stand, in one indexed read."""
    window = timedelta(seconds=settings.login_failure_window_seconds)
    keys = _keys(username, address)
    rows = session.exec(
        select(LoginFailure).where(tuple_(col(LoginFailure.scope), col(LoginFailure.key)).in_(list(keys)))
    ).all()
    limits = _limits(settings)
    wait, user_failures = 0.0, 0
    for row in rows:
        ends = row.window_start + window
        if ends <= now:
            continue  # a window that has ended counts nothing
        scope = keys[(row.scope, row.key)]
        if scope is Scope.USER:
            user_failures = row.count
        if row.count >= limits[scope]:
            wait = max(wait, (ends - now).total_seconds())
    return Throttled(retry_after=max(1, math.ceil(wait)) if wait > 0 else None, user_failures=user_failures)


def record_failure(session: Session, *, username: str, address: str, settings: Settings, now: datetime) -> None:
    """Count one wrong password against the username and the address (a window that has ended starts
    again at one), and drop the rows of windows that have ended."""
    cutoff = now - timedelta(seconds=settings.login_failure_window_seconds)
    table = LoginFailure.__table__  # type: ignore[attr-defined]
    ended = table.c.window_start <= sa.bindparam("cutoff", cutoff, type_=UTCDateTime())
    started = sa.bindparam("now", now, type_=UTCDateTime())
    with write_transaction(session) as conn:
        for scope, key in _keys(username, address):
            stmt = insert_for(conn)(table).values(scope=scope, key=key, count=1, window_start=now)
            stmt = stmt.on_conflict_do_update(
                index_elements=["scope", "key"],
                set_={
                    "count": sa.case((ended, 1), else_=table.c.count + 1),
                    "window_start": sa.case((ended, started), else_=table.c.window_start),
                },
            )
            conn.execute(stmt)
        conn.execute(delete(LoginFailure).where(col(LoginFailure.window_start) <= cutoff))


def forget_user(conn: Connection, *, username: str) -> None:
    """Forget the username's failures, inside the caller's write transaction."""
    conn.execute(
        delete(LoginFailure).where(
            col(LoginFailure.scope) == Scope.USER.value, col(LoginFailure.key) == throttle_key(username)
        )
    )


def clear_user(session: Session, *, username: str) -> None:
    """Forget the username's failures (a successful login)."""
    with write_transaction(session) as conn:
        forget_user(conn, username=username)
