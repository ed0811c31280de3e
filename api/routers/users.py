"""Accounts, for administrators (docs/contract.md §3 v2): list, create, change. Calls and returns."""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.deps import ActorDep, SessionDep, SettingsDep
from api.responses import errors
from models.admin_schemas import UserCreate, UserPatch, UserPublic
from workflows.accounts import admin

router = APIRouter(prefix="/api/v1", tags=["users"])
Username = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/users", response_model=list[UserPublic], responses=errors(403))
def list_users(session: SessionDep, actor: ActorDep) -> list[UserPublic]:
    return [admin.public(u) for u in admin.list_users(session, actor=actor)]


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED, responses=errors(403, 409))
def create_user(
    data: UserCreate, session: SessionDep, settings: SettingsDep, actor: ActorDep, response: Response
) -> UserPublic:
    """Create an account; the password given must be changed by the user at their first login."""
    user = admin.create_user(session, actor=actor, data=data, settings=settings)
    response.headers["Location"] = f"/api/v1/users/{user.username}"
    return admin.public(user)


@router.get("/users/{username}", response_model=UserPublic, responses=errors(403))
def get_user(username: Username, session: SessionDep, actor: ActorDep) -> UserPublic:
    return admin.public(admin.get_user(session, actor=actor, username=username))


@router.patch("/users/{username}", response_model=UserPublic, responses=errors(403, 409))
def patch_user(
    username: Username, data: UserPatch, session: SessionDep, settings: SettingsDep, actor: ActorDep
) -> UserPublic:
    """Change role, organization, mediator link, display name, active; a password given is a reset (every
    session of the user ends; the user must change it at the next login)."""
    return admin.public(admin.patch_user(session, actor=actor, username=username, data=data, settings=settings))
