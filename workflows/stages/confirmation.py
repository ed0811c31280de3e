"""Judicial confirmation (司法确认): the application to a court, the hand-off package it receives,
and the court's ruling or its overdue flag."""

import uuid
from datetime import date

from models.fields import Code, ShortText
from models.tables import Organization
from states.enums import Trigger
from workflows.clocks.deadlines import DeadlineKind as K, DeadlineStatus
from workflows.errors import ClockOutOfRange
from workflows.outbox import handoffs
from workflows.routing import jurisdiction
from workflows.stages.base import Context, Empty, Payload, Reason, Stage, find_org, flag, unflag

COURT_KINDS = frozenset({"court"})
COURT_OVERDUE = "court_overdue"


class RequestConfirmation(Payload):
    court_code: Code


class CourtConfirm(Payload):
    ruling_no: ShortText


class CourtReject(Reason):
    ruling_no: ShortText


def _resolve_request(ctx: Context) -> None:
    """The court named, the courts competent for this agreement (民事诉讼法 第205条) and the
    pre-screen of what a court may not confirm (民诉法解释 第355条、第358条); the guards decide."""
    ctx.refs["court"] = find_org(ctx.session, ctx.payload.court_code, "court_code", COURT_KINDS, "人民法院")
    courts, why = jurisdiction.competent_courts(ctx.session, ctx.case)
    why["grounds"] = jurisdiction.grounds(ctx.refs["court"], why)  # what the application states (第205条)
    ctx.refs["competent_courts"] = courts
    ctx.refs["jurisdiction"] = why
    ctx.refs["ownership_confirmation"] = jurisdiction.ownership_confirmation(ctx.case.agreement)
    ctx.refs["agreement_decides_status"] = bool((ctx.case.agreement or {}).get("status_matter"))


def _request_confirmation(ctx: Context) -> None:
    court: Organization = ctx.refs["court"]
    ctx.case.court_code = court.code
    ctx.deadlines.settle([K.CONFIRMATION_WINDOW], DeadlineStatus.MET)
    ctx.deadlines.open(K.COURT_DECISION)
    warnings = jurisdiction.warnings(ctx.case.agreement) + jurisdiction.labour_warnings(ctx.session, ctx.case)
    # The hand-off row is written once the application's PDF is registered (_hand_off below).
    ctx.refs["package"] = handoffs.build_package(
        ctx.session, ctx.case, court, now=ctx.now, warnings=warnings, jurisdiction=ctx.refs.get("jurisdiction") or {}
    )
    ctx.record["court_code"] = court.code
    ctx.record["jurisdiction"] = {k: v for k, v in ctx.refs["jurisdiction"].items() if k != "regions"}
    if warnings:
        ctx.record["warnings"] = warnings


def _hand_off(ctx: Context, doc_ids: list[uuid.UUID]) -> None:
    """The court's hand-off names the application registered in this transition (rendered after commit)."""
    handoffs.write_handoff(
        ctx.conn,
        case=ctx.case,
        court=ctx.refs["court"],
        package=ctx.refs.pop("package"),
        doc_ids=doc_ids,
        now=ctx.now,
        seq=ctx.case.event_seq + 1,
    )


def _court_decided(ctx: Context) -> None:
    ctx.deadlines.settle([K.COURT_DECISION], DeadlineStatus.MET)
    unflag(ctx.case, COURT_OVERDUE)
    confirmed = ctx.trigger is Trigger.COURT_CONFIRM
    handoffs.decided(
        ctx.conn,
        case=ctx.case,
        outcome="confirmed" if confirmed else "rejected",
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


def _court_overdue(ctx: Context) -> None:
    ctx.deadlines.settle([K.COURT_DECISION], DeadlineStatus.FIRED)
    flag(ctx.case, COURT_OVERDUE)


T = Trigger
STAGES = (
    Stage(
        T.REQUEST_CONFIRMATION,
        RequestConfirmation,
        resolve=_resolve_request,
        effect=_request_confirmation,
        documents=("confirmation_application",),
        after_documents=_hand_off,
    ),
    Stage(T.COURT_CONFIRM, CourtConfirm, effect=_court_decided),
    Stage(T.COURT_REJECT, CourtReject, effect=_court_decided),
    Stage(T.COURT_OVERDUE, Empty, effect=_court_overdue),
)
