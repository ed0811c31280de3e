"""Arbitration after mediation: the referral (the day the body receives the application), its acceptance
or refusal (劳动争议调解仲裁法 第29条), an approved extension of the award period (第43条), the award and
the periods its receipt opens (第48条至第50条); and the facts the labour guards read (states/labour.py)."""

from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import Field, StrictBool

from models.fields import Code, ReportedDate, ShortText
from models.tables import Deadline
from states.enums import ARBITRATION_KINDS, Trigger
from states.remedies import REMEDIES, ArbitrationRemedy
from workflows.clocks.deadlines import DeadlineKind as K, DeadlineStatus, profile_named
from workflows.errors import PayloadInvalid
from workflows.stages.base import Context, OptionalReason, Payload, Stage, find_org

DEADLINES = Deadline.__table__  # type: ignore[attr-defined]

AWARD_PROFILES = {"labour_arbitration": "arbitration.labour", "land_arbitration": "arbitration.land"}
"""The award clock each kind of arbitration body runs (commercial arbitration: the rules the parties chose).
It opens when the body accepts the application (arbitration_accepted: 第43条, 农村土地承包经营纠纷调解仲裁法
第47条 "自受理仲裁申请之日起")."""

OPEN_AT_REFERRAL = frozenset({"land_arbitration"})
"""Bodies whose award clock also opens at the referral, counted from it until the acceptance is recorded
(the clock then starts again from acceptance). Labour has its own clock for the acceptance decision
(arbitration_acceptance, 第29条) and opens the award clock on acceptance only."""

ROUTE_CLOCKS = (K.ARBITRATION_ACCEPTANCE, K.ARBITRATION_AWARD, K.AWARD_CHALLENGE, K.AWARD_SET_ASIDE)


class ReferArbitration(Payload):
    body_code: Code
    applied_on: ReportedDate | None = None  # the day the body received the application; omitted: today


class ArbitrationAccepted(Payload):
    accepted_on: ReportedDate  # from 1990-01-01, like every date below (the stage: not after today)


class ArbitrationNotAccepted(OptionalReason):
    decided_on: ReportedDate


class ArbitrationExtended(OptionalReason):
    days: Annotated[int, Field(strict=True, ge=1, le=60)]
    approved_on: ReportedDate  # the chair's approval (仲裁委员会主任批准)


class RecordAward(Payload):
    award_no: ShortText
    received_on: ReportedDate  # the day the party received the award (送达)
    final: StrictBool = False  # a final award (终局裁决, 第47条)


def labour_facts(ctx: Context) -> dict[str, Any]:
    """What states/labour.py decides on: the arbitration record, the latest clock of each kind on the way
    to court (due_at, and its last day in JIEFEN_TIMEZONE), whether the agreement settled wages only,
    and whether a performance date of the agreement has passed (or none was set)."""
    rows = ctx.conn.execute(
        sa.select(DEADLINES.c.kind, DEADLINES.c.due_at, DEADLINES.c.last_day)
        .where(
            DEADLINES.c.case_id == ctx.case.id,
            DEADLINES.c.kind.in_([str(k) for k in ROUTE_CLOCKS]),
            DEADLINES.c.status != str(DeadlineStatus.CANCELLED),
        )
        .order_by(DEADLINES.c.created_at)
    ).all()
    clocks = {r.kind: {"due_at": r.due_at, "last_day": r.last_day.isoformat()} for r in rows}
    agreement = ctx.case.agreement or {}
    today = ctx.deadlines.local_date(ctx.now)
    obligations = agreement.get("obligations") or []
    overdue = any(not o.get("due_date") or date.fromisoformat(o["due_date"]) < today for o in obligations)
    return {
        "arbitration": ctx.case.arbitration or {},
        "clocks": clocks,
        "wages_only": bool(agreement.get("wages_only")),
        "overdue": overdue,
    }


def needs_labour_facts(case: Any) -> bool:
    remedies = REMEDIES[case.dispute_type]
    return remedies.arbitration is ArbitrationRemedy.MANDATORY or remedies.unperformed_agreement_arbitration is not None


def _on_or_before_today(ctx: Context, field: str, value: date, *, not_before: str | None, what: str) -> None:
    """A date the payload reports: not in the future, not before `not_before` (an ISO date), else 422."""
    if value > ctx.deadlines.local_date(ctx.now):
        raise PayloadInvalid(field, f"{field}：{what}不能晚于今天")
    if not_before and value < date.fromisoformat(not_before):
        raise PayloadInvalid(field, f"{field}：{what}不能早于 {not_before}")


def _record(ctx: Context) -> dict[str, Any]:
    return dict(ctx.case.arbitration or {})


def _resolve_refer(ctx: Context) -> None:
    body = find_org(ctx, ctx.payload.body_code, "body_code", ARBITRATION_KINDS, "仲裁机构")
    ctx.refs["body"] = body
    ctx.refs["body_kind"] = body.kind
    if ctx.payload.applied_on is not None:
        _on_or_before_today(ctx, "applied_on", ctx.payload.applied_on, not_before=None, what="仲裁申请收到日期")
    if needs_labour_facts(ctx.case):
        ctx.refs["labour"] = labour_facts(ctx)


