"""API schemas for cases (CaseCreate / CasePublic / CasesPublic) and what hangs off a case. Field types and
validators: models/fields.py; organizations and routing records: models/org_schemas.py; supervision (督办):
models/supervision_schemas.py."""

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

from models.fields import (
    MAX_PARTIES,
    Code,
    EventDate,
    LocalDateTime,
    Money,
    Name,
    PersonName,
    RecordDate,
    RegionCode,
    ShortText,
    Text,
    printable,
    validate_email,
    validate_id_number,
    validate_phone,
    validate_uscc,
)
from models.limitation import LimitationPublic, limitation_public
from models.privacy import after_mediation, mask_email, mask_id_number, mask_phone
from states.enums import Channel, DisputeType, PartyKind, PartyRole, State
from states.labels import STATE_LABELS
from states.notices import notices_for

# --- intake -----------------------------------------------------------------------------------


class PartyCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: PartyRole
    kind: PartyKind
    name: Name
    id_number: str | None = None
    uscc: str | None = None
    phone: str | None = None
    # Where the centre's email notices go (optional): an address email-validator accepts, without a DNS lookup.
    email: str | None = None
    address: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), AfterValidator(printable)] | None
    ) = None
    # An organization's 法定代表人 (or 负责人); the party's 委托代理人 (name, and how to reach them if wished).
    legal_representative: PersonName | None = None
    agent: Name | None = None

    _id = field_validator("id_number")(lambda cls, v: None if v in (None, "") else validate_id_number(v))
    _uscc = field_validator("uscc")(lambda cls, v: None if v in (None, "") else validate_uscc(v))
    _phone = field_validator("phone")(lambda cls, v: None if v in (None, "") else validate_phone(v))
    _email = field_validator("email")(lambda cls, v: None if v in (None, "") else validate_email(v))

    @model_validator(mode="after")
    def _identity_matches_kind(self) -> "PartyCreate":
        if self.kind is PartyKind.PERSON and self.uscc:
            raise ValueError("自然人当事人应填写居民身份证号（id_number），不能填写统一社会信用代码（uscc）")
        if self.kind is PartyKind.ORGANIZATION and self.id_number:
            raise ValueError("单位当事人应填写统一社会信用代码（uscc），不能填写居民身份证号（id_number）")
        if self.kind is PartyKind.PERSON and self.legal_representative:
            raise ValueError(
                "legal_representative（法定代表人）只适用于单位当事人；自然人的法定代理人或委托代理人请填写 agent"
            )
        return self


class CourtReferral(BaseModel):
    model_config = ConfigDict(extra="ignore")

    court_code: Code | None = None
    kind: Literal["pre_filing", "post_filing"] | None = None  # 委派 | 委托
    # 委托 only: the procedure the court tries the case under — ordinary (15 days) or summary (7 days),
    # 特邀调解规定 第27条. Not stated: ordinary.
    procedure: Literal["ordinary", "summary"] | None = None
    reference: ShortText | None = None
    received_on: RecordDate | None = None


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    dispute_type: DisputeType
    summary: Text
    channel: Channel
    region: RegionCode
    parties: Annotated[list[PartyCreate], Field(min_length=2, max_length=MAX_PARTIES)]
    claim_amount: Money | None = None
    occurred_on: EventDate | None = None  # 1900-01-01 .. today
    arbitration_agreement: StrictBool = False
    status_matter: StrictBool = False
    referral: CourtReferral | None = None
    # The parties (all natural persons) chose commercial mediation, which charges fees, instead of free
    # people's mediation (人民调解法 第4条). Routing reads it; false sends them to people's mediation.
    commercial_mediation_chosen: StrictBool = False
    # A dispute over land requisition or its compensation (征地补偿): outside land-contract arbitration
    # (农村土地承包经营纠纷调解仲裁法 第2条第3款); routed to the county, refused by refer_arbitration.
    land_requisition: StrictBool = False
    # Domestic violence (家庭暴力) in a family dispute: flagged, never left to village mediation alone,
    # with the police-report duty (人民调解法 第25条) and protection orders (反家庭暴力法 第23条) shown.
    domestic_violence: StrictBool = False

    @field_validator("parties")
    @classmethod
    def _both_sides(cls, parties: list[PartyCreate]) -> list[PartyCreate]:
        roles = {p.role for p in parties}
        if PartyRole.APPLICANT not in roles or PartyRole.RESPONDENT not in roles:
            raise ValueError("至少需要一名申请人（applicant）和一名被申请人（respondent）")
        return parties


