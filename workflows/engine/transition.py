"""The engine: `fire` is the one write path for case state (ARCHITECTURE "One request, end to end").

fire() validates the payload, opens one write transaction, locks the case row, checks visibility,
role and version, runs the `transitions` machine on a snapshot (guards decide legality), applies
the effects of entering the new state (deadlines, hand-offs), appends the hash-chained audit event,
bumps the version and commits — all of it or none of it.
"""

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from models.db import is_sqlite, write_transaction
from models.payloads import PAYLOADS, Payload
from models.settings import get_settings
from models.tables import Case, CourtHandoff, Deadline, Mediator, Notification, Organization, Party
from states.enums import State, Trigger
from states.guards import CaseSnapshot
from states.labels import STATIONING_LABELS
from states.machine import run
from states.table import TRIGGER_ROLES, row_for, triggers_from
from workflows.engine import audit
from workflows.outbox import handoffs
from workflows.routing import jurisdiction
from workflows.access import SYSTEM_TIMEOUT, Actor, can_see, parse_case_id
from workflows.clocks.calendar import calendar_for
from workflows.clocks.deadlines import DeadlineKind, Deadlines, DeadlineStatus, load_open
from workflows.outbox.documents import register_documents
from workflows.errors import (
    Forbidden,
    JiefenError,
    GuardRefused,
    IllegalTransition,
    NotVisible,
    PayloadInvalid,
    StaleVersion,
    UnknownTrigger,
    ValidationFailed,
)
from workflows.engine.records import Record
from workflows.routing.decide import (
    ARBITRATION_KINDS,
    MEDIATION_KINDS,
    choose_mediator,
    decide,
    facts_of,
    load_directory,
    mediators_of,
    next_duty_day,
    next_level,
    open_counts,
    parent_chain,
)
from workflows.routing.rules import active_rules
from workflows.validation import scrub_errors

K = DeadlineKind


def parse_trigger(trigger: str | Trigger) -> Trigger:
    try:
        return Trigger(trigger)
    except ValueError:
        raise UnknownTrigger(f"未知的操作：{str(trigger)[:40]}") from None


def validate_payload(trigger: Trigger, payload: Mapping[str, Any] | None) -> Payload:
    model = PAYLOADS[trigger]
    try:
        return model.model_validate(dict(payload or {}))
    except ValidationError as e:
        raise ValidationFailed(scrub_errors(e.errors(), prefix=("body",))) from None


@dataclass
class Context:
    """Everything an effect may use. Effects mutate `case` and may add rows; they never commit."""

    session: Session
    case: Record
    trigger: Trigger
    payload: Any
    actor: Actor
    now: datetime
    deadlines: Deadlines
    refs: dict[str, Any]
    record: dict[str, Any]  # extra facts for the audit event's payload


# --- reference resolution (422 when a code names nothing usable) ------------------------------------


def _org(session: Session, code: str, field: str, kinds: frozenset[str], what: str) -> Organization:
    org = session.exec(select(Organization).where(Organization.code == code)).first()
    if org is None:
        raise PayloadInvalid(field, f"{field}：组织代码 {code} 不存在")
    if org.kind not in kinds:
        raise PayloadInvalid(field, f"{field}：{org.name}（{org.kind}）不是{what}")
    return org


