"""When mediation does not settle it: litigation (for labour, only on the grounds states/labour.py
lists), the outcome of arbitration or litigation, or mediation again. Arbitration is in
workflows/stages/arbitration.py."""

from models.fields import Code, ShortText, Text
from states.enums import Trigger
from workflows.clocks.deadlines import DeadlineKind as K, DeadlineStatus
from workflows.stages.arbitration import ROUTE_CLOCKS, labour_facts, needs_labour_facts
from workflows.stages.base import Context, OptionalReason, Payload, Stage, find_org
from workflows.stages.confirmation import COURT_KINDS


class ReferLitigation(Payload):
    court_code: Code


class RecordOutcome(Payload):
    outcome: Text
    reference: ShortText


def _resolve_court(ctx: Context) -> None:
    court = find_org(ctx, ctx.payload.court_code, "court_code", COURT_KINDS, "人民法院")
    ctx.refs["court"] = court
    if needs_labour_facts(ctx.case):
        ctx.refs["labour"] = {**labour_facts(ctx), "court_level": court.court_level}


def _refer_litigation(ctx: Context) -> None:
    ctx.case.court_code = ctx.refs["court"].code
    ctx.deadlines.settle([K.CONFIRMATION_WINDOW], DeadlineStatus.CANCELLED)
    ctx.deadlines.settle(ROUTE_CLOCKS, DeadlineStatus.MET)  # the party went to court on them


def _record_outcome(ctx: Context) -> None:
    ctx.deadlines.settle(ROUTE_CLOCKS, DeadlineStatus.MET)


def _resume_mediation(ctx: Context) -> None:
    ctx.deadlines.open(K.MEDIATION)


T = Trigger
STAGES = (
    Stage(T.REFER_LITIGATION, ReferLitigation, resolve=_resolve_court, effect=_refer_litigation),
    Stage(T.RECORD_OUTCOME, RecordOutcome, effect=_record_outcome),
    Stage(T.RESUME_MEDIATION, OptionalReason, effect=_resume_mediation),
)
