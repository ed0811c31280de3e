"""Mediation (调处化解): its clock (extended with both parties' consent, paused and resumed), the
agreement that ends it, and its end without one (failure, deemed failure, withdrawal); a clock that
ends no mediation by law (people's mediation) flags the case for supervision instead."""

from datetime import datetime
from typing import Annotated

from pydantic import Field, StrictBool, field_validator, model_validator

from models.fields import DueDate, Money, PartyPosition, RecordDateTime, ShortText, Text
from states.enums import Trigger
from workflows.clocks.deadlines import DeadlineKind as K, DeadlineStatus, profile_named
from workflows.errors import PayloadInvalid
from workflows.stages.base import Context, Empty, Payload, Reason, Stage, Step, aware, flag

MEDIATION_OVERDUE = "mediation_overdue"
"""A supervision flag: the people's-mediation month ran out; mediation goes on (人民调解法 sets no limit).
Cleared when the case leaves mediation (closing.on_enter)."""


class Extend(Reason):
    days: Annotated[int, Field(strict=True, ge=1, le=365)]
    consent: StrictBool

    @field_validator("consent")
    @classmethod
    def _consented(cls, v: bool) -> bool:
        if v is not True:
            raise ValueError("延长调解期限须经双方当事人同意：consent 必须为 true")
        return v


class Obligation(Payload):
    obligor: PartyPosition  # positions in the case's parties list, from 0
    obligee: PartyPosition
    description: Text
    amount: Money | None = None
    due_date: DueDate | None = None  # the last day of performance, 1990-01-01 .. today + 30 years (民法典 第203条)
    payment_method: ShortText | None = None  # how it is performed (履行方式, 人民调解法 第29条: e.g. 银行转账)
    place: ShortText | None = None

    @model_validator(mode="after")
    def _two_sides(self) -> "Obligation":
        if self.obligor == self.obligee:
            raise ValueError("义务人（obligor）与权利人（obligee）不能是同一当事人")
        return self


class ReachAgreement(Payload):
    facts: Text
    # 争议事项 (人民调解法 第29条: the agreement states "纠纷的主要事实、争议事项以及各方当事人的责任"). Optional, so
    # older clients keep working: without it the agreement states the case's summary as the disputed matters.
    matters: Text | None = None
    liability: Text
    obligations: Annotated[list[Obligation], Field(min_length=1, max_length=100)]
    # When the agreement was signed (and so took effect, 人民调解法 第29条). A time without an
    # offset, or a bare date, is read in JIEFEN_TIMEZONE.
    signed_at: RecordDateTime  # not before 1990-01-01 00:00
    form: str = "written"
    # The agreement confirms who owns property or an IP right (确权): 民诉法解释 第355条 makes such an
    # agreement inadmissible for judicial confirmation.
    ownership_confirmation: bool = False
    # The agreement decides whether a marriage, parent–child or adoption relationship is valid, void or
    # dissolved: 民诉法解释 第355条第1款第3项 makes it inadmissible for judicial confirmation. An agreement on
    # maintenance or support payments alone does not.
    status_matter: StrictBool = False
    # The agreement settles unpaid wages (劳动报酬) alone: if the employer does not pay, the worker may sue
    # directly (劳动争议解释(一) 第51条).
    wages_only: StrictBool = False

    @field_validator("form")
    @classmethod
    def _form(cls, v: str) -> str:
        if v not in ("written", "oral"):
            raise ValueError("协议形式只能是 written（书面）或 oral（口头）")
        return v


def _resolve_agreement(ctx: Context) -> None:
    """Obligations name parties of this case; the agreement was not signed in the future."""
    count = len(ctx.parties())
    for i, ob in enumerate(ctx.payload.obligations):
        for side in ("obligor", "obligee"):
            if getattr(ob, side) >= count:
                raise PayloadInvalid(
                    ["obligations", i, side], f"obligations[{i}].{side}：当事人序号应在 0 至 {count - 1} 之间"
                )
    signed = aware(ctx.payload.signed_at)
    if signed > ctx.now:
        raise PayloadInvalid("signed_at", "signed_at：协议签署时间不能晚于当前时间")
    ctx.refs["signed_at"] = signed


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
        **({"status_matter": True} if p.status_matter else {}),
        **({"wages_only": True} if p.wages_only else {}),
        "mediator_code": ctx.case.mediator_code,
        "org_code": ctx.case.org_code,
    }
    ctx.deadlines.settle([K.MEDIATION], DeadlineStatus.MET)
    ctx.deadlines.open(K.CONFIRMATION_WINDOW, start=ctx.deadlines.local_date(signed))


def _resolve_extend(ctx: Context) -> None:
    """What the guard `mediation_extension_within_cap` reads: the clock's extensions so far and its profile's cap."""
    rows = ctx.deadlines.current([K.MEDIATION])
    if not rows:
        return  # mediation_clock_exists refuses
    profile = profile_named(rows[0].profile, ctx.deadlines.settings)
    ctx.refs["mediation_clock"] = {
        "open": True,
        "cap": profile.max_extension_days,
        "cap_basis": profile.extension_cap_basis,
        "extended": max(r.extended_days or 0 for r in rows),
        "unit": "个工作日" if rows[0].working_days else "日",
    }


def _extend(ctx: Context) -> None:
    rows = ctx.deadlines.extend(K.MEDIATION, ctx.payload.days)
    ctx.record["due_at"] = [r.due_at.isoformat() for r in rows]


def _pause(ctx: Context) -> None:
    ctx.deadlines.pause(K.MEDIATION)


def _resume(ctx: Context) -> None:
    rows = ctx.deadlines.resume(K.MEDIATION)
    ctx.record["due_at"] = [r.due_at.isoformat() for r in rows]


def _mediation_overdue(ctx: Context) -> None:
    ctx.deadlines.settle([K.MEDIATION], DeadlineStatus.FIRED)
    flag(ctx.case, MEDIATION_OVERDUE)
    ctx.record["flag"] = MEDIATION_OVERDUE


def _end_mediation(status: DeadlineStatus) -> Step:
    def effect(ctx: Context) -> None:
        ctx.deadlines.settle([K.MEDIATION], status)

    return effect


T = Trigger
STAGES = (
    Stage(T.EXTEND, Extend, resolve=_resolve_extend, effect=_extend),
    Stage(T.PAUSE_CLOCK, Reason, effect=_pause),
    Stage(T.RESUME_CLOCK, Reason, effect=_resume),
    Stage(
        T.REACH_AGREEMENT,
        ReachAgreement,
        resolve=_resolve_agreement,
        effect=_reach_agreement,
        documents=("mediation_agreement",),
    ),
    Stage(T.FAIL, Reason, effect=_end_mediation(DeadlineStatus.CANCELLED), documents=("termination_notice",)),
    Stage(T.MEDIATION_TIMEOUT, Empty, effect=_end_mediation(DeadlineStatus.FIRED), documents=("termination_notice",)),
    Stage(T.MEDIATION_OVERDUE, Empty, effect=_mediation_overdue),
    Stage(T.WITHDRAW, Reason),
)
