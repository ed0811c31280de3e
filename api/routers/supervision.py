"""Supervision (督办): overdue and soon-due cases by organization."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ActorDep, SessionDep
from api.responses import errors
from models.fields import ClockTime
from models.supervision_schemas import SupervisionPublic, UndeliveredPublic
from workflows.outbox import webhooks
from workflows.read import supervision

router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])


@router.get("/overdue", response_model=SupervisionPublic, responses=errors(403, 404))  # 404: org_code names nothing
def overdue(
    session: SessionDep,
    actor: ActorDep,
    within_days: Annotated[int, Query(ge=0, le=60, description="also list clocks due within this many days")] = 3,
    org_code: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    as_of: Annotated[ClockTime | None, Query(description="as if the time were this (ISO-8601 with offset)")] = None,
) -> SupervisionPublic:
    return supervision.overdue(session, actor, now=as_of, within_days=within_days, org_code=org_code, limit=limit)


@router.get("/undelivered", response_model=list[UndeliveredPublic], responses=errors(403))
def undelivered(
    session: SessionDep, actor: ActorDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[UndeliveredPublic]:
    """Court webhook pushes that failed after the last retry, and the parties' SMS and emails that failed
    or wait for a retry after a failure (recipient masked, with the reason): never dropped, listed here."""
    return [UndeliveredPublic.model_validate(x) for x in webhooks.undelivered(session, actor, limit=limit)]
