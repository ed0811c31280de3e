"""When mediation does not settle it: arbitration or litigation, their outcome, or mediation again."""

from models.fields import Code, ShortText, Text
from states.enums import ARBITRATION_KINDS, Trigger
from workflows.clocks.deadlines import DeadlineKind as K, DeadlineStatus
from workflows.stages.base import Context, OptionalReason, Payload, Stage, find_org
from workflows.stages.confirmation import COURT_KINDS

ARBITRATION_PROFILES = {"labour_arbitration": "arbitration.labour", "land_arbitration": "arbitration.land"}
"""The award clock each kind of arbitration body runs (commercial arbitration: the rules the parties chose)."""


class ReferArbitration(Payload):
    body_code: Code


class ReferLitigation(Payload):
    court_code: Code


class RecordOutcome(Payload):
    outcome: Text
    reference: ShortText


def _resolve_body(ctx: Context) -> None:
    body = find_org(ctx.session, ctx.payload.body_code, "body_code", ARBITRATION_KINDS, "仲裁机构")
    ctx.refs["body"] = body
    ctx.refs["body_kind"] = body.kind


def _resolve_court(ctx: Context) -> None:
    ctx.refs["court"] = find_org(ctx.session, ctx.payload.court_code, "court_code", COURT_KINDS, "人民法院")


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


def _resume_mediation(ctx: Context) -> None:
    ctx.deadlines.open(K.MEDIATION)


T = Trigger
STAGES = (
    Stage(T.REFER_ARBITRATION, ReferArbitration, resolve=_resolve_body, effect=_refer_arbitration),
    Stage(T.REFER_LITIGATION, ReferLitigation, resolve=_resolve_court, effect=_refer_litigation),
    Stage(T.RECORD_OUTCOME, RecordOutcome, effect=_record_outcome),
    Stage(T.RESUME_MEDIATION, OptionalReason, effect=_resume_mediation),
)
