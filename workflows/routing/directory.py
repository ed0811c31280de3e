"""What routing knows of organizations and mediators: an in-memory `Directory` of organizations,
indexed by the area they serve and the court that invited them, and the reads from the database that
feed the decisions (read-only, inside the caller's transaction).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from models.stamps import cached
from models.tables import Case, Mediator, Organization
from states.enums import MEDIATION_KINDS, OrgKind
from workflows.access import region_prefix

# --- the directory ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrgInfo:
    code: str
    name: str
    kind: str
    level: str
    region: str
    parent_code: str | None
    dispute_types: frozenset[str]
    stationing: str
    duty_days: tuple[str, ...]
    capacity: int | None
    invited_by: frozenset[str]

    @classmethod
    def of(cls, o: Any) -> "OrgInfo":
        return cls(
            o.code,
            o.name,
            o.kind,
            o.level,
            o.region,
            o.parent_code,
            frozenset(o.dispute_types or ()),
            o.stationing,
            tuple(o.duty_days or ()),
            o.capacity,
            frozenset(getattr(o, "invited_by", None) or ()),
        )


class Directory:
    """Organizations indexed for routing: by code, by the area they serve, by inviting court."""

    __slots__ = ("by_code", "by_prefix", "invited")

    def __init__(self, orgs: Iterable[OrgInfo]) -> None:
        self.by_code: dict[str, OrgInfo] = {}
        self.by_prefix: dict[str, list[OrgInfo]] = {}
        self.invited: dict[str, list[OrgInfo]] = {}
        for o in orgs:
            self.by_code[o.code] = o
            if o.kind not in MEDIATION_KINDS:
                continue
            self.by_prefix.setdefault(region_prefix(o.region), []).append(o)
            for court in o.invited_by:
                self.invited.setdefault(court, []).append(o)

    def covering(self, region: str) -> list[OrgInfo]:
        """Mediation organizations whose area contains `region`, widest area first."""
        out: list[OrgInfo] = []
        for n in (2, 4, 6, 9, 12):
            if n <= len(region):
                out.extend(self.by_prefix.get(region[:n], ()))
        return out

    def relevant(self, region: str, referral_court: str | None = None) -> list[OrgInfo]:
        """Every organization a decision for a case in `region` (referred by `referral_court`) may
        look at (for the open-case counts)."""
        out = self.covering(region)
        if referral_court:
            out = out + [o for o in self.invited.get(referral_court, ()) if o not in out]
        return out


@dataclass(frozen=True, slots=True)
class MediatorInfo:
    code: str
    name: str
    specialties: frozenset[str]
    part_time: bool
    capacity: int | None

    @classmethod
    def of(cls, m: Any) -> "MediatorInfo":
        return cls(m.code, m.name, frozenset(m.specialties or ()), bool(m.part_time), m.capacity)


# --- from the database -----------------------------------------------------------------------------------

ORGS = Organization.__table__  # type: ignore[attr-defined]


class Orgs:
    """Every organization as of one stamp of the table (models/stamps.py), shared by the transactions
    of this process: `Organization` objects in no session, to be read and never changed or added."""

    __slots__ = ("by_code", "courts")

    def __init__(self, orgs: Iterable[Organization]) -> None:
        self.by_code: dict[str, Organization] = {o.code: o for o in orgs}
        self.courts: tuple[Organization, ...] = tuple(
            sorted((o for o in self.by_code.values() if o.kind == OrgKind.COURT), key=lambda o: o.code)
        )

    def get(self, code: str | None) -> Organization | None:
        return self.by_code.get(code) if code else None


def _load_orgs(conn: Connection) -> Orgs:
    return Orgs(Organization(**m) for m in conn.execute(sa.select(ORGS)).mappings().all())


def organizations(conn: Connection) -> Orgs:
    """All organizations as this transaction sees them, from this process's cache while the table's stamp
    is unchanged (one small read per call: the stamp)."""
    return cached(conn, "organizations", _load_orgs)


def _load_directory(conn: Connection) -> Directory:
    return Directory(OrgInfo.of(_Row(m)) for m in conn.execute(sa.select(ORGS)).mappings().all())


def load_directory(session: Session) -> Directory:
    """All organizations indexed for routing, cached per database until one is added, changed or removed."""
    return cached(session.connection(), "organizations", _load_directory)


class _Row:
    __slots__ = ("_m",)

    def __init__(self, m: sa.RowMapping) -> None:
        self._m = m

    def __getattr__(self, name: str) -> Any:
        return self._m[name]


def open_counts(
    session: Session,
    codes: Iterable[str],
    open_states: Sequence[str],
    *,
    column: str = "org_code",
    exclude_case: Any = None,
) -> dict[str, int]:
    codes = sorted(set(codes))
    if not codes:
        return {}
    code_col = col(Case.org_code) if column == "org_code" else col(Case.mediator_code)
    q = (
        select(code_col, sa.func.count())
        .where(code_col.in_(codes), col(Case.state).in_(list(open_states)))
        .group_by(code_col)
    )
    if exclude_case is not None:
        q = q.where(Case.id != exclude_case)
    # `IN (codes)` never matches NULL: every code is a str.
    return {code: int(n) for code, n in session.exec(q).all() if code is not None}


def mediators_of(session: Session, org_code: str) -> list[MediatorInfo]:
    """The organization's mediators still serving (a retired one is offered no new case)."""
    rows = session.exec(
        select(Mediator).where(Mediator.org_code == org_code, col(Mediator.active)).order_by(Mediator.code)
    ).all()
    return [MediatorInfo.of(m) for m in rows]
