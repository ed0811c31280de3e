"""API schemas for organizations (the hierarchy admins maintain) and a case's routing record.

`OrganizationBase` holds an organization's fields once, with the vocabularies of the seed file (the
contract, docs/contract.md §2) and the limits the API checks; `OrganizationCreate` (POST, PUT),
`OrganizationPatch` (PATCH) and `OrganizationPublic` (what is returned) derive from it, and the seed
loader's keys (models/seed/check.py) from them. A validation error names the field.
"""

import uuid
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.fields import Code, LocalDateTime, Name, RegionCode
from states.enums import CourtLevel, DisputeType, Level, OrgKind, Stationing, Weekday

Capacity = Annotated[int, Field(strict=True, ge=1, le=100_000)]
DisputeTypes = Annotated[list[DisputeType], Field(max_length=20)]
DutyDays = Annotated[list[Weekday], Field(max_length=7)]
CourtCodes = Annotated[list[Code], Field(max_length=50)]
WebhookUrl = Annotated[str, Field(min_length=8, max_length=500, pattern=r"^https?://[^\s]+$")]
WebhookSecret = Annotated[str, Field(min_length=16, max_length=200)]


def _unique(values: list[Any] | None) -> list[Any] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("列表中有重复项")
    return values


class _OrganizationRules(BaseModel):
    """No unknown fields; no list names the same thing twice."""

    model_config = ConfigDict(extra="forbid")

    _u = field_validator("dispute_types", "duty_days", "invited_by", check_fields=False)(lambda cls, v: _unique(v))


class OrganizationBase(_OrganizationRules):
    """An organization: its code, what it is, where it sits, what it takes, and how it attends the centre."""

    code: Code | None = None  # left out of a PUT body, whose path names it
    name: Name
    kind: OrgKind
    level: Level
    region: RegionCode
    parent_code: Code | None = None
    dispute_types: DisputeTypes = []
    stationing: Stationing = Stationing.RESIDENT
    duty_days: DutyDays = []  # rotating stationing only: the weekdays it sits at the centre
    capacity: Capacity | None = None  # open cases it takes at most
    invited_by: CourtCodes = []  # courts that invited it as a 特邀调解组织 (特邀调解规定 第3条、第8条)
    # Courts: the level that hears judicial confirmation (民事诉讼法 第205条), and where hand-offs are
    # pushed (signed with a secret that is written, never returned).
    court_level: CourtLevel = CourtLevel.BASIC
    webhook_url: WebhookUrl | None = None


class OrganizationCreate(OrganizationBase):
    """POST /api/v1/organizations (and PUT, where `code` may be left out: the path names it)."""

    webhook_secret: WebhookSecret | None = None


class OrganizationPatch(_OrganizationRules):
    """PATCH /api/v1/organizations/{code}: only the fields given change (null clears an optional one).
    The fields of OrganizationCreate but the code, each optional."""

    name: Name | None = None
    kind: OrgKind | None = None
    level: Level | None = None
    region: RegionCode | None = None
    parent_code: Code | None = None
    dispute_types: DisputeTypes | None = None
    stationing: Stationing | None = None
    duty_days: DutyDays | None = None
    capacity: Capacity | None = None
    invited_by: CourtCodes | None = None
    court_level: CourtLevel | None = None
    webhook_url: WebhookUrl | None = None
    webhook_secret: WebhookSecret | None = None


class OrganizationPublic(OrganizationBase):
    """An organization as stored. The seed file checks codes, names, capacities and invited courts
    more loosely than the API (no control-character check, no upper bounds), so those are shown as
    stored rather than refused on the way out."""

    code: str
    name: str
    parent_code: str | None = None
    capacity: int | None = None
    invited_by: list[str] = []


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