class PartyPublic(BaseModel):
    position: int
    role: str
    kind: str
    name: str
    id_number: str | None = None  # masked
    uscc: str | None = None
    phone: str | None = None  # masked
    email: str | None = None  # masked
    address: str | None = None
    legal_representative: str | None = None
    agent: str | None = None

    @classmethod
    def masked(cls, p: Any) -> "PartyPublic":
        return cls(
            position=p.position,
            role=p.role,
            kind=p.kind,
            name=p.name,
            id_number=mask_id_number(p.id_number),
            uscc=p.uscc,
            phone=mask_phone(p.phone),
            email=mask_email(p.email),
            address=p.address,
            legal_representative=p.legal_representative,
            agent=p.agent,
        )


class DeadlinePublic(BaseModel):
    id: uuid.UUID
    kind: str
    profile: str
    start_date: date
    days: int
    working_days: bool
    last_day: date
    due_at: LocalDateTime
    basis: str
    status: str
    provisional: bool
    remaining_days: int | None = None  # while paused: the days of its unit left after the pause day (v2)
    ref: str | None = None  # what the clock belongs to: "obligations[0]" for an obligation's enforcement
    interrupted_on: date | None = None  # a limitation period: the day the mediation request interrupted it


class NoticePublic(BaseModel):
    """What the law makes the centre tell or do for this case (shown on the intake response and case page)."""

    code: str
    title: str
    text: str
    basis: str


class DuplicatePublic(BaseModel):
    """An open case that may be the same dispute: same type, a party with the same identity
    number or credit code, opened within the window. The clerk decides."""

    id: uuid.UUID
    case_no: str
    state: str
    dispute_type: str
    channel: str
    org_code: str | None
    created_at: LocalDateTime
    matched: list[str]  # how: "id_number:<position>" / "uscc:<position>" (positions in the new case)


