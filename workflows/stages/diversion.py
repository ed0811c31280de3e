"""Diversion (分流转办): sending a case to the organization that mediates it, accepting it there,
declining or escalating it up the chain, and the cases the window turns away or transfers out."""

from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from models.fields import Code, ShortText
from models.prepared import Prepared
from models.rows import Record
from models.settings import get_settings
from models.tables import Mediator, Notification, Organization, User
from states.enums import MEDIATION_KINDS, Trigger
from states.labels import STATIONING_LABELS
from workflows.clocks.deadlines import DeadlineKind as K, DeadlineStatus, find_profile
from workflows.errors import PayloadInvalid
from workflows.routing.decide import choose_mediator, decide, facts_of, next_duty_day, next_level, parent_chain
from workflows.routing.directory import load_directory, mediators_of, open_counts
from workflows.routing.rules import active_rules
from workflows.stages.base import Context, Empty, Payload, Reason, Stage, find_org, flag, unflag

# Mediation clocks that run from the day the organization receives the application, not from a
# mediator's acceptance: labour (劳动争议调解仲裁法 第14条 "自劳动争议调解组织收到调解申请之日起十五日").
# Every body a labour case is diverted to mediates it as a 劳动争议调解组织 (第10条: enterprise committees,
# 基层人民调解组织, township and street labour mediation bodies), so the clock opens on any diversion.
ON_RECEIPT_PROFILES = frozenset({"mediation.labour"})

ESCALATION_EXHAUSTED = "escalation_exhausted"  # back at intake from the top: for the supervisor (督办)
DIVERSION_STALLED = "diversion_stalled"


class Divert(Payload):
    org_code: Code | None = None  # omitted: the routing rules choose


class Accept(Payload):
    mediator_code: Code | None = None  # omitted: the least loaded mediator with the specialty


class Escalate(Reason):
    org_code: Code | None = None  # omitted: the next level up


class TransferOut(Reason):
    agency: ShortText


# --- resolution: which organization or mediator (422 when a code names nothing usable) -------------


def _resolve_divert(ctx: Context) -> None:
    if ctx.payload.org_code:
        org = find_org(ctx, ctx.payload.org_code, "org_code", MEDIATION_KINDS, "调解组织")
        _never_back(ctx, org)
        ctx.refs["org"] = org
        ctx.record["routing"] = {"rule": "named", "reason": "受理窗口指定", "org_code": org.code}
        return
    decision = decide(ctx.session, ctx.case, active_rules())
    if decision.org_code is None:
        raise PayloadInvalid("org_code", f"org_code：{decision.reason}，请指定接收组织")
    ctx.refs["org"] = find_org(ctx, decision.org_code, "org_code", MEDIATION_KINDS, "调解组织")
    ctx.record["routing"] = decision.explanation


MEDIATORS = Mediator.__table__  # type: ignore[attr-defined]
_MEDIATOR_NAMES = ("code", "name", "org_code", "active")
_MEDIATOR = Prepared(
    sa.select(*(MEDIATORS.c[n] for n in _MEDIATOR_NAMES)).where(MEDIATORS.c.code == sa.bindparam("b_code"))
)


def _resolve_accept(ctx: Context) -> None:
    code = ctx.payload.mediator_code
    if not code:
        ctx.refs["mediator"] = _choose_mediator(ctx)
        return
    found = _MEDIATOR.rows(ctx.conn, {"b_code": code})
    med: Any = Record(dict(zip(_MEDIATOR_NAMES, found[0], strict=True))) if found else None
    if med is None:
        raise PayloadInvalid("mediator_code", f"mediator_code：调解员 {code} 不存在")
    if med.org_code != ctx.case.org_code:
        raise PayloadInvalid("mediator_code", f"mediator_code：调解员 {code} 不属于承办组织 {ctx.case.org_code}")
    if not med.active:
        raise PayloadInvalid("mediator_code", f"mediator_code：调解员 {med.name}（{code}）已退出，不再承办新案件")
    ctx.refs["mediator"] = med


def _resolve_up(ctx: Context) -> None:
    """decline, escalate, diversion_timeout: the organization named (escalate only) or the next level up."""
    code = getattr(ctx.payload, "org_code", None)
    if code:
        target = find_org(ctx, code, "org_code", MEDIATION_KINDS, "调解组织")
        if target.code == ctx.case.org_code:
            raise PayloadInvalid("org_code", "org_code：不能移交给当前承办组织本身")
        _never_back(ctx, target)
        ctx.refs["org"] = target
    else:
        _next_level(ctx)
    ctx.refs["has_next_level"] = ctx.refs.get("org") is not None