def _resolve(ctx: Context) -> None:
    s, p, case = ctx.session, ctx.payload, ctx.case
    match ctx.trigger:
        case Trigger.DIVERT:
            if p.org_code:
                org = _org(s, p.org_code, "org_code", MEDIATION_KINDS, "调解组织")
                _never_back(case, org)
                ctx.refs["org"] = org
                ctx.record["routing"] = {"rule": "named", "reason": "受理窗口指定", "org_code": org.code}
            else:
                decision = decide(s, case, active_rules())
                if decision.org_code is None:
                    raise PayloadInvalid("org_code", f"org_code：{decision.reason}，请指定接收组织")
                ctx.refs["org"] = _org(s, decision.org_code, "org_code", MEDIATION_KINDS, "调解组织")
                ctx.record["routing"] = decision.explanation
        case Trigger.ACCEPT:
            if p.mediator_code:
                code = p.mediator_code
                med = s.exec(select(Mediator).where(Mediator.code == code)).first()
                if med is None:
                    raise PayloadInvalid("mediator_code", f"mediator_code：调解员 {code} 不存在")
                if med.org_code != case.org_code:
                    raise PayloadInvalid("mediator_code", f"mediator_code：调解员 {code} 不属于承办组织 {case.org_code}")
                ctx.refs["mediator"] = med
            else:
                ctx.refs["mediator"] = _choose_mediator(ctx)
        case Trigger.ESCALATE | Trigger.DECLINE | Trigger.DIVERSION_TIMEOUT:
            if ctx.trigger is Trigger.ESCALATE and p.org_code:
                target = _org(s, p.org_code, "org_code", MEDIATION_KINDS, "调解组织")
                if target.code == case.org_code:
                    raise PayloadInvalid("org_code", "org_code：不能移交给当前承办组织本身")
                _never_back(case, target)
                ctx.refs["org"] = target
            else:
                _next_level(ctx)
            ctx.refs["has_next_level"] = ctx.refs.get("org") is not None
        case Trigger.REQUEST_CONFIRMATION:
            ctx.refs["court"] = _org(s, p.court_code, "court_code", frozenset({"court"}), "人民法院")
            # Issue 6: jurisdiction (民事诉讼法 第205条) and the pre-screen (民诉法解释 第355条、第358条).
            courts, why = jurisdiction.competent_courts(s, case)
            ctx.refs["competent_courts"] = courts
            ctx.refs["jurisdiction"] = why
            ctx.refs["ownership_confirmation"] = jurisdiction.ownership_confirmation(case.agreement)
        case Trigger.REFER_LITIGATION:
            ctx.refs["court"] = _org(s, p.court_code, "court_code", frozenset({"court"}), "人民法院")
        case Trigger.REFER_ARBITRATION:
            body = _org(s, p.body_code, "body_code", ARBITRATION_KINDS, "仲裁机构")
            ctx.refs["body"] = body
            ctx.refs["body_kind"] = body.kind
        case Trigger.REACH_AGREEMENT:
            count = len(s.exec(select(Party.id).where(Party.case_id == case.id)).all())
            for i, ob in enumerate(p.obligations):
                for side in ("obligor", "obligee"):
                    if getattr(ob, side) >= count:
                        raise PayloadInvalid(["obligations", i, side],
                                             f"obligations[{i}].{side}：当事人序号应在 0 至 {count - 1} 之间")
            signed = _aware(p.signed_at)
            if signed > ctx.now:
                raise PayloadInvalid("signed_at", "signed_at：协议签署时间不能晚于当前时间")
            ctx.refs["signed_at"] = signed


def _never_back(case: Any, org: Any) -> None:
    """A case never bounces between the same two bodies: one that passed it on does not get it back."""
    if org.code in (case.passed_org_codes or []):
        raise PayloadInvalid("org_code", f"org_code：{org.name} 已退回或上报过本案，不能再交回该组织（不来回推诿）")


def _next_level(ctx: Context) -> None:
    """The next level up through `parent` that can take the case, or none (at the top)."""
    s, case = ctx.session, ctx.case
    rules = active_rules()
    directory = load_directory(s)
    facts = facts_of(s, case)
    facts = type(facts)(**{**{f: getattr(facts, f) for f in facts.__slots__},
                           "passed": facts.passed | {case.org_code} if case.org_code else facts.passed})
    load = open_counts(s, parent_chain(case.org_code, directory), rules.settings.open_states)
    target, passed_over = next_level(case.org_code, facts, directory, load)
    if target is not None:
        ctx.refs["org"] = target
    ctx.record["escalation"] = {
        "from_org_code": case.org_code, "to_org_code": target.code if target else None,
        "passed_over": passed_over,
        "reason": (f"逐级上报至上一级：{target.name}" if target else
                   "已无可接收的上一级调解组织：退回受理窗口，提请督办"),
    }