class CasePublic(BaseModel):
    id: uuid.UUID
    case_no: str
    state: State
    state_label: str
    version: int
    dispute_type: DisputeType
    channel: Channel
    region: str
    summary: str
    parties: list[PartyPublic]
    org_code: str | None
    mediator_code: str | None
    court_code: str | None
    arbitration_body_code: str | None
    claim_amount: Money | None
    occurred_on: date | None
    arbitration_agreement: bool
    status_matter: bool
    referral: dict[str, Any] | None
    agreement: dict[str, Any] | None
    flags: list[str]
    deadlines: list[DeadlinePublic]
    created_at: LocalDateTime
    updated_at: LocalDateTime
    # Diversion: a rotating organization's next duty day when it is off duty today; and,
    # on the intake response, open cases that may be the same dispute.
    next_duty_day: date | None = None
    possible_duplicates: list[DuplicatePublic] | None = None
    commercial_mediation_chosen: bool = False
    land_requisition: bool = False
    domestic_violence: bool = False
    notices: list[NoticePublic] = []
    # 时效 (v2): the limitation period opened from occurred_on, with a warning when near or past.
    limitation: LimitationPublic | None = None
    arbitration: dict[str, Any] | None = None  # after mediation (models.privacy.after_mediation)
    confirmation: dict[str, Any] | None = None
    # 一案一码 (v2): the code a party follows the case with at /p/c/{code} (staff tell it to the party).
    public_code: str | None = None

    @classmethod
    def of(cls, case: Any, parties: list[Any], deadlines: list[Any]) -> "CasePublic":
        return cls(
            id=case.id,
            case_no=case.case_no,
            state=State(case.state),
            state_label=STATE_LABELS[State(case.state)],
            version=case.version,
            dispute_type=case.dispute_type,
            channel=case.channel,
            region=case.region,
            summary=case.summary,
            parties=[PartyPublic.masked(p) for p in parties],
            org_code=case.org_code,
            mediator_code=case.mediator_code,
            court_code=case.court_code,
            arbitration_body_code=case.arbitration_body_code,
            claim_amount=case.claim_amount,
            occurred_on=case.occurred_on,
            arbitration_agreement=case.arbitration_agreement,
            status_matter=case.status_matter,
            referral=case.referral,
            agreement=case.agreement,
            flags=list(case.flags or []),
            deadlines=[DeadlinePublic.model_validate(d, from_attributes=True) for d in deadlines],
            created_at=case.created_at,
            updated_at=case.updated_at,
            next_duty_day=getattr(case, "next_duty_day", None),
            commercial_mediation_chosen=bool(getattr(case, "commercial_mediation_chosen", False)),
            land_requisition=bool(getattr(case, "land_requisition", False)),
            domestic_violence=bool(getattr(case, "domestic_violence", False)),
            public_code=getattr(case, "public_code", None),
            notices=[
                NoticePublic(code=n.code, title=n.title, text=n.text, basis=n.basis)
                for n in notices_for(
                    domestic_violence=bool(getattr(case, "domestic_violence", False)),
                    land_requisition=bool(getattr(case, "land_requisition", False)),
                )
            ],
            limitation=limitation_public(deadlines, datetime.now(UTC)),
            **after_mediation(case),
        )


class CasesPublic(BaseModel):
    """A page of a case list (docs/contract.md §5). `count`: the matching cases, counted up to 10 000 on a page
    without a cursor (`count_exact` false past that); a page fetched with `cursor` repeats its walk's first count."""

    data: list[CasePublic]
    count: int
    count_exact: bool = True
    next_cursor: str | None = None  # pass as `cursor` for the page after this one; null on the last page


class EventPublic(BaseModel):
    seq: int
    at: LocalDateTime
    actor: str
    trigger: str
    from_state: str | None
    to_state: str
    payload: dict[str, Any]
    hash: str
    prev_hash: str


class DocumentPublic(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    kind: str
    status: str
    sha256: str | None
    created_at: LocalDateTime
    version: int = 1  # a correction is a new version naming the one it replaces
    replaces_id: uuid.UUID | None = None
    rendered_at: LocalDateTime | None = None


class DocumentVerification(BaseModel):
    """What GET /api/v1/documents/verify/{code} tells anyone (no login): nothing about the parties."""

    kind: str
    case_no: str
    date: date


class ActionPublic(BaseModel):
    trigger: str
    label: str
    to_state: str
    required: list[str]
    optional: list[str]
    basis: str
    # Other destinations and the condition choosing each (decline goes up a level while there
    # is one; escalate and diversion_timeout come back to intake from the top).
    alternatives: list[dict[str, str]] = []


class ActionsPublic(BaseModel):
    allowed: list[str]
    data: list[ActionPublic]


class MediatorPublic(BaseModel):
    code: str
    name: str
    org_code: str
    specialties: list[str]
    part_time: bool
    active: bool = True  # false: retired, on record for the cases that name them


class HandoffPublic(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    case_no: str
    court_code: str
    status: str
    package: dict[str, Any]
    created_at: LocalDateTime
    accepted_at: LocalDateTime | None
    decided_at: LocalDateTime | None
    ruling_no: str | None = None  # the court's ruling (裁定书号) once decided
    outcome: str | None = None  # confirmed | rejected


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
