"""Supervision statistics for the 督办 dashboard: cases by type and month, the mediation resolution
rate and the median days a case spends in each stage. Scoped like every list (visible_clause) and
bounded to a window of months; only the few columns needed are read."""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from models.settings import get_settings
from models.tables import Case, CaseEvent
from workflows.access import Actor, visible_clause
from workflows.errors import Forbidden
from workflows.read.supervision import SUPERVISORS

RESOLVED = ("reach_agreement",)
UNRESOLVED = ("fail", "mediation_timeout")
STAGES = ("intake", "diversion", "mediation", "agreement", "judicial_confirmation")


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


def _month(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(get_settings().tz).strftime("%Y-%m")


def statistics_for(session: Session, actor: Actor, *, now: datetime | None = None, months: int = 6) -> Statistics:
    if actor.role not in SUPERVISORS:
        raise Forbidden("只有督办人员（supervisor）或管理员（admin）可以查看统计")
    now = now or datetime.now(UTC)
    since = now - timedelta(days=31 * months)
    labels: list[str] = []
    cursor = now.astimezone(get_settings().tz).replace(day=15)
    for _ in range(months):
        labels.insert(0, cursor.strftime("%Y-%m"))
        cursor = (cursor.replace(day=1) - timedelta(days=1)).replace(day=15)

    rows = session.exec(
        select(Case.dispute_type, Case.created_at).where(visible_clause(actor), Case.created_at >= since)
    ).all()
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: Counter())
    total = 0
    for dispute_type, created_at in rows:
        month = _month(created_at)
        if month in labels:
            by_type[dispute_type][month] += 1
            total += 1

    events = session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel's select() is typed for at most 4 columns
            CaseEvent.case_id, CaseEvent.seq, CaseEvent.at, CaseEvent.trigger, CaseEvent.from_state, CaseEvent.to_state
        )
        .join(Case, col(Case.id) == CaseEvent.case_id)
        .where(visible_clause(actor), Case.created_at >= since)
        .order_by(col(CaseEvent.case_id), col(CaseEvent.seq))
    ).all()
    triggers = Counter(e[3] for e in events)
    spans: dict[str, list[float]] = defaultdict(list)
    entered: dict[str, datetime] = {}
    current = None
    for case_id, _seq, at, _trigger, _from, to_state in events:
        if case_id != current:
            current, entered = case_id, {}
        for state, start in list(entered.items()):
            if state != to_state:
                spans[state].append((at - start).total_seconds() / 86400)
                del entered[state]
        if to_state not in entered:
            entered[to_state] = at
    return Statistics(
        months=labels,
        by_type_month={k: dict(v) for k, v in by_type.items()},
        total=total,
        resolved=sum(triggers[t] for t in RESOLVED),
        unresolved=sum(triggers[t] for t in UNRESOLVED),
        median_days={s: (round(statistics.median(spans[s]), 1) if spans[s] else None) for s in STAGES},
        stage_samples={s: len(spans[s]) for s in STAGES},
    )