def _never_back(ctx: Context, org: Organization) -> None:
    """A case never bounces between the same two bodies: one that passed it on does not get it back."""
    if org.code in (ctx.case.passed_org_codes or []):
        raise PayloadInvalid("org_code", f"org_code：{org.name} 已退回或上报过本案，不能再交回该组织（不来回推诿）")


def _next_level(ctx: Context) -> None:
    """The next level up through `parent` that can take the case, or none (at the top)."""
    s, case = ctx.session, ctx.case
    directory = load_directory(s)
    facts = facts_of(s, case)
    if case.org_code:
        facts = type(facts)(
            **{**{f: getattr(facts, f) for f in facts.__slots__}, "passed": facts.passed | {case.org_code}}
        )
    load = open_counts(s, parent_chain(case.org_code, directory), active_rules().settings.open_states)
    target, passed_over = next_level(case.org_code, facts, directory, load)
    if target is not None:
        ctx.refs["org"] = target
    ctx.record["escalation"] = {
        "from_org_code": case.org_code,
        "to_org_code": target.code if target else None,
        "passed_over": passed_over,
        "reason": (
            f"逐级上报至上一级：{target.name}" if target else "已无可接收的上一级调解组织：退回受理窗口，提请督办"
        ),
    }


def _choose_mediator(ctx: Context) -> Any:
    s, case = ctx.session, ctx.case
    rules = active_rules()
    mediators = mediators_of(s, case.org_code or "")
    load = open_counts(s, [m.code for m in mediators], rules.settings.open_states, column="mediator_code")
    capacity, prefer = rules.settings.part_time_capacity, ctx.actor.mediator_code
    best, why = choose_mediator(mediators, case.dispute_type, load, part_time_capacity=capacity, prefer=prefer)
    if best is None:  # nobody with the specialty: the least loaded mediator free to take it
        best, why = choose_mediator(
            mediators, "*", load, any_specialty=True, part_time_capacity=capacity, prefer=prefer
        )
        if best is None:
            raise PayloadInvalid(
                "mediator_code", "mediator_code：本组织没有可承办本案的调解员（专长或容量不符），请指定承办调解员"
            )
    ctx.record["mediator_choice"] = why
    return best


# --- effects ----------------------------------------------------------------------------------------


def _assign(ctx: Context, org: Any) -> None:
    ctx.record["from_org_code"] = ctx.case.org_code
    ctx.case.org_code = org.code
    ctx.case.mediator_code = None
    ctx.record["org_code"] = org.code
    _station(ctx, org)
    _receipt_clock(ctx, org)


def _runs_from_receipt(ctx: Context) -> bool:
    profile = find_profile(K.MEDIATION, ctx.case)
    return profile is not None and profile.name in ON_RECEIPT_PROFILES


def _receipt_clock(ctx: Context, org: Any) -> None:
    """A mediation clock that runs from receipt (ON_RECEIPT_PROFILES) opens when an organization gets the
    case: from the day it was diverted there, or from the day of intake when the case was lodged at that
    organization's own window. A case passed on to another organization is received there anew (the
    clock never ends early); the previous organization's clock is cancelled."""
    if not _runs_from_receipt(ctx):
        return
    ctx.deadlines.settle([K.MEDIATION], DeadlineStatus.CANCELLED)
    window = ctx.session.exec(select(User.org_code).where(User.username == ctx.case.created_by)).first()
    received = ctx.case.created_at if window == org.code else ctx.now
    row = ctx.deadlines.open(K.MEDIATION, start=ctx.deadlines.local_date(received))
    ctx.record["mediation_clock"] = {"received_on": row.start_date.isoformat(), "due_at": row.due_at.isoformat()}


