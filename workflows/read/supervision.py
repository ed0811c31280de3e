"""Supervision (督办): which cases are late or about to be, by organization, and by how much.

A clock is listed as
- overdue: pending with due_at passed (the sweep has not reached it yet), or fired and still the
  latest clock of its kind on a case that is still in that clock's stage (a court past its 30 days, a
  diversion no level accepted, an arbitration award not reported, a follow-up not made, an agreement
  whose confirmation window lapsed);
- soon due: pending and due within `within_days`.
Scoped like case lists (a supervisor sees the cases of its centre's region; an admin all).
"""

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

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
    d, c = Deadline, Case
    later = Deadline.__table__.alias("later")  # type: ignore[attr-defined]
    newer = sa.exists().where(later.c.case_id == d.case_id, later.c.kind == d.kind, later.c.created_at > d.created_at)
    in_stage = sa.or_(*[sa.and_(col(d.kind) == kind, col(c.state) == state) for kind, state in STAGE.items()])
    where = [
        visible_clause(actor),
        sa.or_(
            sa.and_(col(d.status) == "pending", col(d.due_at) <= horizon),
            sa.and_(col(d.status) == "fired", in_stage, ~newer),
        ),
    ]
    if org_code is not None:
        where.append(col(c.org_code) == org_code)
    rows = session.exec(
        select(d, c).join(c, col(c.id) == d.case_id).where(*where).order_by(col(d.due_at), col(d.id)).limit(limit)
    ).all()

    groups: dict[str | None, list[OverdueCasePublic]] = defaultdict(list)
    for dl, case in rows:
        late = (now - dl.due_at).total_seconds()
        status: Literal["overdue", "soon_due"] = "overdue" if late >= 0 else "soon_due"
        groups[case.org_code].append(
            OverdueCasePublic(
                case_id=case.id,
                case_no=case.case_no,
                state=case.state,
                dispute_type=case.dispute_type,
                deadline_id=dl.id,
                kind=dl.kind,
                label=DEADLINE_KIND_LABELS.get(dl.kind, dl.kind),
                due_at=dl.due_at,
                basis=dl.basis,
                provisional=dl.provisional,
                deadline_status=dl.status,
                status=status,
                late_seconds=int(late),
                late_days=math.ceil(late / 86400) if late > 0 else 0,
            )
        )
    codes = [k for k in groups if k]
    names = (
        dict(session.exec(select(Organization.code, Organization.name).where(col(Organization.code).in_(codes))).all())
        if codes
        else {}
    )
    data = [
        OrganizationOverduePublic(
            org_code=code,
            org_name=names.get(code) if code else None,
            overdue=sum(x.status == "overdue" for x in items),
            soon_due=sum(x.status == "soon_due" for x in items),
            max_late_days=max(x.late_days for x in items),
            cases=items,
        )
        for code, items in groups.items()
    ]
    # The latest organization first; then by code.
    data.sort(key=lambda g: (-g.max_late_days, -g.overdue, g.org_code or ""))
    return SupervisionPublic(as_of=now, within_days=within_days, data=data, count=len(rows))
