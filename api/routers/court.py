"""The court's inbox of judicial confirmation hand-offs (司法确认): list, read, record receipt."""

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel

from api.deps import ActorDep, SessionDep
from api.ids import RecordId
from api.responses import errors
from models.fields import ReportedDate
from models.schemas import HandoffPublic
from models.tables import CourtHandoff
from states.enums import Trigger
from workflows import engine
from workflows.access import Actor
from workflows.outbox import handoffs
from workflows.read import queries

router = APIRouter(prefix="/api/v1/court", tags=["court"])


@router.get("/confirmations", response_model=list[HandoffPublic], responses=errors(403))
def court_confirmations(
    session: SessionDep,
    actor: ActorDep,
    status: Literal["pending", "accepted", "decided"] | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[HandoffPublic]:
    return queries.court_inbox(session, actor, status, offset=offset, limit=limit)


def _handoff_public(pair: tuple[CourtHandoff, str], actor: Actor) -> HandoffPublic:
    return queries.handoff_public(*pair, actor=actor)


@router.get("/confirmations/{handoff_id}", response_model=HandoffPublic, responses=errors(403))
def court_confirmation(handoff_id: RecordId, session: SessionDep, actor: ActorDep) -> HandoffPublic:
    """The package of one hand-off; 404 unless it is addressed to the caller's court."""
    return _handoff_public(handoffs.get_handoff(session, actor, handoff_id), actor)


class Receipt(BaseModel):
    # 立案日期: the court's 30 days run from it (民事诉讼法 第187条); from 1990-01-01, not after today (court_file).
    filed_on: ReportedDate | None = None


@router.post("/confirmations/{handoff_id}/receive", response_model=HandoffPublic, responses=errors(403, 409))
def receive_confirmation(
    handoff_id: RecordId, session: SessionDep, actor: ActorDep, body: Annotated[Receipt | None, Body()] = None
) -> HandoffPublic:
    """The court records receipt (pending → accepted); idempotent. With `filed_on`, the receipt records the
    court's 立案 too: the case's `court_file` transition, which restarts the court's clock from that day.
    Then court_confirm / court_reject."""
    if body is not None and body.filed_on is not None:
        handoff, _ = handoffs.get_handoff(session, actor, handoff_id)
        engine.fire(
            session,
            case_id=handoff.case_id,
            trigger=Trigger.COURT_FILE,
            actor=actor,
            payload={"filed_on": body.filed_on.isoformat()},
        )
        return _handoff_public(handoffs.get_handoff(session, actor, handoff_id), actor)
    return _handoff_public(handoffs.receive(session, actor=actor, handoff_id=handoff_id), actor)
