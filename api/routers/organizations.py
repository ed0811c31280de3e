"""Organizations (admins maintain the hierarchy) and a case's routing record. Calls and returns."""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.deps import ActorDep, SessionDep
from api.ids import RecordId
from api.responses import errors
from models.org_schemas import OrganizationCreate, OrganizationPatch, OrganizationPublic, RoutingPublic
from workflows import organizations
from workflows.routing import replay as diversion

router = APIRouter(prefix="/api/v1", tags=["organizations"])
OrgCode = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/organizations", response_model=OrganizationPublic, status_code=status.HTTP_201_CREATED, responses=errors(403, 409)
)
def create_organization(
    data: OrganizationCreate, session: SessionDep, actor: ActorDep, response: Response
) -> OrganizationPublic:
    org = organizations.create_org(session, actor=actor, data=data)
    response.headers["Location"] = f"/api/v1/organizations/{org.code}"
    return organizations.public(org)


@router.get("/organizations/{code}", response_model=OrganizationPublic)
def get_organization(code: OrgCode, session: SessionDep, actor: ActorDep) -> OrganizationPublic:
    return organizations.public(organizations.get_org(session, code=code))


@router.put("/organizations/{code}", response_model=OrganizationPublic, responses=errors(403))
def replace_organization(
    code: OrgCode, data: OrganizationCreate, session: SessionDep, actor: ActorDep
) -> OrganizationPublic:
    return organizations.public(organizations.replace_org(session, actor=actor, code=code, data=data))


@router.patch("/organizations/{code}", response_model=OrganizationPublic, responses=errors(403))
def patch_organization(
    code: OrgCode, data: OrganizationPatch, session: SessionDep, actor: ActorDep
) -> OrganizationPublic:
    return organizations.public(organizations.patch_org(session, actor=actor, code=code, data=data))


@router.delete("/organizations/{code}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(403, 409))
def delete_organization(code: OrgCode, session: SessionDep, actor: ActorDep) -> Response:
    organizations.delete_org(session, actor=actor, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/cases/{case_id}/routing", response_model=RoutingPublic)
def case_routing(case_id: RecordId, session: SessionDep, actor: ActorDep) -> RoutingPublic:
    return diversion.routing_record(session, actor, case_id)