def _choose_mediator(ctx: Context) -> Any:
    s, case = ctx.session, ctx.case
    rules = active_rules()
    mediators = mediators_of(s, case.org_code or "")
    load = open_counts(s, [m.code for m in mediators], rules.settings.open_states, column="mediator_code")
    kw = {"part_time_capacity": rules.settings.part_time_capacity, "prefer": ctx.actor.mediator_code}
    best, why = choose_mediator(mediators, case.dispute_type, load, **kw)
    if best is None:  # nobody with the specialty: the least loaded mediator free to take it
        best, why = choose_mediator(mediators, "*", load, any_specialty=True, **kw)
        if best is None:
            raise PayloadInvalid("mediator_code", "mediator_code：本组织没有可承办本案的调解员（专长或容量不符），请指定承办调解员")
    ctx.record["mediator_choice"] = why
    return best


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=get_settings().tz)
    return value


# --- effects of each trigger ---------------------------------------------------------------------


def _flag(case: Case, flag: str) -> None:
    if flag not in (case.flags or []):
        case.flags = [*(case.flags or []), flag]


def _unflag(case: Case, flag: str) -> None:
    case.flags = [f for f in (case.flags or []) if f != flag]


ESCALATION_EXHAUSTED = "escalation_exhausted"  # back at intake from the top: for the supervisor (督办)


def _assign(ctx: Context, org: Any) -> None:
    ctx.record["from_org_code"] = ctx.case.org_code
    ctx.case.org_code = org.code
    ctx.case.mediator_code = None
    ctx.record["org_code"] = org.code
    _station(ctx, org)


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
        ctx.session.add(Notification(
            kind="call_out", case_id=ctx.case.id, org_code=org.code, recipient=org.code,
            dedupe_key=f"call_out:{ctx.case.id}:{seq}", created_at=ctx.now, next_attempt_at=ctx.now,
            payload={"case_no": ctx.case.case_no, "dispute_type": ctx.case.dispute_type, "org_name": org.name,
                     "trigger": str(ctx.trigger), "event_seq": seq,
                     "message": f"随叫随驻通知：案件{ctx.case.case_no}已分流至{org.name}，请及时到中心受理调解"}))
        info["call_out"] = True
        info["note"] = "随叫随驻：已向该组织发出到岗调解通知"
    else:
        info["note"] = "常驻组织，即时交办"
    ctx.record["stationing"] = info


def _pass_on(ctx: Context) -> None:
    current = ctx.case.org_code
    if current and current not in (ctx.case.passed_org_codes or []):
        ctx.case.passed_org_codes = [*(ctx.case.passed_org_codes or []), current]


def _up_or_back(ctx: Context) -> None:
    """Escalation: to the organization resolved up the chain, or back to intake flagged for the supervisor."""
    _pass_on(ctx)
    org = ctx.refs.get("org")
    if org is not None:
        _assign(ctx, org)
        ctx.deadlines.open(K.DIVERSION_ACCEPTANCE)
        return
    ctx.record["from_org_code"] = ctx.case.org_code
    ctx.case.org_code = None
    ctx.case.mediator_code = None
    ctx.case.next_duty_day = None
    _flag(ctx.case, ESCALATION_EXHAUSTED)
    ctx.record["flag"] = ESCALATION_EXHAUSTED


def _divert(ctx: Context) -> None:
    _assign(ctx, ctx.refs["org"])
    ctx.deadlines.open(K.DIVERSION_ACCEPTANCE)


def _accept(ctx: Context) -> None:
    ctx.case.mediator_code = ctx.refs["mediator"].code
    ctx.record["mediator_code"] = ctx.case.mediator_code
    ctx.deadlines.settle([K.DIVERSION_ACCEPTANCE], DeadlineStatus.MET)
    ctx.deadlines.open(K.MEDIATION)
    ctx.case.next_duty_day = None
    _unflag(ctx.case, "diversion_stalled")
    _unflag(ctx.case, ESCALATION_EXHAUSTED)


def _decline(ctx: Context) -> None:
    ctx.deadlines.settle([K.DIVERSION_ACCEPTANCE], DeadlineStatus.CANCELLED)
    _up_or_back(ctx)


