"""Mediators as an administrator keeps them (`/api/v1/mediators`): create, change specialties, part-time
and capacity, move to another mediation body, retire and reinstate.

A mediator belongs to a mediation body (人民调解委员会 and the other mediation kinds), never to a court or
an arbitration body. Retiring one who still holds open cases is refused (409) with those cases listed: they
are reassigned first. Moving one is refused too while they hold open cases of their current body, and when
a user account names them (that account's organization would no longer match). Every change is written to
the administrative change log in the same transaction.
"""

from typing import Any

from sqlmodel import Session, col, func, select

from models.admin_schemas import MediatorAdminPublic, MediatorCreate, MediatorPatch
from models.db import write_transaction
from models.tables import Case, Mediator, Organization, User
from states.enums import MEDIATION_KINDS, OrgKind, Role, State
from states.table import TABLE
from workflows import changelog
from workflows.access import Actor
from workflows.accounts.admin import require_admin
from workflows.errors import Conflict, NotVisible, PayloadInvalid

ENTITY = "mediator"
FIELDS = ("name", "org_code", "specialties", "part_time", "capacity", "active")
# A case is still in a mediator's hands while the lifecycle lets a mediator act on it.
OPEN_STATES: tuple[State, ...] = tuple(
    sorted({s for row in TABLE if Role.MEDIATOR in row.roles for s in row.source if s is not State.CLOSED})
)
SHOWN_OPEN = 20


def public(m: Mediator) -> MediatorAdminPublic:
    return MediatorAdminPublic.model_validate(m, from_attributes=True)


def _snapshot(m: Mediator) -> dict[str, Any]:
    return {k: getattr(m, k) for k in FIELDS}


def get_mediator(session: Session, *, code: str) -> Mediator:
    m = session.exec(select(Mediator).where(Mediator.code == code)).first()
    if m is None:
        raise NotVisible(f"调解员 {code[:64]} 不存在")
    return m


def open_cases(session: Session, *, code: str, limit: int = SHOWN_OPEN) -> tuple[int, list[Case]]:
    """How many open cases the mediator holds, and the first of them (oldest update first)."""
    where = (col(Case.mediator_code) == code, col(Case.state).in_([s.value for s in OPEN_STATES]))
    n = session.exec(select(func.count()).select_from(Case).where(*where)).one()
    rows = session.exec(select(Case).where(*where).order_by(col(Case.updated_at)).limit(limit)).all()
    return int(n), list(rows)


def _mediation_body(session: Session, code: str) -> Organization:
    org = session.exec(select(Organization).where(Organization.code == code)).first()
    if org is None:
        raise PayloadInvalid("org_code", f"org_code：组织机构 {code} 不存在")
    if OrgKind(org.kind) not in MEDIATION_KINDS:
        raise PayloadInvalid("org_code", f"org_code：调解员只能属于调解组织，{org.name} 不是调解组织")
    return org


def _refuse_while_open(session: Session, m: Mediator, what: str, field: str) -> None:
    n, rows = open_cases(session, code=m.code)
    if n:
        listed = "、".join(c.case_no for c in rows[:10]) + (" 等" if n > 10 else "")
        raise Conflict(
            f"调解员 {m.name}（{m.code}）仍承办 {n} 件未结案件（{listed}），请先将这些案件改派后再{what}",
            field=field,
            cases=[c.case_no for c in rows],
        )


def create_mediator(session: Session, *, actor: Actor, data: MediatorCreate) -> Mediator:
    require_admin(actor, "维护调解员")
    if any(c.isspace() for c in data.code):
        raise PayloadInvalid("code", "code：调解员代码不能含有空格")
    with write_transaction(session):
        if session.exec(select(Mediator.id).where(Mediator.code == data.code)).first() is not None:
            raise Conflict(f"调解员代码 {data.code} 已存在", field="code")
        _mediation_body(session, data.org_code)
        m = Mediator(**data.model_dump(mode="json"))
        session.add(m)
        changelog.record(session, actor=actor.name, entity=ENTITY, key=m.code, action="create", after=_snapshot(m))
    return m


def patch_mediator(session: Session, *, actor: Actor, code: str, data: MediatorPatch) -> Mediator:
    require_admin(actor, "维护调解员")
    given = data.model_dump(mode="json", include=data.model_fields_set)
    for key in ("name", "org_code", "specialties", "part_time", "active"):
        if key in given and given[key] is None:
            raise PayloadInvalid(key, f"{key}：不能为空")
    with write_transaction(session):
        m = get_mediator(session, code=code)
        before = _snapshot(m)
        action = "update"
        if "org_code" in given and given["org_code"] != m.org_code:
            _mediation_body(session, given["org_code"])
            _refuse_while_open(session, m, "调往其他组织", "org_code")
            linked = session.exec(select(User.username).where(User.mediator_code == code)).first()
            if linked is not None:
                raise Conflict(
                    f"账号 {linked} 关联此调解员并属于原组织：请先在用户管理中调整该账号的组织", field="org_code"
                )
            action = "move"
        if given.get("active") is False and m.active:
            _refuse_while_open(session, m, "办理退出", "active")
            action = "retire"
        elif given.get("active") is True and not m.active:
            action = "reinstate"
        for key, value in given.items():
            setattr(m, key, value)
        session.add(m)
        after = _snapshot(m)
        if before != after:
            changelog.record(
                session, actor=actor.name, entity=ENTITY, key=code, action=action, before=before, after=after
            )
    return m
