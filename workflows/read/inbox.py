"""A member of staff's messages (消息, workflows/notify/inbox.py writes them): their own only, newest first.

Every query names the caller's username: another user's message is never read, counted or marked — to the
caller it does not exist (404). The unread count every page's navigation shows is one COUNT on the index
(username, read_at, created_at)."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from models.db import write_transaction
from models.tables import StaffMessage
from workflows.errors import NotVisible, PayloadInvalid

MESSAGES = StaffMessage.__table__  # type: ignore[attr-defined]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CURSOR_FIELD = ["query", "cursor"]
CURSOR_REFUSED = "cursor：翻页标记无效，请从第一页重新查询"
_CURSOR = re.compile(r"(\d{1,19})-(\d{1,19})")
_COLUMNS = (
    MESSAGES.c.id,
    MESSAGES.c.kind,
    MESSAGES.c.case_id,
    MESSAGES.c.title,
    MESSAGES.c.body,
    MESSAGES.c.link,
    MESSAGES.c.created_at,
    MESSAGES.c.read_at,
)
_UNREAD = (
    sa.select(sa.func.count())
    .select_from(MESSAGES)
    .where(MESSAGES.c.username == sa.bindparam("username"), MESSAGES.c.read_at.is_(None))
)


@dataclass(frozen=True, slots=True)
class Page:
    data: list[dict[str, Any]]
    count: int  # the caller's messages (unread only when the list is)
    unread: int
    next_cursor: str | None


def unread_count(session: Session, username: str) -> int:
    """The caller's unread messages: the badge in the navigation."""
    return int(session.connection().execute(_UNREAD, {"username": username}).scalar_one())


def _cursor(created_at: datetime, message_id: int) -> str:
    return f"{(created_at - EPOCH) // timedelta(microseconds=1)}-{message_id}"


def _position(cursor: str) -> tuple[datetime, int]:
    m = _CURSOR.fullmatch(cursor)
    if m is None:
        raise PayloadInvalid(CURSOR_FIELD, CURSOR_REFUSED)
    try:
        return EPOCH + timedelta(microseconds=int(m[1])), int(m[2])
    except OverflowError:
        raise PayloadInvalid(CURSOR_FIELD, CURSOR_REFUSED) from None


def list_messages(
    session: Session, username: str, *, unread_only: bool = False, limit: int = 50, cursor: str | None = None
) -> Page:
    """A page of the caller's messages, newest first; `cursor`: the previous page's next_cursor."""
    mine = MESSAGES.c.username == username
    where = [mine, MESSAGES.c.read_at.is_(None)] if unread_only else [mine]
    query = sa.select(*_COLUMNS).where(*where)
    if cursor:
        at, last = _position(cursor)
        query = query.where(
            sa.or_(MESSAGES.c.created_at < at, sa.and_(MESSAGES.c.created_at == at, MESSAGES.c.id < last))
        )
    conn = session.connection()
    rows = [
        dict(r)
        for r in conn.execute(
            query.order_by(MESSAGES.c.created_at.desc(), MESSAGES.c.id.desc()).limit(limit + 1)
        ).mappings()
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    count = conn.execute(sa.select(sa.func.count()).select_from(MESSAGES).where(*where)).scalar_one()
    unread = count if unread_only else unread_count(session, username)
    next_cursor = _cursor(rows[-1]["created_at"], rows[-1]["id"]) if more else None
    session.rollback()
    return Page(rows, int(count), int(unread), next_cursor)


def mark_read(session: Session, username: str, message_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Mark one of the caller's messages read (again: unchanged); returns it. NotVisible (404) for a message
    that is not theirs, exactly as for one that does not exist."""
    now = now or datetime.now(UTC)
    mine = sa.and_(MESSAGES.c.id == message_id, MESSAGES.c.username == username)
    with write_transaction(session) as conn:
        conn.execute(MESSAGES.update().where(mine, MESSAGES.c.read_at.is_(None)).values(read_at=now))
        row = conn.execute(sa.select(*_COLUMNS).where(mine)).mappings().first()
    if row is None:
        raise NotVisible("消息不存在")
    return dict(row)


def mark_all_read(session: Session, username: str, *, now: datetime | None = None) -> int:
    """Mark every unread message of the caller read; returns how many were."""
    now = now or datetime.now(UTC)
    with write_transaction(session) as conn:
        result = conn.execute(
            MESSAGES.update().where(MESSAGES.c.username == username, MESSAGES.c.read_at.is_(None)).values(read_at=now)
        )
    return int(result.rowcount or 0)
