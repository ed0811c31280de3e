"""Reference reads: the organizations and the mediators, for forms and clients."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ActorDep, SessionDep
from models.org_schemas import OrganizationPublic
from models.schemas import MediatorPublic
from workflows.read import reference

router = APIRouter(prefix="/api/v1", tags=["reference"])


@router.get("/organizations", response_model=list[OrganizationPublic])
def organizations(session: SessionDep, actor: ActorDep) -> list[OrganizationPublic]:
    return [OrganizationPublic.model_validate(o, from_attributes=True) for o in reference.organizations(session)]


@router.get("/mediators", response_model=list[MediatorPublic])
def mediators(
    session: SessionDep, actor: ActorDep, org_code: Annotated[str | None, Query(max_length=64)] = None
) -> list[MediatorPublic]:
    return [
        MediatorPublic.model_validate(m, from_attributes=True) for m in reference.mediators(session, org_code or None)
    ]
