"""Who may see what (docs/contract.md §3): the one place that scopes cases by role and organization."""

import uuid
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from models.tables import Case, Organization, User
from states.enums import Role
from workflows.errors import NotVisible


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    role: Role
    org_code: str | None = None
    org_region: str | None = None
    mediator_code: str | None = None
    # A party acting for itself (Role.PARTY, through the portal): the one case it may see, and its position there.
    case_id: uuid.UUID | None = None
    position: int | None = None


def party_actor(case_id: uuid.UUID, position: int) -> Actor:
    """A party of `case_id` at `position`, as the portal's one-time code proved it: the audit log names it
    `party:<position>` (never a phone or a name); it sees that case alone and fires only what the table
    gives Role.PARTY."""
    return Actor(f"party:{position}", Role.PARTY, case_id=case_id, position=position)


SYSTEM_TIMEOUT = Actor("system:timeout", Role.SYSTEM)


def actor_for(session: Session, user: User) -> Actor:
    region = None
    if user.org_code:
        org = session.exec(select(Organization).where(Organization.code == user.org_code)).first()
        region = org.region if org else None
    return Actor(user.username, Role(user.role), user.org_code, region, user.mediator_code)


def region_prefix(code: str) -> str:
    """The prefix every code inside an administrative area shares: 330100 (杭州市) -> 3301,
    330000 (浙江省) -> 33, 330106001000 -> 330106001, 330106 -> 330106."""
    if len(code) in (9, 12) and code.endswith("000"):
        return region_prefix(code[:-3])
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    return code


def in_region(case_region: str, area: str | None) -> bool:
    return bool(area) and case_region.startswith(region_prefix(area or ""))


def visible_clause(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting the cases `actor` may see."""
    match actor.role:
        case Role.ADMIN | Role.SYSTEM:
            return sa.true()
        case Role.INTAKE | Role.SUPERVISOR:
            if not actor.org_region:
                return sa.false()
            return col(Case.region).startswith(region_prefix(actor.org_region), autoescape=True)
        case Role.MEDIATOR:
            return col(Case.org_code) == actor.org_code if actor.org_code else sa.false()
        case Role.COURT:
            return col(Case.court_code) == actor.org_code if actor.org_code else sa.false()
        case Role.PARTY:
            return col(Case.id) == actor.case_id if actor.case_id else sa.false()
    return sa.false()


class Scoped(Protocol):
    """What scoping reads of a case: a `Case`, or the engine's working copy of its row."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def region(self) -> str: ...
    @property
    def org_code(self) -> str | None: ...
    @property
    def court_code(self) -> str | None: ...


def can_see(actor: Actor, case: Scoped) -> bool:
    match actor.role:
        case Role.ADMIN | Role.SYSTEM:
            return True
        case Role.INTAKE | Role.SUPERVISOR:
            return in_region(case.region, actor.org_region)
        case Role.MEDIATOR:
            return actor.org_code is not None and case.org_code == actor.org_code
        case Role.COURT:
            return actor.org_code is not None and case.court_code == actor.org_code
        case Role.PARTY:
            return actor.case_id is not None and case.id == actor.case_id
    return False


def parse_case_id(case_id: str | uuid.UUID) -> uuid.UUID:
    if isinstance(case_id, uuid.UUID):
        return case_id
    try:
        return uuid.UUID(case_id)
    except (ValueError, AttributeError, TypeError):
        raise NotVisible("案件不存在") from None


def get_visible_case(session: Session, actor: Actor, case_id: str | uuid.UUID) -> Case:
    cid = parse_case_id(case_id)
    case = session.get(Case, cid)
    if case is None or not can_see(actor, case):
        raise NotVisible("案件不存在")
    return case