def _escalate(ctx: Context) -> None:
    ctx.deadlines.settle([K.DIVERSION_ACCEPTANCE, K.MEDIATION], DeadlineStatus.CANCELLED)
    _up_or_back(ctx)


def _diversion_timeout(ctx: Context) -> None:
    ctx.deadlines.settle([K.DIVERSION_ACCEPTANCE], DeadlineStatus.FIRED)
    _up_or_back(ctx)


def _extend(ctx: Context) -> None:
    rows = ctx.deadlines.extend(K.MEDIATION, ctx.payload.days)
    ctx.record["due_at"] = [r.due_at.isoformat() for r in rows]


def _pause(ctx: Context) -> None:
    ctx.deadlines.pause(K.MEDIATION)


def _resume(ctx: Context) -> None:
    rows = ctx.deadlines.resume(K.MEDIATION)
    ctx.record["due_at"] = [r.due_at.isoformat() for r in rows]


def _reach_agreement(ctx: Context) -> None:
    p = ctx.payload
    signed: datetime = ctx.refs["signed_at"]
    ctx.case.agreement = {
        "facts": p.facts,
        "liability": p.liability,
        "obligations": [o.model_dump(mode="json", exclude_none=True) for o in p.obligations],
        "signed_at": signed.isoformat(),
        "form": p.form,
        **({"ownership_confirmation": True} if p.ownership_confirmation else {}),
        "mediator_code": ctx.case.mediator_code,
        "org_code": ctx.case.org_code,
    }
    ctx.deadlines.settle([K.MEDIATION], DeadlineStatus.MET)
    ctx.deadlines.open(K.CONFIRMATION_WINDOW, start=ctx.deadlines.local_date(signed))


def _end_mediation(status: DeadlineStatus) -> Callable[[Context], None]:
    def effect(ctx: Context) -> None:
        ctx.deadlines.settle([K.MEDIATION], status)

    return effect


def _request_confirmation(ctx: Context) -> None:
    court: Organization = ctx.refs["court"]
    ctx.case.court_code = court.code
    ctx.deadlines.settle([K.CONFIRMATION_WINDOW], DeadlineStatus.MET)
    ctx.deadlines.open(K.COURT_DECISION)
    warnings = jurisdiction.warnings(ctx.case.agreement)
    # The hand-off row is written once the application's PDF is registered (after_documents below).
    ctx.refs["package"] = handoffs.build_package(ctx.session, ctx.case, court, now=ctx.now, warnings=warnings,
                                                 jurisdiction=ctx.refs.get("jurisdiction") or {})
    ctx.record["court_code"] = court.code
    if warnings:
        ctx.record["warnings"] = warnings


def _after_documents(ctx: Context, conn: Connection, doc_ids: list[uuid.UUID], seq: int) -> None:
    """Effects that name the documents registered in this transition (their PDFs render after commit)."""
    package = ctx.refs.pop("package", None)
    if package is not None:
        handoffs.write_handoff(conn, case=ctx.case, court=ctx.refs["court"], package=package, doc_ids=doc_ids,
                               now=ctx.now, seq=seq)


def _court_decided(ctx: Context) -> None:
    ctx.deadlines.settle([K.COURT_DECISION], DeadlineStatus.MET)
    _unflag(ctx.case, "court_overdue")
    confirmed = ctx.trigger is Trigger.COURT_CONFIRM
    handoffs.decided(ctx.session.connection(), case=ctx.case, outcome="confirmed" if confirmed else "rejected",
                     ruling_no=ctx.payload.ruling_no, now=ctx.now, seq=ctx.case.event_seq + 1)
    if confirmed:  # 申请强制执行: two years from the last performance day (民事诉讼法 第250条)
        row = ctx.deadlines.open(K.ENFORCEMENT, start=_last_performance_day(ctx))
        ctx.record["enforcement_due_at"] = row.due_at.isoformat()


def _last_performance_day(ctx: Context) -> Any:
    """The last due date among the obligations; none stated: the day the ruling takes effect (today)."""
    dates = [o["due_date"] for o in (ctx.case.agreement or {}).get("obligations") or [] if o.get("due_date")]
    if dates:
        return date.fromisoformat(max(dates))
    return ctx.deadlines.local_date(ctx.now)


