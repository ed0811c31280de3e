"""API schemas for organizations (the hierarchy admins maintain: create/replace, partial update) and a
case's routing record.

The vocabularies are those of the seed file (CONTRACT §2); a validation error names the field.
"""

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.schemas import Code, LocalDateTime, RegionCode, ShortText
from states.enums import DisputeType

OrgKind = Literal[
    "people_mediation", "labour_mediation", "medical_mediation", "traffic_mediation", "consumer_mediation",
    "property_mediation", "commercial_mediation", "court", "labour_arbitration", "land_arbitration",
    "commercial_arbitration", "agency",
]
Level = Literal["village", "town", "county", "city"]
Stationing = Literal["resident", "rotating", "on_call"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Capacity = Annotated[int, Field(strict=True, ge=1, le=100_000)]
CourtLevel = Literal["basic", "intermediate"]
WebhookUrl = Annotated[str, Field(min_length=8, max_length=500, pattern=r"^https?://[^\s]+$")]
WebhookSecret = Annotated[str, Field(min_length=16, max_length=200)]


def _unique(values: list[Any] | None) -> list[Any] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("列表中有重复项")
    return values


class _OrgFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    _u = field_validator("dispute_types", "duty_days", "invited_by", check_fields=False)(
        lambda cls, v: _unique(v))


class OrganizationCreate(_OrgFields):
    """POST /api/v1/organizations (and PUT, where `code` may be left out: the path names it)."""

    code: Code | None = None
    name: ShortText
    kind: OrgKind
    level: Level
    region: RegionCode
    parent_code: Code | None = None
    dispute_types: Annotated[list[DisputeType], Field(max_length=20)] = []
    stationing: Stationing = "resident"
    duty_days: Annotated[list[Weekday], Field(max_length=7)] = []
    capacity: Capacity | None = None
    invited_by: Annotated[list[Code], Field(max_length=50)] = []
    # Courts (issue 6): the level that hears judicial confirmation, and a webhook for hand-offs. The
    # secret is write-only: stored for the HMAC-SHA256 signature, never returned.
    court_level: CourtLevel = "basic"
    webhook_url: WebhookUrl | None = None
    webhook_secret: WebhookSecret | None = None


class OrganizationPatch(_OrgFields):
    """PATCH /api/v1/organizations/{code}: only the fields given change (null clears an optional one)."""

    name: ShortText | None = None
    kind: OrgKind | None = None
    level: Level | None = None
    region: RegionCode | None = None
    parent_code: Code | None = None
    dispute_types: Annotated[list[DisputeType], Field(max_length=20)] | None = None
    stationing: Stationing | None = None
    duty_days: Annotated[list[Weekday], Field(max_length=7)] | None = None
    capacity: Capacity | None = None
    invited_by: Annotated[list[Code], Field(max_length=50)] | None = None
    court_level: CourtLevel | None = None
    webhook_url: WebhookUrl | None = None
    webhook_secret: WebhookSecret | None = None


# --- the routing record of a case (GET /api/v1/cases/{id}/routing) ------------------------------------

class RoutingStepPublic(BaseModel):
    """One diversion step from the audit log: who moved the case where, by which rule, and why."""

    seq: int
    at: LocalDateTime
    actor: str
    trigger: str
    from_state: str | None
    to_state: str
    from_org_code: str | None = None
    org_code: str | None = None
    routing: dict[str, Any] | None = None  # divert: the rule chosen, rules and candidates considered
    escalation: dict[str, Any] | None = None  # decline / escalate / diversion_timeout: the way up
    stationing: dict[str, Any] | None = None  # resident / rotating (next duty day) / on call (call-out)
    mediator_choice: dict[str, Any] | None = None  # accept without mediator_code
    flag: str | None = None


class RoutingPublic(BaseModel):
    case_id: uuid.UUID
    case_no: str
    state: str
    org_code: str | None
    mediator_code: str | None
    next_duty_day: date | None
    flags: list[str]
    passed_org_codes: list[str]  # bodies that passed the case on: it never goes back to them
    profile: str  # the rules profile in force now (profile@version)
    steps: list[RoutingStepPublic]


def _same_vocabularies() -> None:
    from typing import get_args

    from models.seed.loader import LEVELS, ORG_KINDS, STATIONINGS, WEEKDAYS

    for literal, vocab in ((OrgKind, ORG_KINDS), (Level, LEVELS), (Stationing, STATIONINGS), (Weekday, WEEKDAYS)):
        assert get_args(literal) == vocab, (literal, vocab)  # the API and `jiefen seed` speak the same words


_same_vocabularies()
