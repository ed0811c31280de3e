"""Read-only views for administrators: the routing rules in force, the holiday years the calendar knows,
which organizations lack a document signing key, and the outbox's pending and failed items."""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from documents import signing
from models.privacy import mask_email, mask_phone
from models.settings import Settings
from models.tables import CalendarYear, Case, Document, Notification, Organization
from states.enums import ARBITRATION_KINDS, OrgKind
from workflows.clocks.calendar import LegalCalendar
from workflows.routing.rules import RuleSet, active_rules

OUTBOX_LIMIT = 200


def routing_rules() -> RuleSet:
    return active_rules()


@dataclass(frozen=True, slots=True)
class HolidayYear:
    year: int
    status: str  # published (shipped in chinese-calendar) | loaded (jiefen calendar load) | provisional
    source: str | None = None
    loaded_at: datetime | None = None


def holiday_years(session: Session, *, today: date) -> list[HolidayYear]:
    """From last year to two years ahead, and every year loaded: whose official schedule is known."""
    loaded = {row.year: row for row in session.exec(select(CalendarYear)).all()}
    calendar = LegalCalendar()
    out = []
    for year in sorted(set(range(today.year - 1, today.year + 3)) | set(loaded)):
        if year in loaded:
            row = loaded[year]
            out.append(HolidayYear(year, "loaded", row.source, row.loaded_at))
        elif calendar.covers(year):
            out.append(HolidayYear(year, "published", "chinese-calendar"))
        else:
            out.append(HolidayYear(year, "provisional"))
    return out


@dataclass(frozen=True, slots=True)
class SigningKey:
    code: str
    name: str
    kind: str
    present: bool


def signing_keys(session: Session, *, settings: Settings) -> list[SigningKey]:
    """Each organization whose documents are signed (not courts or arbitration bodies, whose documents
    this system does not issue) and whether its certificate and key are in JIEFEN_KEYS_DIR."""
    keys = Path(settings.keys_dir)
    out = []
    for org in session.exec(select(Organization).order_by(col(Organization.code))).all():
        kind = OrgKind(org.kind)
        if kind is OrgKind.COURT or kind in ARBITRATION_KINDS:
            continue
        files = signing.signer_files(keys, org.code)
        present = files.cert.exists() and files.key.exists() and files.ca.exists()
        out.append(SigningKey(org.code, org.name, org.kind, present))
    return out


@dataclass(frozen=True, slots=True)
class OutboxItem:
    kind: str  # document | notification
    id: str
    what: str  # the document kind or the message kind
    case_id: str | None
    case_no: str | None
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    recipient: str | None = None


def _masked_recipient(kind: str, recipient: str | None) -> str | None:
    """A party's phone or email as an administrator sees it: masked (models/privacy.py)."""
    return mask_email(recipient) if kind == "party_email" else mask_phone(recipient)


def outbox(session: Session, *, limit: int = OUTBOX_LIMIT) -> list[OutboxItem]:
    """Documents not yet rendered or failed, and messages not yet delivered or failed; failed first."""
    d = Document.__table__.c  # type: ignore[attr-defined]
    c = Case.__table__.c  # type: ignore[attr-defined]
    # Core columns, not the Document row: its PDF bytes are not read for a list.
    docs = session.execute(
        sa.select(d.id, d.kind, d.case_id, c.case_no, d.status, d.attempts, d.last_error, d.created_at)
        .join(Case.__table__, c.id == d.case_id)  # type: ignore[attr-defined]
        .where(d.status.in_(("pending", "failed")))
        .order_by(d.created_at)
        .limit(limit)
    ).all()
    notes = session.exec(
        select(Notification, Case.case_no)
        .outerjoin(Case, col(Case.id) == Notification.case_id)
        .where(col(Notification.status).in_(("pending", "failed")))
        .order_by(col(Notification.created_at))
        .limit(limit)
    ).all()
    items = [
        OutboxItem("document", str(i), kind, str(cid), no, status, attempts, error, at)
        for i, kind, cid, no, status, attempts, error, at in docs
    ] + [
        OutboxItem(
            "notification",
            str(n.id),
            n.kind,
            str(n.case_id) if n.case_id else None,
            no,
            n.status,
            n.attempts,
            n.last_error,
            n.created_at,
            n.org_code or _masked_recipient(n.kind, n.recipient),
        )
        for n, no in notes
    ]
    return sorted(items, key=lambda x: (x.status != "failed", x.created_at))
