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
from states.enums import Role
from workflows import changelog
from workflows.access import Actor, get_visible_case
from workflows.accounts.admin import require_admin
from workflows.errors import Conflict, Forbidden, NotVisible

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
    if kind not in ("document", "notification"):
        raise NotVisible("没有这类待发送项")
    _put_back(session, actor=actor, kind=kind, rid=_id(item_id, "文书" if kind == "document" else "推送"), now=now)


RETRIERS = (Role.INTAKE, Role.MEDIATOR, Role.ADMIN)


def retry_document(session: Session, *, actor: Actor, doc_id: str | uuid.UUID) -> uuid.UUID:
    """From the case page: a failed document of a case the caller sees is put back in the render queue by
    the case's own mediator, the window (受理窗口) or an administrator. Returns the case's id."""
    rid = _id(doc_id, "文书")
    case_id = session.execute(sa.select(DOCUMENTS.c.case_id).where(DOCUMENTS.c.id == rid)).scalar_one_or_none()
    if case_id is None:
        raise NotVisible("文书不存在")
    case = get_visible_case(session, actor, case_id)  # 404 for a case the caller cannot see
    if not may_retry_documents(actor, case.mediator_code):
        raise Forbidden("只有本案承办调解员、受理窗口和管理员可以重新生成文书")
    cid = case.id
    _put_back(session, actor=actor, kind="document", rid=rid, now=None)
    return cid


def may_retry_documents(actor: Actor, mediator_code: str | None) -> bool:
    """Whether `actor` may put back a failed document of a case (one it sees) whose mediator is `mediator_code`."""
    return actor.role in RETRIERS and (actor.role is not Role.MEDIATOR or mediator_code == actor.mediator_code)


def _put_back(session: Session, *, actor: Actor, kind: str, rid: uuid.UUID, now: datetime | None) -> None:
    table, what = (DOCUMENTS, "文书") if kind == "document" else (NOTIFICATIONS, "推送")
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