def _record_fulfilment(ctx: Context) -> None:
    ctx.deadlines.settle([K.ENFORCEMENT], DeadlineStatus.MET)


def _court_overdue(ctx: Context) -> None:
    ctx.deadlines.settle([K.COURT_DECISION], DeadlineStatus.FIRED)
    _flag(ctx.case, "court_overdue")


def _resume_mediation(ctx: Context) -> None:
    ctx.deadlines.open(K.MEDIATION)


ARBITRATION_PROFILES = {"labour_arbitration": "arbitration.labour", "land_arbitration": "arbitration.land"}
"""The award clock each kind of arbitration body runs (commercial arbitration: the rules the parties chose)."""


def _refer_arbitration(ctx: Context) -> None:
    ctx.case.arbitration_body_code = ctx.refs["body"].code
    ctx.case.arbitrated = True
    profile = ARBITRATION_PROFILES.get(ctx.refs["body"].kind)
    if profile is not None:
        ctx.deadlines.open(K.ARBITRATION_AWARD, profile=profile)


def _refer_litigation(ctx: Context) -> None:
    ctx.case.court_code = ctx.refs["court"].code
    ctx.deadlines.settle([K.CONFIRMATION_WINDOW], DeadlineStatus.CANCELLED)
    ctx.deadlines.settle([K.ARBITRATION_AWARD], DeadlineStatus.MET)  # the award came: the party sues on it


def _record_outcome(ctx: Context) -> None:
    ctx.deadlines.settle([K.ARBITRATION_AWARD], DeadlineStatus.MET)


FOLLOWUPS = Deadline.__table__  # type: ignore[attr-defined]


def _record_followup(ctx: Context) -> None:
    ctx.deadlines.settle([K.FOLLOWUP], DeadlineStatus.MET)
    # A follow-up made after its clock ran out settles the overdue one too (its expiry stays in the audit log).
    ctx.session.connection().execute(
        FOLLOWUPS.update()
        .where(FOLLOWUPS.c.case_id == ctx.case.id, FOLLOWUPS.c.kind == str(K.FOLLOWUP),
               FOLLOWUPS.c.status == str(DeadlineStatus.FIRED))
        .values(status=str(DeadlineStatus.MET), updated_at=ctx.now)
    )


EFFECTS: dict[Trigger, Callable[[Context], None]] = {
    Trigger.DIVERT: _divert,
    Trigger.ACCEPT: _accept,
    Trigger.DECLINE: _decline,
    Trigger.ESCALATE: _escalate,
    Trigger.DIVERSION_TIMEOUT: _diversion_timeout,
    Trigger.EXTEND: _extend,
    Trigger.PAUSE_CLOCK: _pause,
    Trigger.RESUME_CLOCK: _resume,
    Trigger.REACH_AGREEMENT: _reach_agreement,
    Trigger.FAIL: _end_mediation(DeadlineStatus.CANCELLED),
    Trigger.MEDIATION_TIMEOUT: _end_mediation(DeadlineStatus.FIRED),
    Trigger.REQUEST_CONFIRMATION: _request_confirmation,
    Trigger.COURT_CONFIRM: _court_decided,
    Trigger.COURT_REJECT: _court_decided,
    Trigger.COURT_OVERDUE: _court_overdue,
    Trigger.RESUME_MEDIATION: _resume_mediation,
    Trigger.REFER_ARBITRATION: _refer_arbitration,
    Trigger.REFER_LITIGATION: _refer_litigation,
    Trigger.RECORD_OUTCOME: _record_outcome,
    Trigger.RECORD_FOLLOWUP: _record_followup,
    Trigger.RECORD_FULFILMENT: _record_fulfilment,
}


