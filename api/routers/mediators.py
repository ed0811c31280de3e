"""Mediators, maintained by administrators (docs/contract.md §5 v2). Calls and returns; the list everyone
reads is api/routers/reference.py."""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.deps import ActorDep, SessionDep
from api.responses import errors
from models.admin_schemas import MediatorAdminPublic, MediatorCreate, MediatorPatch
from workflows import mediators

router = APIRouter(prefix="/api/v1", tags=["mediators"])
MediatorCode = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/mediators", response_model=MediatorAdminPublic, status_code=status.HTTP_201_CREATED, responses=errors(403, 409)
)
def create_mediator(
    data: MediatorCreate, session: SessionDep, actor: ActorDep, response: Response
) -> MediatorAdminPublic:
    m = mediators.create_mediator(session, actor=actor, data=data)
    response.headers["Location"] = f"/api/v1/mediators/{m.code}"
    return mediators.public(m)


@router.patch("/mediators/{code}", response_model=MediatorAdminPublic, responses=errors(403, 409))
def patch_mediator(
    code: MediatorCode, data: MediatorPatch, session: SessionDep, actor: ActorDep
) -> MediatorAdminPublic:
    """Change specialties, part-time, capacity or name; move to another mediation body (`org_code`); retire
    (`active: false`) — refused (409, the open cases listed) while the mediator holds open cases."""
    return mediators.public(mediators.patch_mediator(session, actor=actor, code=code, data=data))
