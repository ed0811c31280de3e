"""The court's inbox of judicial confirmation hand-offs (司法确认): list, read, record receipt."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import ActorDep, SessionDep
from api.ids import RecordId
from models.schemas import HandoffPublic
from models.tables import CourtHandoff
from workflows.outbox import handoffs
from workflows.read import queries

router = APIRouter(prefix="/api/v1/court", tags=["court"])


@router.get("/confirmations", response_model=list[HandoffPublic])
def court_confirmations(
    session: SessionDep,
    actor: ActorDep,
    status: Literal["pending", "accepted", "decided"] | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[HandoffPublic]:
    return queries.court_inbox(session, actor, status, offset=offset, limit=limit)


def _handoff_public(pair: tuple[CourtHandoff, str]) -> HandoffPublic:
    h, case_no = pair
    return HandoffPublic(
        id=h.id,
        case_id=h.case_id,
        case_no=case_no,
        court_code=h.court_code,
        status=h.status,
        package=h.package,
        created_at=h.created_at,
        accepted_at=h.accepted_at,
        decided_at=h.decided_at,
        ruling_no=h.ruling_no,
        outcome=h.outcome,
    )


@router.get("/confirmations/{handoff_id}", response_model=HandoffPublic)
def court_confirmation(handoff_id: RecordId, session: SessionDep, actor: ActorDep) -> HandoffPublic:
    """The package of one hand-off; 404 unless it is addressed to the caller's court."""
    return _handoff_public(handoffs.get_handoff(session, actor, handoff_id))


@router.post("/confirmations/{handoff_id}/receive", response_model=HandoffPublic)
def receive_confirmation(handoff_id: RecordId, session: SessionDep, actor: ActorDep) -> HandoffPublic:
    """The court records receipt (pending → accepted); idempotent. Then court_confirm / court_reject."""
    return _handoff_public(handoffs.receive(session, actor=actor, handoff_id=handoff_id))
