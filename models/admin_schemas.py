"""API schemas of administration (docs/contract.md §3, §5 v2): accounts (`/api/v1/users`), mediators
(`/api/v1/mediators`) and the administrative change log. Passwords are written, never returned."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.fields import Code, LocalDateTime, Name
from models.passwords import PASSWORD_MAX_LENGTH
from states.enums import DisputeType, Role

Password = Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)]
Specialties = Annotated[list[DisputeType], Field(max_length=20)]
Capacity = Annotated[int, Field(strict=True, ge=1, le=10_000)]


def _account_role(role: Role | None) -> Role | None:
    if role in (Role.SYSTEM, Role.PARTY):
        raise ValueError(
            f"role：{role} 不是工作人员角色，不能分配给账号（可选 intake | mediator | court | supervisor | admin）"
        )
    return role


def _username(name: str) -> str:
    # "party:online", "system:timeout", "cli:…" are actors of the audit log that are not accounts: an account
    # named like one would be confused with them.
    if ":" in name:
        raise ValueError("username：不能包含冒号（“:” 留给系统和当事人等非账号操作者）")
    return name


def _unique(values: list[Any] | None) -> list[Any] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("列表中有重复项")
    return values


class UserCreate(BaseModel):
    """POST /api/v1/users: the fields of a seed user, a display name and whether the account is active.
    The password is the administrator's: the user must change it at their first login."""

    model_config = ConfigDict(extra="forbid")

    username: Code
    password: Password
    role: Role
    org: Code | None = None  # every role but admin
    mediator: Code | None = None  # mediator users only
    display_name: Name | None = None
    active: bool = True

    _r = field_validator("role")(lambda cls, v: _account_role(v))
    _u = field_validator("username")(lambda cls, v: _username(v))


class UserPatch(BaseModel):
    """PATCH /api/v1/users/{username}: only the fields given change (null clears org, mediator or display
    name). A password given is a reset: every session of the user ends, and the user must change it."""

    model_config = ConfigDict(extra="forbid")

    password: Password | None = None
    role: Role | None = None
    org: Code | None = None
    mediator: Code | None = None
    display_name: Name | None = None
    active: bool | None = None

    _r = field_validator("role")(lambda cls, v: _account_role(v))


class UserPublic(BaseModel):
    """An account as stored, without its password."""

    username: str
    role: str
    org: str | None
    mediator: str | None
    display_name: str | None
    active: bool
    must_change_password: bool
    created_at: LocalDateTime


class MediatorCreate(BaseModel):
    """POST /api/v1/mediators: a mediator of a mediation body."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    org_code: Code
    specialties: Specialties = []
    part_time: bool = False
    capacity: Capacity | None = None

    _u = field_validator("specialties")(lambda cls, v: _unique(v))


class MediatorPatch(BaseModel):
    """PATCH /api/v1/mediators/{code}: only the fields given change. `org_code` moves the mediator to
    another mediation body; `active: false` retires them (refused while they hold open cases)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    org_code: Code | None = None
    specialties: Specialties | None = None
    part_time: bool | None = None
    capacity: Capacity | None = None
    active: bool | None = None

    _u = field_validator("specialties")(lambda cls, v: _unique(v))


class MediatorAdminPublic(BaseModel):
    code: str
    name: str
    org_code: str
    specialties: list[str]
    part_time: bool
    capacity: int | None = None
    active: bool = True


class AdminChangePublic(BaseModel):
    """One entry of the administrative change log."""

    at: LocalDateTime
    actor: str
    entity: str
    key: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
