"""The centre's statistics for a period (统计报表, CONTRACT §5 v2): what is reported upward every month,
quarter or year, for the regions the caller may see.

Every figure is counted from the audit log (case_events) over the period [from 00:00, to + 1 day 00:00)
in JIEFEN_TIMEZONE, on the cases the caller may see (workflows/access.visible_clause) within `region`:

- received: `open` events, by dispute type, channel and the organization the case is with now (None: not
  yet diverted);
- outcomes: the events that end or hand on a mediation (OUTCOMES); a case that failed, resumed and then
  agreed counts once in each;
- success rate: agreements / (agreements + failures), None when neither happened;
- judicial confirmation: applications (first and renewed), rulings confirming and rejecting, withdrawals;
- days per stage: each run of a stage (from the first event into it to the first event into another
  state, as the 督办 dashboard counts: reports._stage_medians) that *ended* in the period; the median is
  the middle run or the mean of the middle two, the 90th percentile the nearest rank (the ⌈0.9·n⌉-th);
- overdue: the clocks that ran out in the period (the sweep's events as system:timeout, with the clock's
  kind in their payload), by the organization that held the case when its clock ran out (_org_at_event)
  and by the kind of clock.

The counts are GROUP BYs in the database over the events of the period (index ix_case_events_at_trigger);
the percentiles are taken in Python over the durations of the runs, which the database computes.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from models.report_schemas import (
    Confirmations,
    CountRow,
    OrganizationOverdue,
    Outcomes,
    StageDays,
    StatisticsReport,
)
from models.settings import get_settings
from models.tables import Case, CaseEvent, Organization
from models.types import days_between
from states.enums import Channel, DisputeType, Role, State, Trigger
from states.labels import CHANNEL_LABELS, DISPUTE_TYPE_LABELS, STATE_LABELS
from workflows.access import Actor, region_prefix, visible_clause
from workflows.errors import Forbidden, PayloadInvalid
from workflows.read.reports import stays
from workflows.read.supervision import SUPERVISORS

CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
EVENTS: sa.Table = CaseEvent.__table__  # type: ignore[attr-defined]
ORGANIZATIONS: sa.Table = Organization.__table__  # type: ignore[attr-defined]

MAX_DAYS = 366
"""The longest period one report covers: a year (a leap year's 366 days)."""

OPEN = "open"
OUTCOMES: dict[str, tuple[str, ...]] = {
    "agreement": (Trigger.REACH_AGREEMENT,),
    "failed": (Trigger.FAIL, Trigger.MEDIATION_TIMEOUT),
    "withdrawn": (Trigger.WITHDRAW,),
    "arbitration": (Trigger.REFER_ARBITRATION,),
    "litigation": (Trigger.REFER_LITIGATION,),
    "transferred_out": (Trigger.TRANSFER_OUT,),
    "rejected": (Trigger.REJECT,),
}
CONFIRMATIONS: dict[str, tuple[str, ...]] = {
    "applied": (Trigger.REQUEST_CONFIRMATION, Trigger.REAPPLY_CONFIRMATION),
    "confirmed": (Trigger.COURT_CONFIRM,),
    "rejected": (Trigger.COURT_REJECT,),
    "withdrawn": (Trigger.WITHDRAW_CONFIRMATION,),
}
EXPIRIES = (
    Trigger.DIVERSION_TIMEOUT,
    Trigger.MEDIATION_TIMEOUT,
    Trigger.MEDIATION_OVERDUE,
    Trigger.COURT_OVERDUE,
    "deadline_expired",
)
"""The events the sweep writes when a clock runs out (workflows/clocks/sweep.py): its kind in the payload."""
TIMEOUT_ACTOR = "system:timeout"
STAGES = ("intake", "diversion", "mediation", "agreement", "judicial_confirmation", "arbitration", "litigation")

OUTCOME_LABELS = {
    "agreement": "调解成功（达成协议）",
    "failed": "调解不成（含期满视为不成）",
    "withdrawn": "当事人撤回",
    "arbitration": "转仲裁",
    "litigation": "转诉讼",
    "transferred_out": "导入其他法定途径",
    "rejected": "不予受理",
}
CONFIRMATION_LABELS = {
    "applied": "申请司法确认",
    "confirmed": "裁定确认有效",
    "rejected": "裁定驳回",
    "withdrawn": "撤回申请",
}


def period_bounds(from_date: date, to_date: date) -> tuple[datetime, datetime]:
    """[from 00:00, the day after `to` 00:00) in the centre's time zone, as UTC instants."""
    tz = get_settings().tz
    start = datetime.combine(from_date, time(0), tz).astimezone(UTC)
    end = datetime.combine(to_date + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end


EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


def check_period(from_date: date, to_date: date) -> None:
    for name, day in (("from", from_date), ("to", to_date)):
        if not EARLIEST <= day <= LATEST:
            raise PayloadInvalid(["query", name], f"日期应在 {EARLIEST} 至 {LATEST} 之间")
    if to_date < from_date:
        raise PayloadInvalid(["query", "to"], "结束日期（to）不得早于开始日期（from）")
    if (to_date - from_date).days + 1 > MAX_DAYS:
        raise PayloadInvalid(["query", "to"], f"统计期间最长 {MAX_DAYS} 天（一年）")


def scope_clauses(actor: Actor, region: str | None) -> list[ColumnElement[bool]]:
    """The cases `actor` may see, within `region` when given (403 when `region` lies outside them)."""
    if actor.role not in (*SUPERVISORS, Role.SYSTEM):  # system: the monthly workbook (workflows/monthly_report.py)
        raise Forbidden("只有督办人员（supervisor）或管理员（admin）可以查看统计报表")
    where = [visible_clause(actor)]
    if region is not None:
        prefix = region_prefix(region)
        if actor.role is Role.SUPERVISOR and not prefix.startswith(region_prefix(actor.org_region or "-")):
            raise Forbidden(f"无权查看行政区划 {region} 的统计：只能查看本中心辖区 {actor.org_region} 以内")
        where.append(CASES.c.region.startswith(prefix, autoescape=True))
    return where


def statistics(
    session: Session,
    actor: Actor,
    *,
    from_date: date,
    to_date: date,
    region: str | None = None,
    now: datetime | None = None,
) -> StatisticsReport:
    check_period(from_date, to_date)
    scope = scope_clauses(actor, region)
    start, end = period_bounds(from_date, to_date)
    conn = session.connection()
    in_period = [EVENTS.c.at >= start, EVENTS.c.at < end]
    joined = EVENTS.join(CASES, CASES.c.id == EVENTS.c.case_id)

    # Received: one GROUP BY over the three dimensions, summed per dimension here.
    by_type: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    by_org: Counter[str | None] = Counter()
    for dispute_type, channel, org_code, n in conn.execute(
        sa.select(CASES.c.dispute_type, CASES.c.channel, CASES.c.org_code, sa.func.count())
        .select_from(joined)
        .where(*in_period, EVENTS.c.trigger == OPEN, *scope)
        .group_by(CASES.c.dispute_type, CASES.c.channel, CASES.c.org_code)
    ):
        by_type[dispute_type] += n
        by_channel[channel] += n
        by_org[org_code] += n

    # Outcomes and confirmations: one GROUP BY trigger.
    counted = {t for ts in (*OUTCOMES.values(), *CONFIRMATIONS.values()) for t in ts}
    triggers: dict[str, int] = {
        str(t): n
        for t, n in conn.execute(
            sa.select(EVENTS.c.trigger, sa.func.count())
            .select_from(joined)
            .where(*in_period, EVENTS.c.trigger.in_(sorted(counted)), *scope)
            .group_by(EVENTS.c.trigger)
        )
    }
    outcomes = Outcomes(**{k: sum(triggers.get(t, 0) for t in ts) for k, ts in OUTCOMES.items()})
    confirmations = Confirmations(**{k: sum(triggers.get(t, 0) for t in ts) for k, ts in CONFIRMATIONS.items()})
    ended = outcomes.agreement + outcomes.failed

    # Overdue: the clocks that ran out, by the organization that held the case then, and by kind.
    kind = EVENTS.c.payload["kind"].as_string()
    held_by = _org_at_event()
    expiries = (
        sa.select(held_by.label("org_code"), kind.label("kind"))
        .select_from(joined)
        .where(*in_period, EVENTS.c.trigger.in_([str(t) for t in EXPIRIES]), EVENTS.c.actor == TIMEOUT_ACTOR, *scope)
        .subquery()
    )
    overdue: dict[str | None, Counter[str]] = defaultdict(Counter)
    for org_code, clock_kind, n in conn.execute(
        sa.select(expiries.c.org_code, expiries.c.kind, sa.func.count()).group_by(expiries.c.org_code, expiries.c.kind)
    ):
        overdue[org_code][clock_kind or "unknown"] += n

    codes = {c for c in (*by_org, *overdue) if c is not None}
    names: dict[str, str] = {}
    if codes:
        query = sa.select(ORGANIZATIONS.c.code, ORGANIZATIONS.c.name).where(ORGANIZATIONS.c.code.in_(codes))
        names = {code: name for code, name in conn.execute(query)}

    durations: dict[str, list[float]] = defaultdict(list)
    for stage, days in conn.execute(_stage_runs(scope, start, end)):
        durations[stage].append(round(float(days), 6))  # to a millionth of a day: SQLite's julianday

    return StatisticsReport(
        from_date=from_date,
        to_date=to_date,
        region=region,
        generated_at=now or datetime.now(UTC),
        received=sum(by_type.values()),
        by_dispute_type=_rows(by_type, [str(t) for t in DisputeType], DISPUTE_TYPE_LABELS),
        by_channel=_rows(by_channel, [str(c) for c in Channel], CHANNEL_LABELS),
        by_organization=[
            CountRow(key=code, label=names.get(code, code) if code else "尚未分流（受理窗口）", count=n)
            for code, n in sorted(by_org.items(), key=lambda kv: (-kv[1], kv[0] or ""))
        ],
        outcomes=outcomes,
        success_rate=outcomes.agreement / ended if ended else None,
        confirmations=confirmations,
        stages=[
            StageDays(
                stage=s,
                label=STATE_LABELS[State(s)],
                runs=len(durations[s]),
                median_days=_median(durations[s]),
                p90_days=_nearest_rank(durations[s], 0.9),
            )
            for s in STAGES
        ],
        overdue=[
            OrganizationOverdue(
                org_code=code,
                org_name=names.get(code) if code else None,
                overdue=sum(kinds.values()),
                by_kind=dict(kinds),
            )
            for code, kinds in sorted(overdue.items(), key=lambda kv: (-sum(kv[1].values()), kv[0] or ""))
        ],
    )


def _org_at_event() -> ColumnElement[str | None]:
    """The organization that held the case when the event (EVENTS' row) happened: the one the event moved
    it from (`from_org_code` in its payload: a diversion timeout escalating it), else the last one an
    earlier event gave it (`org_code` in the payload of divert, escalate and the timeouts that move it).
    A case sent back to the window after its last organization has none: its later events record
    `from_org_code` and no `org_code`, so the last event that moved it names no organization."""
    earlier = EVENTS.alias("earlier")
    moved = sa.or_(
        earlier.c.payload["org_code"].as_string().is_not(None),
        earlier.c.payload["from_org_code"].as_string().is_not(None),
    )
    last_move = (
        sa.select(earlier.c.payload["org_code"].as_string())
        .where(earlier.c.case_id == EVENTS.c.case_id, earlier.c.seq < EVENTS.c.seq, moved)
        .order_by(earlier.c.seq.desc())
        .limit(1)
        .correlate(EVENTS)
        .scalar_subquery()
    )
    return sa.func.coalesce(EVENTS.c.payload["from_org_code"].as_string(), last_move)


def _rows(counts: Counter[str], order: list[str], labels: Mapping[Any, str]) -> list[CountRow]:
    """Every known code in its order (zeros included), then any other code found."""
    keys = [*order, *sorted(k for k in counts if k not in order)]
    return [CountRow(key=k, label=labels.get(k, k), count=counts.get(k, 0)) for k in keys]


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    n = len(v)
    return round((v[(n - 1) // 2] + v[n // 2]) / 2, 1)


def _nearest_rank(values: list[float], p: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return round(v[max(0, math.ceil(p * len(v)) - 1)], 1)


def _stage_runs(scope: list[ColumnElement[bool]], start: datetime, end: datetime) -> sa.Select[str, float]:
    """(stage, days) for each run of a stage that ended in [start, end), on the cases in scope that have an
    event in the period (a run ends with an event). A run of events into the same state counts from its
    first event (an `extend` or a `decline` re-entering the state does not restart it) to the first event
    into another state."""
    active = sa.select(EVENTS.c.case_id).where(EVENTS.c.at >= start, EVENTS.c.at < end).distinct().scalar_subquery()
    before = EVENTS.alias("before")
    starts = (
        sa.select(EVENTS.c.case_id, EVENTS.c.seq, EVENTS.c.at, EVENTS.c.to_state)
        .select_from(
            EVENTS.join(CASES, CASES.c.id == EVENTS.c.case_id).outerjoin(
                before, sa.and_(before.c.case_id == EVENTS.c.case_id, before.c.seq == EVENTS.c.seq - 1)
            )
        )
        .where(
            *scope,
            EVENTS.c.case_id.in_(active),
            EVENTS.c.at < end,
            sa.or_(before.c.to_state.is_(None), before.c.to_state != EVENTS.c.to_state),
        )
        .subquery()
    )
    runs = stays(starts)
    return sa.select(runs.c.to_state, days_between(runs.c.at, runs.c.left_at)).where(
        runs.c.left_at >= start, runs.c.left_at < end, runs.c.to_state.in_(STAGES)
    )
