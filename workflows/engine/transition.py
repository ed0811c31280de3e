"""`fire`: the one write path for case state (the contract's §4; ARCHITECTURE "One request, end to end").

In one write transaction `fire` locks the case row, checks visibility, role and version, validates
the payload against the trigger's stage entry, lets the stage resolve what the payload names, runs
the `transitions` machine on a snapshot (the table's guards decide legality), applies the stage's
effects and those of entering the new state, registers the documents it produces, appends the
hash-chained audit event and bumps the version — all of it or none of it.
"""

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Connection
from sqlmodel import Session

from models.rows import CaseRow, DeadlineRow
from states.enums import State, Trigger
from states.guards import CaseSnapshot
from states.machine import run
from states.table import TRIGGER_ROLES, Transition, row_for, triggers_from
from workflows.access import Actor, can_see, parse_case_id
from workflows.clocks.calendar import calendar_for
from workflows.clocks.deadlines import DeadlineKind, Deadlines, load_open
from workflows.engine.write import append_event, core_write_transaction, lock_case_and_clocks
from workflows.errors import (
    Forbidden,
    GuardRefused,
    IllegalTransition,
    NotVisible,
    StaleVersion,
    UnknownTrigger,
    ValidationFailed,
)
from workflows.notify import inbox
from workflows.outbox.documents import register_documents
from workflows.stages import STAGES, Context, Payload, Stage, on_enter
from workflows.validation import scrub_errors


def parse_trigger(trigger: str | Trigger) -> Trigger:
    try:
        return Trigger(trigger)
    except ValueError:
        raise UnknownTrigger(f"未知的操作：{str(trigger)[:40]}") from None


def validate_payload(trigger: Trigger, payload: Mapping[str, Any] | None) -> Payload:
    try:
        return STAGES[trigger].payload.model_validate(dict(payload or {}))
    except ValidationError as e:
        raise ValidationFailed(scrub_errors(e.errors(), prefix=("body",))) from None


def snapshot(case: Any, deadlines: Deadlines, refs: Mapping[str, Any] | None = None) -> CaseSnapshot:
    """What the guards see of a case: its row, its clocks and what the stage resolved."""
    refs = dict(refs or {})
    return CaseSnapshot(
        state=State(case.state),
        dispute_type=case.dispute_type,
        channel=case.channel,
        status_matter=case.status_matter,
        arbitration_agreement=case.arbitration_agreement,
        agreement_form=(case.agreement or {}).get("form"),
        # in JIEFEN_TIMEZONE: a guard that shows it shows 北京时间, never the UTC the database returns
        confirmation_due_at=_local(deadlines.due_at(DeadlineKind.CONFIRMATION_WINDOW), deadlines.settings.tz),
        has_next_level=bool(refs.get("has_next_level")),
        arbitrated=case.arbitrated,
        clock=deadlines.clock(DeadlineKind.MEDIATION),
        land_requisition=bool(case.land_requisition),
        refs=refs,
    )


def _local(at: datetime | None, tz: tzinfo) -> datetime | None:
    return None if at is None else at.astimezone(tz)


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
) -> CaseRow:
    """Fire `trigger` on a case as `actor`. The only code that changes `case.state`.

    Returns the case as committed: a read-only view with the columns of `Case` as attributes."""
    trig = parse_trigger(trigger)
    cid = parse_case_id(case_id)
    now = now or datetime.now(UTC)
    with core_write_transaction(session) as conn:
        locked, open_rows = lock_case_and_clocks(conn, cid)
        case = fire_locked(None, conn, locked, trig, actor, payload, expected_version, now, open_rows=open_rows)
    session.expire_all()  # rows were written with Core: the ORM's cached copies are stale
    return case


