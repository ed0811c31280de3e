"""Delivering the notifications outbox: what every deliverer of it shares (court webhooks, the parties'
SMS and email) — the claim, the lease, the backoff and the settling of an attempt.

- `claim_next`: the next notice of the given kinds due at `now`, claimed in a short write transaction of
  its own: its `next_attempt_at` moves CLAIM_LEASE ahead, so another deliverer (a second worker's run,
  an overlapping run) skips it — on PostgreSQL without waiting (FOR UPDATE SKIP LOCKED), on SQLite under
  the database lock. A deliverer that dies mid-send leaves the claim to lapse: the notice is sent again
  after CLAIM_LEASE (at least once).
- `settle`: the attempt's result — delivered; retried at now + BACKOFF_BASE · 2^(attempts-1); or `failed`
  after `max_attempts` (or at once when no retry can help), listed for supervisors, never dropped. Only
  the claim's own attempt is settled (status pending, attempts as claimed).
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from models.db import is_postgresql, write_transaction
from models.tables import Notification
from workflows.notify import inbox

NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]
MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(seconds=30)
CLAIM_LEASE = timedelta(minutes=5)  # longer than any one send's timeout


@dataclass
class DeliveryReport:
    delivered: list[uuid.UUID] = field(default_factory=list)
    retrying: list[uuid.UUID] = field(default_factory=list)
    failed: list[uuid.UUID] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"delivered": len(self.delivered), "retrying": len(self.retrying), "failed": len(self.failed)}


def backoff(attempts: int) -> timedelta:
    return BACKOFF_BASE * (2 ** max(0, attempts - 1))


def claim_next(session: Session, *, kinds: tuple[str, ...], now: datetime) -> Any:
    """Claim the next notice of `kinds` due at `now` (see the module's docstring); its row (id, kind,
    case_id, org_code, recipient, attempts, payload) or None."""
    c = NOTIFICATIONS.c
    due = (
        sa.select(c.id, c.kind, c.case_id, c.org_code, c.recipient, c.attempts, c.payload)
        .where(c.kind.in_(kinds), c.status == "pending", c.next_attempt_at <= now)
        .order_by(c.next_attempt_at, c.id)
        .limit(1)
    )
    with write_transaction(session) as conn:
        if is_postgresql(conn):
            due = due.with_for_update(skip_locked=True)
        row = conn.execute(due).first()
        if row is not None:
            conn.execute(NOTIFICATIONS.update().where(c.id == row.id).values(next_attempt_at=now + CLAIM_LEASE))
    return row


def settle(
    session: Session,
    report: DeliveryReport,
    nid: uuid.UUID,
    attempts: int,
    *,
    error: str | None,
    now: datetime,
    max_attempts: int = MAX_ATTEMPTS,
    final: bool = False,
) -> None:
    """Record the attempt on notice `nid` claimed with `attempts` tries behind it: `error` None when it was
    delivered; `final` when no retry can help (failed at once)."""
    tries = attempts + 1
    if error is None:
        values: dict[str, Any] = {"status": "delivered", "attempts": tries, "delivered_at": now, "last_error": None}
        report.delivered.append(nid)
    elif tries >= max_attempts or final:
        values = {"status": "failed", "attempts": tries, "last_error": error}
        report.failed.append(nid)
    else:
        values = {"attempts": tries, "last_error": error, "next_attempt_at": now + backoff(tries)}
        report.retrying.append(nid)
    c = NOTIFICATIONS.c
    with write_transaction(session) as conn:
        written = conn.execute(
            NOTIFICATIONS.update().where(c.id == nid, c.status == "pending", c.attempts == attempts).values(**values)
        ).rowcount
        if written and values.get("status") == "failed":
            inbox.delivery_failed(conn, nid, at=now)  # the supervisors' 推送失败 in the app, whatever the kind
