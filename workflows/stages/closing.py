"""Closing a case (结案), the fulfilment of its agreement, and the follow-up visit (回访) after it;
and what entering a final or failed state does whatever the trigger."""

from typing import Annotated

import sqlalchemy as sa
from pydantic import Field, StrictBool

from models.tables import Deadline
from states.enums import State, Trigger
from workflows.clocks import limitation
from workflows.clocks.deadlines import DeadlineKind as K, DeadlineStatus
from workflows.stages import portal
from workflows.stages.base import Context, Note, Reason, Stage, unflag
from workflows.stages.mediation import MEDIATION_OVERDUE

DEADLINES = Deadline.__table__  # type: ignore[attr-defined]


class RecordFollowup(Note):
    satisfaction: Annotated[int, Field(strict=True, ge=1, le=5)]
    performed: StrictBool


def _record_fulfilment(ctx: Context) -> None:
    ctx.deadlines.settle([K.ENFORCEMENT], DeadlineStatus.MET)


def _record_followup(ctx: Context) -> None:
    ctx.deadlines.settle([K.FOLLOWUP], DeadlineStatus.MET)
    # A follow-up made after its clock ran out settles the overdue one too (its expiry stays in the audit log).
    ctx.conn.execute(
        DEADLINES.update()
        .where(
            DEADLINES.c.case_id == ctx.case.id,
            DEADLINES.c.kind == str(K.FOLLOWUP),
            DEADLINES.c.status == str(DeadlineStatus.FIRED),
        )
        .values(status=str(DeadlineStatus.MET), updated_at=ctx.now)
    )


def on_enter(ctx: Context, dest: State) -> None:
    """Effects of entering a state, whatever the trigger: closing ends every clock (and, unless the case
    was closed already, starts the 回访 clock); leaving mediation for good ends its clocks; leaving
    mediation at all ends its overdue flag (the supervision it asked for is over); leaving the agreement
    drops the parties' online signatures of it (workflows/stages/portal.py)."""
    portal.forget_signatures(ctx, dest)
    if dest is not State.MEDIATION and MEDIATION_OVERDUE in (ctx.case.flags or []):
        unflag(ctx.case, MEDIATION_OVERDUE)
    if dest is State.CLOSED:
        ctx.deadlines.settle(list(K), DeadlineStatus.CANCELLED)
        if ctx.case.state != State.CLOSED:
            ctx.deadlines.open_if_profiled(K.FOLLOWUP)
    if dest in (State.ARBITRATION, State.LITIGATION, State.FAILED):
        ctx.deadlines.settle([K.MEDIATION, K.DIVERSION_ACCEPTANCE], DeadlineStatus.CANCELLED)
    # 时效 (workflows/clocks/limitation.py): mediation ended without agreement, a new period runs from today;
    # mediation resumed, arbitration or a suit interrupts it again (民法典 第195条).
    today = ctx.deadlines.local_date(ctx.now)
    if dest is State.FAILED:
        # "从…有关程序终结时起": a mediation deemed failed when its period ran out ended at that period's end
        # (the expired clock's due_at), however late the sweep got to it — as a sweep on time would count it.
        ended = ctx.deadlines.local_date(ctx.expired_at) if ctx.expired_at is not None else today
        limitation.restart(ctx.deadlines, ended, was_interrupted=_limitation_interrupted(ctx))
    elif ctx.case.state == State.FAILED and dest in (State.MEDIATION, State.ARBITRATION, State.LITIGATION):
        limitation.interrupt(ctx.deadlines, today)


def _limitation_interrupted(ctx: Context) -> bool:
    found = ctx.conn.execute(
        sa.select(DEADLINES.c.id)
        .where(
            DEADLINES.c.case_id == ctx.case.id,
            DEADLINES.c.kind == str(K.LIMITATION),
            DEADLINES.c.status == str(DeadlineStatus.INTERRUPTED),
        )
        .limit(1)
    ).first()
    return found is not None


T = Trigger
STAGES = (
    Stage(T.CLOSE, Reason),
    Stage(T.RECORD_FULFILMENT, Note, effect=_record_fulfilment),
    Stage(T.RECORD_FOLLOWUP, RecordFollowup, resolve=portal.resolve_followup, effect=_record_followup),
)
