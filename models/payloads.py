"""One payload schema per trigger; their field names match the table's `required`/`optional`."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from models.schemas import Code, Money, ShortText, Text
from states.enums import Trigger


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Reason(Payload):
    reason: Text


class OptionalReason(Payload):
    reason: Text | None = None


class Divert(Payload):
    org_code: Code | None = None


class Accept(Payload):
    mediator_code: Code | None = None


class Escalate(Reason):
    org_code: Code | None = None


class TransferOut(Reason):
    agency: ShortText


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
    obligor: Annotated[int, Field(strict=True, ge=0)]
    obligee: Annotated[int, Field(strict=True, ge=0)]
    description: Text
    amount: Money | None = None
    due_date: date | None = None
    place: ShortText | None = None

    @model_validator(mode="after")
    def _two_sides(self) -> "Obligation":
        if self.obligor == self.obligee:
            raise ValueError("义务人（obligor）与权利人（obligee）不能是同一当事人")
        return self


class ReachAgreement(Payload):
    facts: Text
    liability: Text
    obligations: Annotated[list[Obligation], Field(min_length=1, max_length=100)]
    # When the agreement was signed (and so took effect, 人民调解法 第29条). A time without an
    # offset, or a bare date, is read in JIEFEN_TIMEZONE.
    signed_at: datetime
    form: str = "written"
    # Issue 6: the agreement confirms who owns property or an IP right (确权) — 民诉法解释 第355条
    # makes such an agreement inadmissible for judicial confirmation.
    ownership_confirmation: bool = False

    @field_validator("form")
    @classmethod
    def _form(cls, v: str) -> str:
        if v not in ("written", "oral"):
            raise ValueError("协议形式只能是 written（书面）或 oral（口头）")
        return v


class RequestConfirmation(Payload):
    court_code: Code


class CourtConfirm(Payload):
    ruling_no: ShortText


class CourtReject(Reason):
    ruling_no: ShortText


class ReferArbitration(Payload):
    body_code: Code


class ReferLitigation(Payload):
    court_code: Code


class RecordOutcome(Payload):
    outcome: Text
    reference: ShortText


class Note(Payload):
    note: Text | None = None


class RecordFollowup(Note):
    satisfaction: Annotated[int, Field(strict=True, ge=1, le=5)]
    performed: StrictBool


class Empty(Payload):
    pass


T = Trigger
PAYLOADS: dict[Trigger, type[Payload]] = {
    T.DIVERT: Divert,
    T.ACCEPT: Accept,
    T.DECLINE: Reason,
    T.ESCALATE: Escalate,
    T.REJECT: Reason,
    T.TRANSFER_OUT: TransferOut,
    T.WITHDRAW: Reason,
    T.EXTEND: Extend,
    T.PAUSE_CLOCK: Reason,
    T.RESUME_CLOCK: Reason,
    T.REACH_AGREEMENT: ReachAgreement,
    T.FAIL: Reason,
    T.REQUEST_CONFIRMATION: RequestConfirmation,
    T.COURT_CONFIRM: CourtConfirm,
    T.COURT_REJECT: CourtReject,
    T.RESUME_MEDIATION: OptionalReason,
    T.REFER_ARBITRATION: ReferArbitration,
    T.REFER_LITIGATION: ReferLitigation,
    T.RECORD_OUTCOME: RecordOutcome,
    T.RECORD_FULFILMENT: Note,
    T.CLOSE: Reason,
    T.RECORD_FOLLOWUP: RecordFollowup,
    T.DIVERSION_TIMEOUT: Empty,
    T.MEDIATION_TIMEOUT: Empty,
    T.COURT_OVERDUE: Empty,
}

assert set(PAYLOADS) == set(Trigger)