def fire_locked(
    session: Session | None,
    conn: Connection,
    case: CaseRow | None,
    trig: Trigger,
    actor: Actor,
    payload: Mapping[str, Any] | None,
    expected_version: int | None,
    now: datetime,
    *,
    open_rows: list[DeadlineRow] | None = None,
    record: Mapping[str, Any] | None = None,
    expired_at: datetime | None = None,
) -> CaseRow:
    """fire's body, inside an open write transaction holding the case lock (`case` as `lock_case` read it).

    Every refusal (NotVisible … GuardRefused, PayloadInvalid) is raised before the first write, so a
    caller firing many cases in one transaction can catch it and go on with the others. `session`: the
    caller's session on `conn`, or None (a stage that needs the ORM gets a session of its own on `conn`,
    flushed here). `open_rows`: the case's open deadlines when the caller has read them under the lock
    already; `record`: facts the caller adds to the audit event's payload; `expired_at`: for an expiry
    trigger (the sweep), the due_at of the clock that ran out — what the law dates the expiry's
    consequences from (`Context.expired_at`), while everything written carries `now`."""
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
    stage = STAGES[trig]
    data = validate_payload(trig, payload)

    deadlines = Deadlines(
        case, load_open(conn, case.id) if open_rows is None else open_rows, now=now, calendar=calendar_for(conn)
    )
    ctx = Context(
        conn, case, trig, data, actor, now, deadlines, record=dict(record or {}), orm=session, expired_at=expired_at
    )
    own_orm = session is None
    try:
        _apply(ctx, stage, row)
        if own_orm and ctx.orm is not None:
            ctx.orm.flush()  # what a stage added through the ORM, in this transaction
    finally:
        if own_orm and ctx.orm is not None:
            ctx.orm.close()  # the transaction goes on: it is the caller's
    return case


def _apply(ctx: Context, stage: Stage, row: Transition) -> None:
    """Resolve, run the machine, apply the effects, write: fire_locked's work once the checks passed."""
    case, state, trig, now = ctx.case, State(ctx.case.state), ctx.trigger, ctx.now
    if stage.resolve is not None:
        stage.resolve(ctx)
    adapter = run(snapshot(case, ctx.deadlines, ctx.refs), trig, ctx.payload.model_dump(), now)
    if any(not v.ok for v in adapter.verdicts):
        raise GuardRefused(adapter.verdicts, allowed_triggers(state, ctx.actor))
    dest = State(adapter.state)  # the row's destination, or one of its alternatives
    if dest not in row.dests:
        raise AssertionError(f"the machine chose {dest}, not one of {row.dests}")

    if stage.effect is not None:
        stage.effect(ctx)
    on_enter(ctx, dest)
    doc_ids = register_documents(ctx.conn, case, stage.documents, now, seq=case.event_seq + 1)
    if stage.after_documents is not None:
        stage.after_documents(ctx, doc_ids)

    case.state = str(dest)
    append_event(
        ctx.conn,
        case,
        actor=ctx.actor.name,
        event=trig,
        at=now,
        payload={**ctx.payload.model_dump(mode="json", exclude_none=True), **ctx.record},
    )
    ctx.deadlines.write(ctx.conn)
    inbox.after_transition(ctx.conn, case, trig, ctx.actor, now, ctx.payload)  # staff messages (消息)


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
) -> CaseRow | None:
    """Change a case's clocks outside a transition, on the same locked write path as `fire`: lock the
    case, let `change` edit its open deadlines (working copies on the database's legal calendar), and
    when it returns a payload write them with an audited `event` in one commit. Returns the case, or
    None when `change` found nothing to do (nothing is written then)."""
    if event not in CLOCK_EVENTS:
        raise ValueError(f"unknown clock event {event!r}")
    cid = parse_case_id(case_id)
    now = now or datetime.now(UTC)
    with core_write_transaction(session) as conn:
        case, open_rows = lock_case_and_clocks(conn, cid)
        if case is None:
            raise NotVisible("案件不存在")
        deadlines = Deadlines(case, open_rows, now=now, calendar=calendar_for(conn))
        payload = change(deadlines)
        if payload is None:
            return None
        append_event(conn, case, actor=actor.name, event=event, payload=payload, at=now)
        deadlines.write(conn)
    session.expire_all()
    return case
