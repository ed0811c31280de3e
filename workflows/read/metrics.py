"""The business figures GET /metrics reports, counted by the database at the moment of the scrape.

Counted here rather than by counters in the processes that change the data: transitions are fired by every
API process, by the embedded scheduler, by Prefect flows and by the CLI, and `jiefen serve --workers N`
runs N API processes, each with counters of its own that would each see a part and restart at zero. The
database sees every write of every process, so each figure is exact whichever process is scraped.

Every figure is one GROUP BY over a column with few values (states, dispute types, triggers, clock kinds,
document kinds, notification kinds): no case id, no name, nothing personal becomes a label. The outbox
figures read only the rows still pending or failed (indexed on status); the case and transition totals read
the whole of their tables, which is what a centre's counts cost (see README "Monitoring").
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.tables import Case, CaseEvent, Document, Notification
from workflows.read.supervision import DEADLINES, STAGE

CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
EVENTS: sa.Table = CaseEvent.__table__  # type: ignore[attr-defined]
DOCUMENTS: sa.Table = Document.__table__  # type: ignore[attr-defined]
NOTIFICATIONS: sa.Table = Notification.__table__  # type: ignore[attr-defined]

SOON_DAYS = 3
"""A clock is "due soon" within this many days: the 督办 board's default (workflows/read/supervision.py)."""


@dataclass
class Figures:
    cases: dict[tuple[str, str], int] = field(default_factory=dict)  # (state, dispute_type) -> cases
    transitions: dict[str, int] = field(default_factory=dict)  # trigger -> events ever written
    deadlines_overdue: dict[str, int] = field(default_factory=dict)  # clock kind -> clocks
    deadlines_due_soon: dict[str, int] = field(default_factory=dict)  # clock kind -> clocks
    documents: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, pending|failed) -> documents
    documents_retrying: dict[str, int] = field(default_factory=dict)  # kind -> pending after a failed render
    oldest_pending_document_seconds: float = 0.0
    notifications: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, pending|failed) -> rows
    notifications_retrying: dict[str, int] = field(default_factory=dict)  # kind -> pending after a failure


def figures(conn: Connection, *, now: datetime | None = None) -> Figures:
    now = now or datetime.now(UTC)
    f = Figures()
    for state, dispute_type, n in conn.execute(
        sa.select(CASES.c.state, CASES.c.dispute_type, sa.func.count()).group_by(CASES.c.state, CASES.c.dispute_type)
    ):
        f.cases[(state, dispute_type)] = n
    for trigger, n in conn.execute(sa.select(EVENTS.c.trigger, sa.func.count()).group_by(EVENTS.c.trigger)):
        f.transitions[trigger] = n

    f.deadlines_overdue, f.deadlines_due_soon = clocks(conn, now=now)

    doc = DOCUMENTS
    retrying = sa.case((sa.and_(doc.c.status == "pending", doc.c.attempts > 0), 1), else_=0)
    for kind, status, n, again in conn.execute(
        sa.select(doc.c.kind, doc.c.status, sa.func.count(), sa.func.sum(retrying))
        .where(doc.c.status.in_(("pending", "failed")))
        .group_by(doc.c.kind, doc.c.status)
    ):
        f.documents[(kind, status)] = n
        if status == "pending":
            f.documents_retrying[kind] = int(again or 0)
    oldest = conn.execute(sa.select(sa.func.min(doc.c.created_at)).where(doc.c.status == "pending")).scalar()
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        f.oldest_pending_document_seconds = max(0.0, (now - oldest).total_seconds())

    n_ = NOTIFICATIONS
    retrying = sa.case((sa.and_(n_.c.status == "pending", n_.c.attempts > 0), 1), else_=0)
    for kind, status, n, again in conn.execute(
        sa.select(n_.c.kind, n_.c.status, sa.func.count(), sa.func.sum(retrying))
        .where(n_.c.status.in_(("pending", "failed")))
        .group_by(n_.c.kind, n_.c.status)
    ):
        f.notifications[(kind, status)] = n
        if status == "pending":
            f.notifications_retrying[kind] = int(again or 0)
    return f


def clocks(conn: Connection, *, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Clocks overdue and clocks due soon, by kind."""
    # The clocks the 督办 board lists (workflows/read/supervision.py), over every case: overdue is a pending
    # clock past due, or a fired one still the latest of its kind on a case still in the clock's stage; due
    # soon, pending and due within SOON_DAYS. Two queries, each on the (status, due_at) index: the board's one
    # query ORs the two, which no index serves (tests/bench/test_metrics_scrape.py, PostgreSQL, 187,000
    # clocks: 259 ms for these two, 613 ms for the one; the same at 19,000 clocks). The bench and
    # tests/api/test_metrics.py check that the figures are the board's.
    d, c = DEADLINES, CASES
    overdue_by_kind: dict[str, int] = {}
    soon_by_kind: dict[str, int] = {}
    late = sa.case((d.c.due_at <= now, 1), else_=0)
    for kind, overdue, total in conn.execute(
        sa.select(d.c.kind, sa.func.sum(late), sa.func.count())
        .where(d.c.status == "pending", d.c.due_at <= now + timedelta(days=SOON_DAYS))
        .group_by(d.c.kind)
    ):
        overdue_by_kind[kind] = int(overdue or 0)
        soon_by_kind[kind] = int(total) - int(overdue or 0)
    later = d.alias("later")
    newer = sa.exists().where(
        later.c.case_id == d.c.case_id, later.c.kind == d.c.kind, later.c.created_at > d.c.created_at
    )
    in_stage = sa.or_(*[sa.and_(d.c.kind == kind, c.c.state == state) for kind, state in STAGE.items()])
    for kind, overdue, total in conn.execute(
        sa.select(d.c.kind, sa.func.sum(late), sa.func.count())
        .select_from(d.join(c, c.c.id == d.c.case_id))
        .where(d.c.status == "fired", in_stage, ~newer)
        .group_by(d.c.kind)
    ):
        overdue_by_kind[kind] = overdue_by_kind.get(kind, 0) + int(overdue or 0)
        soon_by_kind[kind] = soon_by_kind.get(kind, 0) + int(total) - int(overdue or 0)
    return overdue_by_kind, soon_by_kind
