"""Supervision (督办): which cases are late or about to be, by organization, and by how much.

A clock is listed as
- overdue: pending with due_at passed (the sweep has not reached it yet), or fired and still the
  latest clock of its kind on a case that is still in that clock's stage (a court past its 30 days, a
  diversion no level accepted, an arbitration award not reported, a follow-up not made, an agreement
  whose confirmation window lapsed);
- soon due: pending and due within `within_days`.
Scoped like case lists (a supervisor sees the cases of its centre's region; an admin all). Each
organization's counts and its latest clock are counted by the database over every clock that matches
(one GROUP BY), also when `limit` cuts the list of clocks short; `count` is the number listed.
"""

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from models.supervision_schemas import OrganizationOverduePublic, OverdueCasePublic, SupervisionPublic
from models.tables import Case, Deadline, Organization
from states.enums import Role
from states.labels import DEADLINE_KIND_LABELS
from workflows.access import Actor, visible_clause
from workflows.errors import Forbidden, NotVisible

STAGE = {
    "diversion_acceptance": "diversion",
    "mediation": "mediation",
    "confirmation_window": "agreement",
    "court_decision": "judicial_confirmation",
    "arbitration_acceptance": "arbitration",
    "arbitration_award": "arbitration",
    "followup": "closed",
}
"""The state a clock belongs to: a fired clock stays overdue while its case is still there."""

SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)
CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
DEADLINES: sa.Table = Deadline.__table__  # type: ignore[attr-defined]
ORGANIZATIONS: sa.Table = Organization.__table__  # type: ignore[attr-defined]
LISTED = [
    *(DEADLINES.c[k] for k in ("id", "kind", "due_at", "basis", "provisional", "status")),
    *(CASES.c[k] for k in ("org_code", "case_no", "state", "dispute_type")),
    DEADLINES.c.case_id,
]


def overdue(
    session: Session,
    actor: Actor,
    *,
    now: datetime | None = None,
    within_days: int = 3,
    org_code: str | None = None,
    limit: int = 500,
) -> SupervisionPublic:
    if actor.role not in SUPERVISORS:
        raise Forbidden("只有督办人员（supervisor）或管理员（admin）可以查看超期督办清单")
    now = now or datetime.now(UTC)
    if (
        org_code is not None
        and session.exec(select(Organization.id).where(Organization.code == org_code)).first() is None
    ):
        raise NotVisible(f"组织 {org_code} 不存在")
    horizon = now + timedelta(days=within_days)
    where = late_clauses(actor, now=now, horizon=horizon, org_code=org_code)
    d, c, o = DEADLINES, CASES, ORGANIZATIONS
    is_late = sa.case((d.c.due_at <= now, 1), else_=0)
    totals = session.connection().execute(
        sa.select(
            c.c.org_code, sa.func.sum(is_late), sa.func.sum(1 - is_late), sa.func.min(d.c.due_at), sa.func.min(o.c.name)
        )
        .select_from(d.join(c, c.c.id == d.c.case_id).outerjoin(o, o.c.code == c.c.org_code))
        .where(*where)
        .group_by(c.c.org_code)
    )
    rows = session.connection().execute(
        sa.select(*LISTED)
        .select_from(d.join(c, c.c.id == d.c.case_id))
        .where(*where)
        .order_by(d.c.due_at, d.c.id)
        .limit(limit)
    )
    groups: dict[str | None, list[OverdueCasePublic]] = defaultdict(list)
    for r in rows:
        late = (now - r.due_at).total_seconds()
        groups[r.org_code].append(
            OverdueCasePublic(
                case_id=r.case_id,
                case_no=r.case_no,
                state=r.state,
                dispute_type=r.dispute_type,
                deadline_id=r.id,
                kind=r.kind,
                label=DEADLINE_KIND_LABELS.get(r.kind, r.kind),
                due_at=r.due_at,
                basis=r.basis,
                provisional=r.provisional,
                deadline_status=r.status,
                status="overdue" if late >= 0 else "soon_due",
                late_seconds=int(late),
                late_days=_late_days(late),
            )
        )
    data = [
        OrganizationOverduePublic(
            org_code=code,
            org_name=name,
            overdue=n_late,
            soon_due=n_soon,
            max_late_days=_late_days((now - earliest).total_seconds()),
            cases=groups.get(code, []),
        )
        for code, n_late, n_soon, earliest, name in totals
    ]
    # The latest organization first; then by code.
    data.sort(key=lambda g: (-g.max_late_days, -g.overdue, g.org_code or ""))
    return SupervisionPublic(as_of=now, within_days=within_days, data=data, count=sum(map(len, groups.values())))


def late_clauses(actor: Actor, *, now: datetime, horizon: datetime, org_code: str | None) -> list[ColumnElement[bool]]:
    """The clocks the board lists, on the cases `actor` may see (deadlines joined to cases)."""
    d, c = DEADLINES, CASES
    later = d.alias("later")
    newer = sa.exists().where(
        later.c.case_id == d.c.case_id, later.c.kind == d.c.kind, later.c.created_at > d.c.created_at
    )
    in_stage = sa.or_(*[sa.and_(d.c.kind == kind, c.c.state == state) for kind, state in STAGE.items()])
    where = [
        visible_clause(actor),
        sa.or_(
            sa.and_(d.c.status == "pending", d.c.due_at <= horizon),
            sa.and_(d.c.status == "fired", in_stage, ~newer),
        ),
    ]
    if org_code is not None:
        where.append(c.c.org_code == org_code)
    return where


def _late_days(late_seconds: float) -> int:
    """Whole days late, a started day counting; 0 while not yet due."""
    return math.ceil(late_seconds / 86400) if late_seconds > 0 else 0
