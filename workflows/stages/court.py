"""The court's side of judicial confirmation: its 立案 (from which its 30 days run, 民事诉讼法 第187条),
the president's extension, the ruling (confirmed, or refused with the kind of refusal), and the
overdue flag when the clock runs out."""

from datetime import date
from typing import Annotated, Any

from pydantic import Field, field_validator

from models.fields import Name, ReportedDate, ShortText
from states.enums import RejectionKind, Trigger
from workflows.clocks.deadlines import DeadlineKind as K, DeadlineStatus, profile_named
from workflows.errors import ClockOutOfRange, PayloadInvalid
from workflows.outbox import handoffs
from workflows.stages.base import Context, Empty, Payload, Reason, Stage, flag, unflag
from workflows.stages.confirmation import COURT_OVERDUE, applications, update_current


class CourtConfirm(Payload):
    ruling_no: ShortText


class CourtReject(Reason):
    ruling_no: ShortText
    # Why: jurisdiction (不属于本院管辖, 民诉法解释 第355条第1款第2项: the parties may apply to the right
    # court, reapply_confirmation), inadmissible (第355条 other grounds) or merits (第358条).
    reason_kind: str | None = None

    @field_validator("reason_kind")
    @classmethod
    def _kind(cls, v: str | None) -> str | None:
        if v is not None and v not in set(RejectionKind):
            raise ValueError(
                "驳回事由只能是 jurisdiction（不属于本院管辖）、inadmissible（不予受理）或 merits（驳回申请）"
            )
        return v


class CourtFile(Payload):
    filed_on: ReportedDate  # 立案日期, from 1990-01-01 (the stage: not after today)


class CourtExtend(Reason):
    days: Annotated[int, Field(strict=True, ge=1, le=365)]
    approved_by: Name  # the president who approved it (本院院长批准)


def _court_decided(ctx: Context) -> None:
    ctx.deadlines.settle([K.COURT_DECISION], DeadlineStatus.MET)
    unflag(ctx.case, COURT_OVERDUE)
    confirmed = ctx.trigger is Trigger.COURT_CONFIRM
    outcome = {"outcome": "confirmed" if confirmed else "rejected", "ruling_no": ctx.payload.ruling_no}
    if confirmed:
        update_current(ctx, **outcome)
    else:
        kind = ctx.payload.reason_kind
        rejection = {"kind": kind, "court_code": ctx.case.court_code, "reason": ctx.payload.reason}
        update_current(ctx, **outcome, rejection=rejection)
    handoffs.decided(
        ctx.conn,
        case=ctx.case,
        outcome=outcome["outcome"],
        ruling_no=ctx.payload.ruling_no,
        now=ctx.now,
        seq=ctx.case.event_seq + 1,
    )
    if confirmed:
        _open_enforcement(ctx)


def _open_enforcement(ctx: Context) -> None:
    """申请强制执行 (民事诉讼法 第250条): one clock per obligation, two years from its own last day of
    performance; an undated one from the day the ruling takes effect (a confirmation ruling, 一审终审, is
    taken to take effect the day it is recorded here). A due date the calendar cannot count from (stored
    before payloads were bounded) opens no clock and is recorded in the event: the ruling is never blocked."""
    ruling_day = ctx.deadlines.local_date(ctx.now)
    obligations = (ctx.case.agreement or {}).get("obligations") or [{}]
    opened: list[dict[str, str]] = []
    unscheduled: list[dict[str, str]] = []
    for i, ob in enumerate(obligations):
        ref = f"obligations[{i}]" if ob else None
        start = _due_date(ob) or ruling_day
        try:
            row = ctx.deadlines.open(K.ENFORCEMENT, start=start, ref=ref)
        except ClockOutOfRange as e:
            unscheduled.append({"ref": ref or "", "reason": e.detail})
            continue
        opened.append({"ref": ref or "", "start_date": start.isoformat(), "due_at": row.due_at.isoformat()})
    ctx.record["enforcement"] = opened
    if opened:  # the latest of them, as before one clock per obligation
        ctx.record["enforcement_due_at"] = max(o["due_at"] for o in opened)
    if unscheduled:
        ctx.record["enforcement_unscheduled"] = unscheduled


