"""The engine: `fire` is the one write path for case state (ARCHITECTURE "One request, end to end").

fire() validates the payload, opens one write transaction, locks the case row, checks visibility,
role and version, runs the `transitions` machine on a snapshot (guards decide legality), applies
the effects of entering the new state (deadlines, hand-offs), appends the hash-chained audit event,
bumps the version and commits — all of it or none of it.
"""

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from models.db import is_sqlite, write_transaction
from models.payloads import PAYLOADS, Payload
from models.settings import get_settings
from models.tables import Case, CourtHandoff, Mediator, Organization, Party
from states.enums import State, Trigger
from states.guards import CaseSnapshot
from states.machine import run
from states.table import TRIGGER_ROLES, row_for, triggers_from
from workflows import audit
from workflows.access import Actor, can_see, parse_case_id
from workflows.deadlines import DeadlineKind, Deadlines, DeadlineStatus, load_open
from workflows.errors import (
    Forbidden,
    GuardRefused,
    IllegalTransition,
    NotVisible,
    PayloadInvalid,
    StaleVersion,
    UnknownTrigger,
    ValidationFailed,
)
from workflows.records import Record
from workflows.routing import ARBITRATION_KINDS, MEDIATION_KINDS, choose_organization
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
                ctx.refs["org"] = org
                ctx.record["routing"] = {"rule": "named", "reason": "受理窗口指定", "org_code": org.code}
            else:
                decision = choose_organization(s, case)
                if decision.org_code is None:
                    raise PayloadInvalid("org_code", f"org_code：{decision.reason}，请指定接收组织")
                ctx.refs["org"] = _org(s, decision.org_code, "org_code", MEDIATION_KINDS, "调解组织")
                ctx.record["routing"] = {"rule": decision.rule, "reason": decision.reason,
                                         "org_code": decision.org_code, "candidates": list(decision.candidates)}
        case Trigger.ACCEPT:
            code = p.mediator_code or ctx.actor.mediator_code
            if not code:
                raise PayloadInvalid("mediator_code", "mediator_code：请指定承办调解员")
            med = s.exec(select(Mediator).where(Mediator.code == code)).first()
            if med is None:
                raise PayloadInvalid("mediator_code", f"mediator_code：调解员 {code} 不存在")
            if med.org_code != case.org_code:
                raise PayloadInvalid("mediator_code", f"mediator_code：调解员 {code} 不属于承办组织 {case.org_code}")
            ctx.refs["mediator"] = med
        case Trigger.ESCALATE:
            current = s.exec(select(Organization).where(Organization.code == case.org_code)).first() if case.org_code else None
            if p.org_code:
                target = _org(s, p.org_code, "org_code", MEDIATION_KINDS, "调解组织")
                if target.code == case.org_code:
                    raise PayloadInvalid("org_code", "org_code：不能移交给当前承办组织本身")
                ctx.refs["org"] = target
            elif current is not None and current.parent_code:
                ctx.refs["org"] = s.exec(select(Organization).where(Organization.code == current.parent_code)).first()
            ctx.refs["has_next_level"] = ctx.refs.get("org") is not None
        case Trigger.DIVERSION_TIMEOUT:
            current = s.exec(select(Organization).where(Organization.code == case.org_code)).first() if case.org_code else None
            if current is not None and current.parent_code:
                ctx.refs["org"] = s.exec(select(Organization).where(Organization.code == current.parent_code)).first()
        case Trigger.REQUEST_CONFIRMATION:
            ctx.refs["court"] = _org(s, p.court_code, "court_code", frozenset({"court"}), "人民法院")
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


def _assign(ctx: Context, org: Organization) -> None:
    ctx.record["from_org_code"] = ctx.case.org_code
    ctx.case.org_code = org.code
    ctx.case.mediator_code = None
    ctx.record["org_code"] = org.code


def _divert(ctx: Context) -> None:
    _assign(ctx, ctx.refs["org"])
    ctx.deadlines.open(K.DIVERSION_ACCEPTANCE)


def _accept(ctx: Context) -> None:
    ctx.case.mediator_code = ctx.refs["mediator"].code
    ctx.record["mediator_code"] = ctx.case.mediator_code
    ctx.deadlines.settle([K.DIVERSION_ACCEPTANCE], DeadlineStatus.MET)
    ctx.deadlines.open(K.MEDIATION)
    _unflag(ctx.case, "diversion_stalled")


def _decline(ctx: Context) -> None:
    ctx.deadlines.settle([K.DIVERSION_ACCEPTANCE], DeadlineStatus.CANCELLED)
    ctx.record["from_org_code"] = ctx.case.org_code
    ctx.case.org_code = None
    ctx.case.mediator_code = None