def _refer_arbitration(ctx: Context) -> None:
    body = ctx.refs["body"]
    applied_on = ctx.payload.applied_on or ctx.deadlines.local_date(ctx.now)
    ctx.case.arbitration_body_code = body.code
    ctx.case.arbitrated = True
    ctx.case.arbitration = {"body_code": body.code, "body_kind": body.kind, "applied_on": applied_on.isoformat()}
    ctx.deadlines.settle([K.CONFIRMATION_WINDOW], DeadlineStatus.CANCELLED)  # from an unperformed agreement
    ctx.deadlines.open_if_profiled(K.ARBITRATION_ACCEPTANCE, start=applied_on)
    if body.kind in OPEN_AT_REFERRAL:
        ctx.deadlines.open(K.ARBITRATION_AWARD, profile=AWARD_PROFILES[body.kind], start=applied_on)


def _resolve_decision(ctx: Context) -> None:
    """arbitration_accepted / arbitration_not_accepted: the record for the guard; the date after receipt."""
    ctx.refs["arbitration"] = _record(ctx)
    field = "accepted_on" if ctx.trigger is Trigger.ARBITRATION_ACCEPTED else "decided_on"
    applied = _record(ctx).get("applied_on")
    _on_or_before_today(ctx, field, getattr(ctx.payload, field), not_before=applied, what="仲裁委员会决定日期")


def _accepted(ctx: Context) -> None:
    """第43条: the award period runs from acceptance (a clock counted from the referral starts again)."""
    accepted_on: date = ctx.payload.accepted_on
    ctx.case.arbitration = {**_record(ctx), "accepted_on": accepted_on.isoformat()}
    ctx.deadlines.settle([K.ARBITRATION_ACCEPTANCE], DeadlineStatus.MET)
    profile = AWARD_PROFILES.get(_record(ctx).get("body_kind") or "")
    if profile is not None:
        ctx.deadlines.settle([K.ARBITRATION_AWARD], DeadlineStatus.CANCELLED)
        row = ctx.deadlines.open(K.ARBITRATION_AWARD, profile=profile, start=accepted_on)
        ctx.record["award_due_at"] = row.due_at.isoformat()


def _not_accepted(ctx: Context) -> None:
    decision = {"decided_on": ctx.payload.decided_on.isoformat(), "reason": ctx.payload.reason}
    ctx.case.arbitration = {**_record(ctx), "not_accepted": {k: v for k, v in decision.items() if v is not None}}
    ctx.deadlines.settle([K.ARBITRATION_ACCEPTANCE], DeadlineStatus.MET)
    ctx.deadlines.settle([K.ARBITRATION_AWARD], DeadlineStatus.CANCELLED)


def _extensions(case: Any) -> list[dict[str, Any]]:
    return list((case.arbitration or {}).get("extensions") or [])


def _resolve_extension(ctx: Context) -> None:
    """What the guard `award_extension_allowed` reads: the award clock, its profile's cap, what was extended."""
    rows = ctx.deadlines.current([K.ARBITRATION_AWARD])
    cap = profile_named(rows[0].profile, ctx.deadlines.settings).max_extension_days if rows else None
    used = sum(int(e["days"]) for e in _extensions(ctx.case))
    ctx.refs["award_clock"] = {"open": bool(rows), "cap": cap, "extended": used}
    accepted = _record(ctx).get("accepted_on")
    _on_or_before_today(ctx, "approved_on", ctx.payload.approved_on, not_before=accepted, what="延期批准日期")


def _extended(ctx: Context) -> None:
    p = ctx.payload
    rows = ctx.deadlines.extend(K.ARBITRATION_AWARD, p.days)
    extension = {"days": p.days, "approved_on": p.approved_on.isoformat(), "reason": p.reason}
    extensions = [*_extensions(ctx.case), {k: v for k, v in extension.items() if v is not None}]
    ctx.case.arbitration = {**_record(ctx), "extensions": extensions}
    ctx.record["award_due_at"] = [r.due_at.isoformat() for r in rows]


def _resolve_award(ctx: Context) -> None:
    record = _record(ctx)
    ctx.refs["arbitration"] = record
    after = record.get("accepted_on") or record.get("applied_on")
    _on_or_before_today(ctx, "received_on", ctx.payload.received_on, not_before=after, what="裁决书收到日期")


def _record_award(ctx: Context) -> None:
    """The award ends the award period; its receipt opens the time to sue (第48条、第50条) and, for a final
    award, the employer's time to apply to set it aside (第49条)."""
    p = ctx.payload
    award = {"award_no": p.award_no, "received_on": p.received_on.isoformat(), "final": p.final}
    ctx.case.arbitration = {**_record(ctx), "award": award}
    ctx.deadlines.settle([K.ARBITRATION_AWARD, K.ARBITRATION_ACCEPTANCE], DeadlineStatus.MET)
    opened = [ctx.deadlines.open_if_profiled(K.AWARD_CHALLENGE, start=p.received_on)]
    if p.final:
        opened.append(ctx.deadlines.open_if_profiled(K.AWARD_SET_ASIDE, start=p.received_on))
    ctx.record["deadlines"] = {r.kind: r.due_at.isoformat() for r in opened if r is not None}


T = Trigger
STAGES = (
    Stage(T.REFER_ARBITRATION, ReferArbitration, resolve=_resolve_refer, effect=_refer_arbitration),
    Stage(T.ARBITRATION_ACCEPTED, ArbitrationAccepted, resolve=_resolve_decision, effect=_accepted),
    Stage(T.ARBITRATION_NOT_ACCEPTED, ArbitrationNotAccepted, resolve=_resolve_decision, effect=_not_accepted),
    Stage(T.ARBITRATION_EXTENDED, ArbitrationExtended, resolve=_resolve_extension, effect=_extended),
    Stage(T.RECORD_AWARD, RecordAward, resolve=_resolve_award, effect=_record_award),
)
