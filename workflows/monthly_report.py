"""The monthly statistics workbook (月度统计报表), kept as a document of the centre.

`keep_monthly_report` builds last month's statistics (workflows/read/statistics.py) for every region, as the
workbook the report screen downloads, and stores it in the documents table: kind `monthly_report`, no case,
`period` "2026-11", status `rendered`, the .xlsx in `content` with its SHA-256. The unique index on (kind,
period) keeps one per month: a second run (the scheduler's catch-up at start, the 1st's run, a Prefect run,
two processes at once) finds it and stores nothing. The workbook is what the month looked like when it was
made; a fresh one for any period is always a download away (GET /api/v1/reports/statistics.xlsx).

Run by the embedded scheduler on the 1st of each month (workflows/scheduler.py) and by the Prefect flow
`monthly_report` (workflows/flows/definitions.py)."""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.db import write_transaction
from models.settings import get_settings
from models.tables import Document
from states.enums import Role
from workflows.access import Actor
from workflows.read.statistics import statistics
from workflows.read.statistics_files import workbook

log = logging.getLogger("jiefen.reports")

KIND = "monthly_report"
ACTOR = Actor("system:reports", Role.SYSTEM)  # every region, as the admin sees them
DOCUMENTS: sa.Table = Document.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StoredReport:
    id: uuid.UUID
    period: str  # "2026-11"
    sha256: str
    created_at: datetime


def last_month(now: datetime) -> tuple[date, date]:
    """The first and last day of the month before `now`'s, in the centre's time zone."""
    first_of_this = now.astimezone(get_settings().tz).date().replace(day=1)
    last = first_of_this - timedelta(days=1)
    return last.replace(day=1), last


def keep_monthly_report(engine: Engine, *, now: datetime | None = None) -> dict[str, Any]:
    """Last month's workbook, stored once. Returns {"period", "document_id", "created", "sha256"}."""
    now = now or datetime.now(UTC)
    first, last = last_month(now)
    period = first.strftime("%Y-%m")
    with Session(engine, expire_on_commit=False) as session:
        existing = stored(session, period)
        if existing is not None:
            return _result(existing, created=False)
        report = statistics(session, ACTOR, from_date=first, to_date=last, now=now)
        content = workbook(report)
        digest = hashlib.sha256(content).hexdigest()
        doc_id = uuid.uuid4()
        try:
            with write_transaction(session) as conn:
                conn.execute(
                    DOCUMENTS.insert().values(
                        id=doc_id,
                        case_id=None,
                        kind=KIND,
                        period=period,
                        status="rendered",
                        sha256=digest,
                        content=content,
                        created_at=now,
                        rendered_at=now,
                        version=1,
                        attempts=0,
                    )
                )
        except sa.exc.IntegrityError:  # another run stored this month's first
            existing = stored(session, period)
            if existing is None:
                raise
            return _result(existing, created=False)
    log.info("monthly report %s stored (%s bytes)", period, len(content))
    return _result(StoredReport(doc_id, period, digest, now), created=True)


def stored(session: Session, period: str) -> StoredReport | None:
    row = session.exec(
        select(Document.id, Document.period, Document.sha256, Document.created_at).where(
            Document.kind == KIND, Document.period == period
        )
    ).first()
    return StoredReport(row[0], row[1] or period, row[2] or "", row[3]) if row else None


def stored_reports(session: Session, limit: int = 24) -> list[StoredReport]:
    """The workbooks kept, the latest month first."""
    rows = session.exec(
        select(Document.id, Document.period, Document.sha256, Document.created_at)
        .where(Document.kind == KIND)
        .order_by(col(Document.period).desc())
        .limit(limit)
    ).all()
    return [StoredReport(r[0], r[1] or "", r[2] or "", r[3]) for r in rows]


def stored_content(session: Session, period: str) -> bytes | None:
    return session.exec(select(Document.content).where(Document.kind == KIND, Document.period == period)).first()


def _result(report: StoredReport, *, created: bool) -> dict[str, Any]:
    return {"period": report.period, "document_id": str(report.id), "created": created, "sha256": report.sha256}
