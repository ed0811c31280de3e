"""API schemas of supervision (督办): late and soon-due clocks by organization, undelivered court pushes."""

import uuid
from typing import Literal

from pydantic import BaseModel

from models.fields import LocalDateTime


class UndeliveredPublic(BaseModel):
    """A court webhook notice that failed after its last retry, or a party's SMS or email that failed or
    waits for a retry after a failure (GET /api/v1/supervision/undelivered)."""

    id: uuid.UUID
    kind: str = "court_webhook"  # court_webhook | party_sms | party_email
    case_id: uuid.UUID | None
    case_no: str
    court_code: str | None
    recipient: str | None = None  # a party's phone or email, masked
    event: str | None
    handoff_id: str | None
    attempts: int
    last_error: str | None
    status: str
    created_at: LocalDateTime


class OverdueCasePublic(BaseModel):
    """One late or soon-due clock of a case (督办)."""

    case_id: uuid.UUID
    case_no: str
    state: str
    dispute_type: str
    deadline_id: uuid.UUID
    kind: str
    label: str
    due_at: LocalDateTime
    basis: str
    provisional: bool
    deadline_status: str  # pending (not yet swept) | fired (expired, still in its stage)
    status: Literal["overdue", "soon_due"]
    late_seconds: int  # negative while soon due: the time still left
    late_days: int  # whole days late, counting a started day (0 while soon due)


class OrganizationOverduePublic(BaseModel):
    org_code: str | None  # None: not yet diverted to an organization
    org_name: str | None
    overdue: int
    soon_due: int
    max_late_days: int
    cases: list[OverdueCasePublic]


class SupervisionPublic(BaseModel):
    as_of: LocalDateTime
    within_days: int
    data: list[OrganizationOverduePublic]
    count: int  # clocks listed