def _escalate(ctx: Context) -> None:
    ctx.deadlines.settle([K.DIVERSION_ACCEPTANCE, K.MEDIATION], DeadlineStatus.CANCELLED)
    _assign(ctx, ctx.refs["org"])
    ctx.deadlines.open(K.DIVERSION_ACCEPTANCE)


def _diversion_timeout(ctx: Context) -> None:
    ctx.deadlines.settle([K.DIVERSION_ACCEPTANCE], DeadlineStatus.FIRED)
    org = ctx.refs.get("org")
    if org is not None:
        _assign(ctx, org)
        ctx.deadlines.open(K.DIVERSION_ACCEPTANCE)
    else:
        _flag(ctx.case, "diversion_stalled")
        ctx.record["flag"] = "diversion_stalled"


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
    parties = ctx.session.exec(select(Party).where(Party.case_id == ctx.case.id).order_by(Party.position)).all()
    org = ctx.session.exec(select(Organization).where(Organization.code == ctx.case.org_code)).first()
    ctx.session.add(CourtHandoff(
        case_id=ctx.case.id, court_code=court.code, created_at=ctx.now,
        package={
            "case_no": ctx.case.case_no,
            "dispute_type": ctx.case.dispute_type,
            "applicants": [
                {"position": x.position, "role": x.role, "kind": x.kind, "name": x.name, "id_number": x.id_number,
                 "uscc": x.uscc, "phone": x.phone, "address": x.address}
                for x in parties
            ],
            "agreement": ctx.case.agreement,
            "mediation_organization": {"code": org.code, "name": org.name} if org else None,
            "mediator_code": ctx.case.mediator_code,
            "summary": ctx.case.summary,
        },
    ))
    ctx.record["court_code"] = court.code


def _court_decided(ctx: Context) -> None:
    ctx.deadlines.settle([K.COURT_DECISION], DeadlineStatus.MET)
    _unflag(ctx.case, "court_overdue")
    ctx.session.connection().execute(
        HANDOFFS.update()
        .where(HANDOFFS.c.case_id == ctx.case.id, HANDOFFS.c.status != "decided")
        .values(status="decided", decided_at=ctx.now)
    )


def _court_overdue(ctx: Context) -> None:
    ctx.deadlines.settle([K.COURT_DECISION], DeadlineStatus.FIRED)
    _flag(ctx.case, "court_overdue")


def _resume_mediation(ctx: Context) -> None:
    ctx.deadlines.open(K.MEDIATION)


def _refer_arbitration(ctx: Context) -> None:
    ctx.case.arbitration_body_code = ctx.refs["body"].code
    ctx.case.arbitrated = True


def _refer_litigation(ctx: Context) -> None:
    ctx.case.court_code = ctx.refs["court"].code
    ctx.deadlines.settle([K.CONFIRMATION_WINDOW], DeadlineStatus.CANCELLED)


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
}


def _on_enter(ctx: Context, dest: State) -> None:
    """Effects of entering a state, whatever the trigger."""
    if dest is State.CLOSED:
        ctx.deadlines.settle(list(DeadlineKind), DeadlineStatus.CANCELLED)
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

        deadlines = Deadlines(case, load_open(conn, cid), now=now)
        ctx = Context(session, case, trig, data, actor, now, deadlines, {}, {})
        _resolve(ctx)
        adapter = run(snapshot(case, deadlines, ctx.refs), trig, data.model_dump(), now)
        if any(not v.ok for v in adapter.verdicts):
            raise GuardRefused(adapter.verdicts, allowed_triggers(state, actor))
        assert adapter.state is row.dest, (adapter.state, row.dest)

        effect = EFFECTS.get(trig)
        if effect is not None:
            effect(ctx)
        _on_enter(ctx, row.dest)

        seq = case.event_seq + 1
        head = audit.append(
            conn, case_id=cid, seq=seq, prev_hash=case.event_head or audit.GENESIS, actor=actor.name, trigger=trig,
            from_state=state, to_state=row.dest, at=now,
            payload={**data.model_dump(mode="json", exclude_none=True), **ctx.record},
        )
        old_version = case.version
        case.state = str(row.dest)
        case.version = old_version + 1
        case.updated_at = now
        case.event_seq = seq
        case.event_head = head
        updated = conn.execute(_UPDATE_CASE, {"b_id": cid, "b_version": old_version, **case.changes()})
        if updated.rowcount != 1:  # the row lock makes this impossible; refuse rather than fork history
            raise StaleVersion(old_version, -1)
        deadlines.write(conn)
    _forget_cached(session, cid)
    return case


def _forget_cached(session: Session, case_id: uuid.UUID) -> None:
    """Rows were written with Core: drop the ORM's cached copies so later reads see them."""
    session.expire_all()

