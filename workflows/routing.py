"""Choosing the competent organization for a case (分流). Issue 3 grows this into rules as data;
for now: the deepest mediation organization whose region contains the case's and which takes its
dispute type."""

from dataclasses import dataclass

from sqlmodel import Session, select

from models.tables import Case, Organization
from workflows.access import in_region

MEDIATION_KINDS = frozenset({
    "people_mediation", "labour_mediation", "medical_mediation", "traffic_mediation",
    "consumer_mediation", "property_mediation", "commercial_mediation",
})
ARBITRATION_KINDS = frozenset({"labour_arbitration", "land_arbitration", "commercial_arbitration"})
LEVEL_DEPTH = {"village": 3, "town": 2, "county": 1, "city": 0}


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    org_code: str | None
    rule: str
    reason: str
    candidates: tuple[str, ...] = ()


def choose_organization(session: Session, case: Case) -> RoutingDecision:
    orgs = session.exec(
        select(Organization).where(Organization.kind.in_(sorted(MEDIATION_KINDS)))  # type: ignore[attr-defined]
    ).all()
    fitting = [
        o for o in orgs
        if in_region(case.region, o.region) and case.dispute_type in (o.dispute_types or [])
    ]
    if not fitting:
        return RoutingDecision(None, "none", "辖区内没有受理该类纠纷的调解组织")
    # Closest to the parties first (小事不出村、大事不出镇), then the most specific region.
    fitting.sort(key=lambda o: (-LEVEL_DEPTH.get(o.level, 0), -len(o.region), o.code))
    best = fitting[0]
    return RoutingDecision(
        best.code, "nearest_competent",
        f"{best.name}：辖区 {best.region} 覆盖案件所在地 {case.region}，受理{case.dispute_type}类纠纷，层级最近",
        tuple(o.code for o in fitting),
    )