def _station(ctx: Context, org: Any) -> None:
    """Stationing (常驻/轮驻/随叫随驻): resident takes it at once; rotating off duty today gets the
    next duty day on the case; on call gets a call-out notice in the outbox, in this transaction."""
    mode = org.stationing or "resident"
    info: dict[str, Any] = {"mode": mode, "label": STATIONING_LABELS.get(mode, mode)}
    ctx.case.next_duty_day = None
    if mode == "rotating":
        today = ctx.now.astimezone(get_settings().tz).date()
        day = next_duty_day(today, list(org.duty_days or ()))
        if day is not None and day != today:
            ctx.case.next_duty_day = day
            info["next_duty_day"] = day.isoformat()
            info["note"] = f"轮驻组织今日不在岗，已交办，下一轮驻日为{day.isoformat()}"
        else:
            info["note"] = "轮驻组织今日在岗，即时交办"
    elif mode == "on_call":
        seq = ctx.case.event_seq + 1
        ctx.session.add(
            Notification(
                kind="call_out",
                case_id=ctx.case.id,
                org_code=org.code,
                recipient=org.code,
                dedupe_key=f"call_out:{ctx.case.id}:{seq}",
                created_at=ctx.now,
                next_attempt_at=ctx.now,
                payload={
                    "case_no": ctx.case.case_no,
                    "dispute_type": ctx.case.dispute_type,
                    "org_name": org.name,
                    "trigger": str(ctx.trigger),
                    "event_seq": seq,
                    "message": f"随叫随驻通知：案件{ctx.case.case_no}已分流至{org.name}，请及时到中心受理调解",
                },
            )
        )
        info["call_out"] = True
        info["note"] = "随叫随驻：已向该组织发出到岗调解通知"
    else:
        info["note"] = "常驻组织，即时交办"
    ctx.record["stationing"] = info


def _up_or_back(ctx: Context) -> None:
    """Escalation: to the organization resolved up the chain, or back to intake flagged for the supervisor."""
    current = ctx.case.org_code
    if current and current not in (ctx.case.passed_org_codes or []):
        ctx.case.passed_org_codes = [*(ctx.case.passed_org_codes or []), current]
    org = ctx.refs.get("org")
    if org is not None:
        _assign(ctx, org)
        ctx.deadlines.open(K.DIVERSION_ACCEPTANCE)
        return
    ctx.record["from_org_code"] = ctx.case.org_code
    ctx.case.org_code = None
    ctx.case.mediator_code = None
    ctx.case.next_duty_day = None
    ctx.deadlines.settle([K.MEDIATION], DeadlineStatus.CANCELLED)  # no organization holds the application now
    flag(ctx.case, ESCALATION_EXHAUSTED)
    ctx.record["flag"] = ESCALATION_EXHAUSTED


def _divert(ctx: Context) -> None:
    _assign(ctx, ctx.refs["org"])
    ctx.deadlines.open(K.DIVERSION_ACCEPTANCE)


def _accept(ctx: Context) -> None:
    ctx.case.mediator_code = ctx.refs["mediator"].code
    ctx.record["mediator_code"] = ctx.case.mediator_code
    ctx.deadlines.settle([K.DIVERSION_ACCEPTANCE], DeadlineStatus.MET)
    if not _runs_from_receipt(ctx):  # that one opened (and may have run out) when the organization got the case
        ctx.deadlines.open(K.MEDIATION)
    ctx.case.next_duty_day = None
    unflag(ctx.case, DIVERSION_STALLED)
    unflag(ctx.case, ESCALATION_EXHAUSTED)


def _settle_then_up(kinds: tuple[K, ...], status: DeadlineStatus) -> Any:
    def effect(ctx: Context) -> None:
        ctx.deadlines.settle(kinds, status)
        _up_or_back(ctx)

    return effect


T = Trigger
STAGES = (
    Stage(T.DIVERT, Divert, resolve=_resolve_divert, effect=_divert, documents=("acceptance_notice",)),
    Stage(T.ACCEPT, Accept, resolve=_resolve_accept, effect=_accept),
    Stage(
        T.DECLINE,
        Reason,
        resolve=_resolve_up,
        effect=_settle_then_up((K.DIVERSION_ACCEPTANCE,), DeadlineStatus.CANCELLED),
    ),
    Stage(
        T.ESCALATE,
        Escalate,
        resolve=_resolve_up,
        effect=_settle_then_up((K.DIVERSION_ACCEPTANCE, K.MEDIATION), DeadlineStatus.CANCELLED),
    ),
    Stage(
        T.DIVERSION_TIMEOUT,
        Empty,
        resolve=_resolve_up,
        effect=_settle_then_up((K.DIVERSION_ACCEPTANCE,), DeadlineStatus.FIRED),
    ),
    Stage(T.REJECT, Reason),
    Stage(T.TRANSFER_OUT, TransferOut),
)