def _due_date(obligation: dict[str, object]) -> date | None:
    try:
        return date.fromisoformat(str(obligation["due_date"])) if obligation.get("due_date") else None
    except ValueError:
        return None


def _extended_days(case: Any) -> int:
    return sum(int(e.get("days", 0)) for e in ((applications(case) or [{}])[-1].get("extensions") or []))


def _resolve_file(ctx: Context) -> None:
    filed_on: date = ctx.payload.filed_on
    if filed_on > ctx.deadlines.local_date(ctx.now):
        raise PayloadInvalid("filed_on", "filed_on：立案日期不能晚于今天")
    applied_on = (applications(ctx.case) or [{}])[-1].get("applied_on")
    if applied_on and filed_on < date.fromisoformat(applied_on):
        raise PayloadInvalid("filed_on", f"filed_on：立案日期不能早于申请日期 {applied_on}")


def _court_file(ctx: Context) -> None:
    """The 30 days run from 立案 (民事诉讼法 第187条): the clock opened on the application is counted again
    from the filing day, with any extension already approved; a clock that ran out before is cleared when
    the recount ends later."""
    filed_on: date = ctx.payload.filed_on
    ctx.deadlines.settle([K.COURT_DECISION], DeadlineStatus.CANCELLED)
    row = ctx.deadlines.open(K.COURT_DECISION, start=filed_on)
    if extended := _extended_days(ctx.case):
        ctx.deadlines.extend(K.COURT_DECISION, extended)
    if row.due_at > ctx.now:
        unflag(ctx.case, COURT_OVERDUE)
    update_current(ctx, filed_on=filed_on.isoformat())
    handoffs.filed(ctx.conn, case=ctx.case, filed_on=filed_on.isoformat(), now=ctx.now, seq=ctx.case.event_seq + 1)
    ctx.record["court_decision_due_at"] = row.due_at.isoformat()


def _resolve_extend(ctx: Context) -> None:
    """What the guard `court_extension_allowed` reads: the clock, its profile's cap, what was extended."""
    rows = ctx.deadlines.current([K.COURT_DECISION])
    cap = profile_named(rows[0].profile, ctx.deadlines.settings).max_extension_days if rows else None
    running = bool(rows) and rows[0].status == DeadlineStatus.PENDING
    ctx.refs["court_clock"] = {"open": running, "cap": cap, "extended": _extended_days(ctx.case)}


def _court_extend(ctx: Context) -> None:
    p = ctx.payload
    rows = ctx.deadlines.extend(K.COURT_DECISION, p.days)
    on = ctx.deadlines.local_date(ctx.now).isoformat()
    extension = {"days": p.days, "approved_by": p.approved_by, "reason": p.reason, "on": on}
    extensions = (applications(ctx.case) or [{}])[-1].get("extensions") or []
    update_current(ctx, extensions=[*extensions, extension])
    ctx.record["due_at"] = [r.due_at.isoformat() for r in rows]


def _court_overdue(ctx: Context) -> None:
    ctx.deadlines.settle([K.COURT_DECISION], DeadlineStatus.FIRED)
    flag(ctx.case, COURT_OVERDUE)


T = Trigger
STAGES = (
    Stage(T.COURT_CONFIRM, CourtConfirm, effect=_court_decided),
    Stage(T.COURT_REJECT, CourtReject, effect=_court_decided),
    Stage(T.COURT_FILE, CourtFile, resolve=_resolve_file, effect=_court_file),
    Stage(T.COURT_EXTEND, CourtExtend, resolve=_resolve_extend, effect=_court_extend),
    Stage(T.COURT_OVERDUE, Empty, effect=_court_overdue),
)
