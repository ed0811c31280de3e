"""An administrator puts one failed item of the outbox back in the queue: a document whose rendering failed
(after the cause — a font, a signing key — was fixed) or a message whose delivery failed after its last
retry (a court's webhook that was down). The worker takes it up again; the retry is in the change log."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from models.db import write_transaction
from models.tables import Document, Notification
from models.types import utcnow
from workflows import changelog
from workflows.access import Actor
from workflows.accounts.admin import require_admin
from workflows.errors import Conflict, NotVisible

DOCUMENTS = Document.__table__  # type: ignore[attr-defined]
NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]


def _id(value: str | uuid.UUID, what: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    except ValueError:
        raise NotVisible(f"{what}不存在") from None


def retry(session: Session, *, actor: Actor, kind: str, item_id: str | uuid.UUID, now: datetime | None = None) -> None:
    """`kind`: document | notification. Only a failed item is put back (409 otherwise)."""
    require_admin(actor, "重试发送")
    table, what = (DOCUMENTS, "文书") if kind == "document" else (NOTIFICATIONS, "推送")
    if kind not in ("document", "notification"):
        raise NotVisible("没有这类待发送项")
    rid = _id(item_id, what)
    values: dict[str, object] = {"status": "pending", "attempts": 0}
    if kind == "document":
        values |= {"next_attempt_at": None, "claimed_by": None, "claimed_until": None}
    else:
        values |= {"next_attempt_at": now or utcnow()}
    with write_transaction(session) as conn:
        status = conn.execute(sa.select(table.c.status).where(table.c.id == rid)).scalar_one_or_none()
        if status is None:
            raise NotVisible(f"{what}不存在")
        if status != "failed":
            raise Conflict(f"该{what}状态为 {status}，只有发送失败的才能重试")
        conn.execute(table.update().where(table.c.id == rid).values(**values))
        changelog.record(
            session,
            actor=actor.name,
            entity=kind,
            key=str(rid),
            action="retry",
            before={"status": "failed"},
            after={"status": "pending"},
        )
