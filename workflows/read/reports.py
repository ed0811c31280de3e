"""Supervision statistics for the 督办 dashboard: cases by type and month, the mediation resolution
rate and the median days a case spends in each stage. Scoped like every list (visible_clause) and
bounded to a window of months; counted by the database (GROUP BY), only the few columns needed read."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from models.settings import get_settings
from models.tables import Case, CaseEvent
from models.types import UTCDateTime, days_between
from workflows.access import Actor, visible_clause
from workflows.errors import Forbidden
from workflows.read.supervision import SUPERVISORS

RESOLVED = ("reach_agreement",)
UNRESOLVED = ("fail", "mediation_timeout")
STAGES = ("intake", "diversion", "mediation", "agreement", "judicial_confirmation")
CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
EVENTS: sa.Table = CaseEvent.__table__  # type: ignore[attr-defined]


@dataclass
class Statistics:
    months: list[str]  # "2026-11", oldest first
    by_type_month: dict[str, dict[str, int]]  # dispute_type → month → count
    total: int
    resolved: int
    unresolved: int
    median_days: dict[str, float | None] = field(default_factory=dict)  # stage → median days spent in it
    stage_samples: dict[str, int] = field(default_factory=dict)

    @property
    def resolution_rate(self) -> float | None:
        ended = self.resolved + self.unresolved
        return self.resolved / ended if ended else None


def month_labels(now: datetime, months: int) -> list[str]:
    """The `months` months up to `now`'s, in the centre's time zone, oldest first: "2026-11"."""
    labels: list[str] = []
    cursor = now.astimezone(get_settings().tz).replace(day=15)
    for _ in range(months):
        labels.insert(0, cursor.strftime("%Y-%m"))
        cursor = (cursor.replace(day=1) - timedelta(days=1)).replace(day=15)
    return labels


def _month_start(label: str) -> datetime:
    year, month = map(int, label.split("-"))
    return datetime(year, month, 1, tzinfo=get_settings().tz)


def statistics_for(session: Session, actor: Actor, *, now: datetime | None = None, months: int = 6) -> Statistics:
    """Three queries, each counted by the database: cases by type and month (one GROUP BY), the triggers
    that end a mediation (one GROUP BY), and each stage's median days (window functions, _stage_medians)."""
    if actor.role not in SUPERVISORS:
        raise Forbidden("只有督办人员（supervisor）或管理员（admin）可以查看统计")
    now = now or datetime.now(UTC)
    since = now - timedelta(days=31 * months)
    labels = month_labels(now, months)
    starts = [_month_start(m) for m in labels]
    after = (starts[-1] + timedelta(days=31)).replace(day=1)
    conn = session.connection()
    scope = [visible_clause(actor), CASES.c.created_at >= since]

    created = CASES.c.created_at
    month = sa.case(*[(created >= start, label) for label, start in reversed(list(zip(labels, starts, strict=True)))])
    cases = (
        sa.select(CASES.c.dispute_type, month.label("month"))
        .where(visible_clause(actor), created >= starts[0], created < after)
        .subquery()
    )
    by_type: dict[str, dict[str, int]] = defaultdict(dict)
    for dispute_type, label, n in conn.execute(
        sa.select(cases.c.dispute_type, cases.c.month, sa.func.count()).group_by(cases.c.dispute_type, cases.c.month)
    ):
        by_type[dispute_type][label] = n

    ending = (*RESOLVED, *UNRESOLVED)
    triggers: dict[str, int] = dict(
        conn.execute(
            sa.select(EVENTS.c.trigger, sa.func.count())
            .join(CASES, CASES.c.id == EVENTS.c.case_id)
            .where(*scope, EVENTS.c.trigger.in_(ending))
            .group_by(EVENTS.c.trigger)
        ).all()
    )

    medians = {stage: (days, n) for stage, days, n in conn.execute(_stage_medians(scope))}
    return Statistics(
        months=labels,
        by_type_month=dict(by_type),
        total=sum(n for per_month in by_type.values() for n in per_month.values()),
        resolved=sum(triggers.get(t, 0) for t in RESOLVED),
        unresolved=sum(triggers.get(t, 0) for t in UNRESOLVED),
        # To a millionth of a day first (SQLite's julianday is off by about 1e-9), then to a tenth.
        median_days={s: round(round(float(medians[s][0]), 6), 1) if s in medians else None for s in STAGES},
        stage_samples={s: medians[s][1] if s in medians else 0 for s in STAGES},
    )


def _stage_medians(scope: list[ColumnElement[bool]]) -> sa.Select[str, float, int]:
    """(stage, median days, runs) for each stage some case entered and later left: a run of events into
    the same state counts from its first event (an `extend` or a `decline` re-entering the state does not
    restart it) to the first event into another state; runs not yet left are not counted. The median is
    the middle run, or the mean of the middle two, in the order of their days."""
    before = EVENTS.alias("before")  # the event just before: a run starts where the state changes
    starts = (
        sa.select(EVENTS.c.case_id, EVENTS.c.seq, EVENTS.c.at, EVENTS.c.to_state)
        .select_from(
            EVENTS.join(CASES, CASES.c.id == EVENTS.c.case_id).outerjoin(
                before, sa.and_(before.c.case_id == EVENTS.c.case_id, before.c.seq == EVENTS.c.seq - 1)
            )
        )
        .where(*scope, sa.or_(before.c.to_state.is_(None), before.c.to_state != EVENTS.c.to_state))
        .subquery()
    )
    runs = stays(starts)
    spans = (
        sa.select(runs.c.to_state, days_between(runs.c.at, runs.c.left_at).label("days"))
        .where(runs.c.left_at.is_not(None), runs.c.to_state.in_(STAGES))
        .subquery()
    )
    ranked = sa.select(
        spans.c.to_state,
        spans.c.days,
        sa.func.row_number().over(partition_by=spans.c.to_state, order_by=spans.c.days).label("rank"),
        sa.func.count().over(partition_by=spans.c.to_state).label("n"),
    ).subquery()
    middle = sa.or_(ranked.c.rank == (ranked.c.n + 1) // 2, ranked.c.rank == (ranked.c.n + 2) // 2)
    return (
        sa.select(ranked.c.to_state, sa.func.avg(ranked.c.days), sa.func.max(ranked.c.n))
        .where(middle)
        .group_by(ranked.c.to_state)
    )


def stays(starts: sa.Subquery) -> sa.Subquery:
    """Each stay in a stage: `starts` (the events that entered a stage: case_id, seq, to_state, at) with the
    time the case left it, the next stay's start (`left_at`, NULL while it is still there). The dashboard's
    median days per stage and the statistics report (workflows/read/statistics.py) both count from these."""
    return sa.select(
        starts.c.to_state,
        starts.c.at,
        sa.func.lead(starts.c.at, type_=UTCDateTime())
        .over(partition_by=starts.c.case_id, order_by=starts.c.seq)
        .label("left_at"),
    ).subquery()
