"""Judicial confirmation (司法确认): the parties' joint application to a court — and again to the right
court after a refusal for want of jurisdiction — the hand-off package the court receives, and the
application's withdrawal before the ruling. The court's own steps are in workflows/stages/court.py."""

import uuid
from datetime import datetime
from typing import Any

from models.fields import Code, ShortText
from models.tables import Organization
from states.enums import Trigger
from workflows.clocks.deadlines import DeadlineKind as K, DeadlineStatus, profile_for
from workflows.outbox import handoffs
from workflows.routing import jurisdiction
from workflows.stages import joint, portal
from workflows.stages.base import Context, Payload, Reason, Stage, aware, find_org, unflag
from workflows.stages.joint import JointApplication

COURT_KINDS = frozenset({"court"})
COURT_OVERDUE = "court_overdue"


class RequestConfirmation(Payload):
    court_code: Code
    # Omitted: the parties' online signatures (workflows/stages/portal.py) make the application.
    joint_application: JointApplication | None = None


class WithdrawConfirmation(Reason):
    ruling_no: ShortText | None = None  # the court's ruling permitting the withdrawal (裁定准许撤回), if any


def applications(case: Any) -> list[dict[str, Any]]:
    """The joint applications made in this case, oldest first (cases.confirmation)."""
    return list((case.confirmation or {}).get("applications") or [])


def update_current(ctx: Context, **changes: Any) -> dict[str, Any]:
    """Record `changes` on the application the court has now (the last one); returns it."""
    apps = applications(ctx.case)
    current = {**(apps[-1] if apps else {}), **changes}
    ctx.case.confirmation = {**(ctx.case.confirmation or {}), "applications": [*apps[:-1], current]}
    return current


def _resolve_request(ctx: Context) -> None:
    """The court named, the courts competent for this agreement (民事诉讼法 第205条), the pre-screen of what
    a court may not confirm (民诉法解释 第355条、第358条; 劳动争议解释(一) 第52条) and who applies
    (民诉法解释 第351条); the guards decide."""
    ctx.refs["court"] = find_org(ctx, ctx.payload.court_code, "court_code", COURT_KINDS, "人民法院")
    case_org = ctx.org(ctx.case.org_code)
    courts, why = jurisdiction.competent_courts(
        ctx.conn, ctx.case, parties=ctx.parties(), org=case_org, orgs=ctx.orgs()
    )
    why["grounds"] = jurisdiction.grounds(ctx.refs["court"], why)  # what the application states (第205条)
    ctx.refs["competent_courts"] = courts
    ctx.refs["jurisdiction"] = why
    agreement = ctx.case.agreement or {}
    ctx.refs["ownership_confirmation"] = jurisdiction.ownership_confirmation(agreement)
    ctx.refs["agreement_decides_status"] = bool(agreement.get("status_matter"))
    ctx.refs["agreement"] = agreement
    org_code = agreement.get("org_code") or ctx.case.org_code
    org = ctx.org(org_code)
    ctx.refs["agreement_org_kind"] = org.kind if org else None
    application, online = portal.application_for(ctx, ctx.payload.joint_application)
    ctx.refs["application"], ctx.refs["online"] = application, online
    joint.resolve(ctx, application)
    ctx.refs["joint"]["online_only"] = ctx.payload.joint_application is None
    if ctx.trigger is Trigger.REAPPLY_CONFIRMATION:
        last = (applications(ctx.case) or [{}])[-1]
        ctx.refs["rejection"] = last.get("rejection") or {"kind": None, "court_code": last.get("court_code")}


def _request_confirmation(ctx: Context) -> None:
    court: Organization = ctx.refs["court"]
    ctx.case.court_code = court.code
    ctx.deadlines.settle([K.CONFIRMATION_WINDOW], DeadlineStatus.MET)
    ctx.deadlines.open(K.COURT_DECISION)
    application = joint.record(ctx, ctx.refs["application"], court.code)
    if ctx.refs["online"]:
        application["online"] = ctx.refs["online"]
    ctx.case.confirmation = {**(ctx.case.confirmation or {}), "applications": [*applications(ctx.case), application]}
    case_org = ctx.org(ctx.case.org_code)
    warnings = jurisdiction.warnings(ctx.case.agreement) + jurisdiction.labour_warnings(
        ctx.conn, ctx.case, org=case_org
    )
    # The hand-off row is written once the application's PDF is registered (_hand_off below).
    ctx.refs["package"] = handoffs.build_package(
        ctx.conn,
        ctx.case,
        court,
        now=ctx.now,
        warnings=warnings,
        jurisdiction=ctx.refs.get("jurisdiction") or {},
        application=application,
        parties=ctx.parties(),
        org=case_org,
    )
    ctx.record["court_code"] = court.code
    ctx.record["jurisdiction"] = {k: v for k, v in ctx.refs["jurisdiction"].items() if k != "regions"}
    ctx.record["joint_application"] = joint.masked(application)
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


def _withdraw(ctx: Context) -> None:
    """Back to the agreement (民诉法解释 第357条): the court's clock stops, the hand-off is closed as
    withdrawn, and the 30-day window to apply again runs on from the agreement if it has not ended."""
    ctx.deadlines.settle([K.COURT_DECISION], DeadlineStatus.CANCELLED)
    unflag(ctx.case, COURT_OVERDUE)
    on = ctx.deadlines.local_date(ctx.now).isoformat()
    withdrawal = {"on": on, "by": str(ctx.actor.role), "reason": ctx.payload.reason, "ruling_no": ctx.payload.ruling_no}
    update_current(ctx, withdrawal={k: v for k, v in withdrawal.items() if v is not None})
    handoffs.decided(
        ctx.conn,
        case=ctx.case,
        outcome="withdrawn",
        ruling_no=ctx.payload.ruling_no,
        now=ctx.now,
        seq=ctx.case.event_seq + 1,
        event="handoff.withdrawn",
    )
    signed_at = (ctx.case.agreement or {}).get("signed_at")
    if not signed_at:
        return
    start = ctx.deadlines.local_date(aware(datetime.fromisoformat(signed_at)))
    profile = profile_for(K.CONFIRMATION_WINDOW, ctx.case, ctx.deadlines.settings)
    period = ctx.deadlines.calendar.add(start, profile.days, working_days=profile.working_days)
    if period.due_at(ctx.deadlines.settings.tz) > ctx.now:
        row = ctx.deadlines.open(K.CONFIRMATION_WINDOW, start=start)
        ctx.record["confirmation_window_due_at"] = row.due_at.isoformat()


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
    Stage(
        T.REAPPLY_CONFIRMATION,
        RequestConfirmation,
        resolve=_resolve_request,
        effect=_request_confirmation,
        documents=("confirmation_application",),
        after_documents=_hand_off,
    ),
    Stage(T.WITHDRAW_CONFIRMATION, WithdrawConfirmation, effect=_withdraw),
)