def _on_enter(ctx: Context, dest: State) -> None:
    """Effects of entering a state, whatever the trigger."""
    if dest is State.CLOSED:
        ctx.deadlines.settle(list(DeadlineKind), DeadlineStatus.CANCELLED)
        if ctx.case.state != State.CLOSED:  # closing (not a follow-up on a closed case): the 回访 clock
            ctx.deadlines.open_if_profiled(K.FOLLOWUP)
    if dest in (State.ARBITRATION, State.LITIGATION, State.FAILED):
        ctx.deadlines.settle([K.MEDIATION, K.DIVERSION_ACCEPTANCE], DeadlineStatus.CANCELLED)


# --- the write path ------------------------------------------------------------------------------


CASES = Case.__table__  # type: ignore[attr-defined]
HANDOFFS = CourtHandoff.__table__  # type: ignore[attr-defined]


# Statements built once: constructing a statement costs more than running it on SQLite.
_SELECT_CASE = sa.select(CASES).where(CASES.c.id == sa.bindparam("b_id"))
_SELECT_CASE_FOR_UPDATE = _SELECT_CASE.with_for_update()
# UPDATE … SET <the keys of the parameters given> WHERE id = … AND version = …
_UPDATE_CASE = CASES.update().where(CASES.c.id == sa.bindparam("b_id"), CASES.c.version == sa.bindparam("b_version"))


def _lock(conn: Connection, case_id: uuid.UUID, *, sqlite: bool) -> Record | None:
    # SQLite is already serialized by BEGIN IMMEDIATE; PostgreSQL locks the row.
    row = conn.execute(_SELECT_CASE if sqlite else _SELECT_CASE_FOR_UPDATE, {"b_id": case_id}).mappings().first()
    return None if row is None else Record(row)


def snapshot(case: Any, deadlines: Deadlines, refs: Mapping[str, Any] | None = None) -> CaseSnapshot:
    refs = dict(refs or {})
    return CaseSnapshot(
        state=State(case.state),
        dispute_type=case.dispute_type,
        channel=case.channel,
        status_matter=case.status_matter,
        arbitration_agreement=case.arbitration_agreement,
        agreement_form=(case.agreement or {}).get("form"),
        confirmation_due_at=deadlines.due_at(K.CONFIRMATION_WINDOW),
        has_next_level=bool(refs.get("has_next_level")),
        arbitrated=case.arbitrated,
        clock=deadlines.clock(K.MEDIATION),
        refs=refs,
    )


def allowed_triggers(state: State, actor: Actor) -> list[str]:
    return [str(t) for t in triggers_from(state, actor.role)]


def fire(
    session: Session,
    *,
    case_id: uuid.UUID | str,
    trigger: str | Trigger,
    actor: Actor,
    payload: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Record:
    """Fire `trigger` on a case as `actor`. The only code that changes `case.state`.

    Returns the case as committed: a read-only view with the columns of `Case` as attributes."""
    trig = parse_trigger(trigger)
    cid = parse_case_id(case_id)
    now = now or datetime.now(UTC)

    with write_transaction(session) as conn:
        case = _lock(conn, cid, sqlite=is_sqlite(session))
        _fire_locked(session, conn, case, cid, trig, actor, payload, expected_version, now)
    _forget_cached(session, cid)
    return case


def _fire_locked(session: Session, conn: Connection, case: Record | None, cid: uuid.UUID, trig: Trigger,
                 actor: Actor, payload: Mapping[str, Any] | None, expected_version: int | None, now: datetime,
                 *, open_rows: list[Record] | None = None, record: Mapping[str, Any] | None = None) -> Record:
    """fire's body, inside an open write transaction that holds the case lock (`case` as read under it).

    Every refusal (NotVisible … GuardRefused, PayloadInvalid) is raised before the first write, so a
    caller firing many cases in one transaction can catch it and go on with the others."""
    if case is None or not can_see(actor, case):
        raise NotVisible("案件不存在")
    if actor.role not in TRIGGER_ROLES[trig]:
        raise Forbidden(f"当前角色（{actor.role}）无权执行“{trig}”操作")
    if expected_version is not None and expected_version != case.version:
        raise StaleVersion(expected_version, case.version)
    state = State(case.state)
    row = row_for(state, trig)
    if row is None:
        raise IllegalTransition(f"案件当前状态为“{state}”，不能执行“{trig}”", allowed_triggers(state, actor))
    if actor.role not in row.roles:
        raise Forbidden(f"当前角色（{actor.role}）无权在“{state}”状态执行“{trig}”")
    data = validate_payload(trig, payload)

    deadlines = Deadlines(case, load_open(conn, cid) if open_rows is None else open_rows, now=now,
                          calendar=calendar_for(conn))
    ctx = Context(session, case, trig, data, actor, now, deadlines, {}, dict(record or {}))
    _resolve(ctx)
    adapter = run(snapshot(case, deadlines, ctx.refs), trig, data.model_dump(), now)
    if any(not v.ok for v in adapter.verdicts):
        raise GuardRefused(adapter.verdicts, allowed_triggers(state, actor))
    dest = State(adapter.state)  # the row's destination, or one of its alternatives (table.dests)
    assert dest in row.dests, (adapter.state, row.dests)

    effect = EFFECTS.get(trig)
    if effect is not None:
        effect(ctx)
    _on_enter(ctx, dest)
    doc_ids = register_documents(conn, case, trig, now, seq=case.event_seq + 1)  # pending rows; rendered after commit
    _after_documents(ctx, conn, doc_ids, case.event_seq + 1)

    seq = case.event_seq + 1
    head = audit.append(
        conn, case_id=cid, seq=seq, prev_hash=case.event_head or audit.GENESIS, actor=actor.name, trigger=trig,
        from_state=state, to_state=dest, at=now,
        payload={**data.model_dump(mode="json", exclude_none=True), **ctx.record},
    )
    old_version = case.version
    case.state = str(dest)
    case.version = old_version + 1
    case.updated_at = now
    case.event_seq = seq
    case.event_head = head
    updated = conn.execute(_UPDATE_CASE, {"b_id": cid, "b_version": old_version, **case.changes()})
    if updated.rowcount != 1:  # the row lock makes this impossible; refuse rather than fork history
        raise StaleVersion(old_version, -1)
    deadlines.write(conn)
    return case


def _record_locked(conn: Connection, case: Record, deadlines: Deadlines, *, actor: Actor, event: str,
                   payload: Mapping[str, Any], now: datetime) -> Record:
    """Append a non-transition event (a clock change) to a locked case's audit chain, write the
    deadlines it changed and bump the version: the state stays where it is."""
    seq = case.event_seq + 1
    head = audit.append(
        conn, case_id=case.id, seq=seq, prev_hash=case.event_head or audit.GENESIS, actor=actor.name, trigger=event,
        from_state=case.state, to_state=case.state, at=now, payload=dict(payload),
    )
    old_version = case.version
    case.version = old_version + 1
    case.updated_at = now
    case.event_seq = seq
    case.event_head = head
    updated = conn.execute(_UPDATE_CASE, {"b_id": case.id, "b_version": old_version, **case.changes()})
    if updated.rowcount != 1:
        raise StaleVersion(old_version, -1)
    deadlines.write(conn)
    return case


CLOCK_EVENTS = frozenset({"calendar_recount", "deadline_expired"})
"""Events that change a case's clocks without a transition (audited like transitions)."""


def record_clock_change(
    session: Session,
    *,
    case_id: uuid.UUID | str,
    actor: Actor,
    event: str,
    change: Callable[[Deadlines], Mapping[str, Any] | None],
    now: datetime | None = None,
) -> Record | None:
    """Change a case's clocks outside a transition, through the same locked write path as `fire`:
    lock the case, let `change` edit its open deadlines (working copies on the database's legal
    calendar), and — when it returns a payload — write them with an audited `event` in one commit.
    Returns the case, or None when `change` found nothing to do (nothing is written then)."""
    if event not in CLOCK_EVENTS:
        raise ValueError(f"unknown clock event {event!r}")
    cid = parse_case_id(case_id)
    now = now or datetime.now(UTC)
    with write_transaction(session) as conn:
        case = _lock(conn, cid, sqlite=is_sqlite(session))
        if case is None:
            raise NotVisible("案件不存在")
        deadlines = Deadlines(case, load_open(conn, cid), now=now, calendar=calendar_for(conn))
        payload = change(deadlines)
        if payload is None:
            return None
        _record_locked(conn, case, deadlines, actor=actor, event=event, payload=payload, now=now)
    _forget_cached(session, cid)
    return case


# --- many system triggers in one transaction (the deadline sweep) ------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    """A deadline to act on: fire its expiry trigger on its case (or, with none, mark it expired)."""

    case_id: uuid.UUID
    deadline_id: uuid.UUID
    as_of: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    case_id: uuid.UUID
    deadline_id: uuid.UUID
    result: str  # "fired" (a transition) | "expired" (no expiry trigger, or it was refused) | "skipped"
    trigger: str | None = None
    detail: str | None = None
    org_code: str | None = None
    case_no: str | None = None
    kind: str | None = None
    due_at: datetime | None = None


def fire_due_locked(session: Session, conn: Connection, item: Due, *, actor: Actor = SYSTEM_TIMEOUT,
                    now: datetime | None = None, locked: Record | None = None,
                    open_rows: list[Record] | None = None) -> Outcome:
    """Act on one due deadline inside an open write transaction: lock its case (unless the caller
    already did and passes the row), re-read its open deadlines, and if the deadline is still pending
    and due, fire its expiry trigger exactly as `fire` does (role, guards, effects, audit) — the
    deadline's status changes in the same transaction. A deadline settled meanwhile is skipped, so a
    second sweep fires nothing twice. A refused trigger or a clock without one marks the deadline
    fired with an audited `deadline_expired` event.

    A caller that already holds the case's lock in this transaction may pass the case row (`locked`)
    and its open deadlines (`open_rows`), read under that lock, to save the two reads."""
    now = now or item.as_of
    case = locked if locked is not None else _lock(conn, item.case_id, sqlite=is_sqlite(session))
    if case is None:
        return Outcome(item.case_id, item.deadline_id, "skipped", detail="no such case")
    rows = open_rows if open_rows is not None and locked is not None else load_open(conn, item.case_id)
    target = next((r for r in rows if r.id == item.deadline_id), None)
    if target is None or target.status != DeadlineStatus.PENDING or target.due_at > item.as_of:
        return Outcome(item.case_id, item.deadline_id, "skipped", detail="already settled or not due")
    info = dict(org_code=case.org_code, case_no=case.case_no, kind=target.kind, due_at=target.due_at)
    facts = {"deadline_id": str(target.id), "kind": target.kind, "due_at": target.due_at.isoformat()}
    refused = None
    if target.on_expiry:
        trig = Trigger(target.on_expiry)
        try:
            _fire_locked(session, conn, case, item.case_id, trig, actor, {}, None, now, open_rows=rows, record=facts)
            return Outcome(item.case_id, item.deadline_id, "fired", trigger=str(trig), **info)
        except JiefenError as e:  # raised before any write (see _fire_locked): the batch goes on
            refused = e.detail
    deadlines = Deadlines(case, rows, now=now, calendar=calendar_for(conn))
    deadlines.expire(target.id)
    payload = {**facts, **({"refused": refused} if refused else {})}
    _record_locked(conn, case, deadlines, actor=actor, event="deadline_expired", payload=payload, now=now)
    return Outcome(item.case_id, item.deadline_id, "expired", detail=refused, **info)


def fire_batch(session: Session, items: list[Due], *, actor: Actor = SYSTEM_TIMEOUT,
               now: datetime | None = None) -> list[Outcome]:
    """Act on many due deadlines in ONE write transaction (one COMMIT for the lot): each case is
    still locked, checked, fired and audited as `fire` does it; one refusal does not lose the others."""
    out: list[Outcome] = []
    with write_transaction(session) as conn:
        for item in items:
            out.append(fire_due_locked(session, conn, item, actor=actor, now=now))
    _forget_cached(session, items[0].case_id if items else uuid.UUID(int=0))
    return out


def _forget_cached(session: Session, case_id: uuid.UUID) -> None:
    """Rows were written with Core: drop the ORM's cached copies so later reads see them."""
    session.expire_all()

