"""Judicial confirmation: which courts may confirm an agreement, and the pre-screen of its content
(民事诉讼法 第205条; 民诉法解释 第355条、第358条). Rules as data; the guards in states/guards.py decide.

Where a case is connected to a place (region codes, GB/T 2260):
- a party's domicile: the first 6 digits of a person's 居民身份证号 (the area code of issue — a
  simplification: the domicile is not modelled separately; an organization's domicile is not known);
- the subject matter: the case's `region` (where the dispute arose);
- the mediation organization: its `region`.

A basic court (court_level basic) covers the county its region names (first 6 digits); an intermediate
court (court_level intermediate) covers the city (first 4 digits). A court referral goes back to the
inviting court alone (case.referral.court_code). A dispute goes to the intermediate court when a
rule below puts it there (the claim amount thresholds of the SPC's 2021 notice on intermediate courts'
first-instance civil jurisdiction; configurable data, not a complete statement of the law).
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from models.tables import Organization, Party
from states.enums import Channel, CourtLevel, OrgKind
from states.labels import OBLIGATION_FIELD_LABELS

COUNTY_DIGITS = 6
CITY_DIGITS = 4


@dataclass(frozen=True, slots=True)
class IntermediateRule:
    """A dispute belongs to the intermediate court when its claim amount reaches `min_claim` yuan."""

    min_claim: Decimal
    basis: str


INTERMEDIATE_RULES: tuple[IntermediateRule, ...] = (
    IntermediateRule(
        Decimal("500000000"),
        "最高人民法院关于调整中级人民法院管辖第一审民事案件标准的通知（法发〔2021〕27号）：诉讼标的额5亿元以上",
    ),
)


def _digits(code: str | None, n: int) -> str | None:
    return code[:n] if code and len(code) >= n and code[:n].isdigit() else None


def connecting_regions(session: Session, case: Any) -> dict[str, list[str]]:
    """The region codes the case is connected to, by ground (for the explanation)."""
    parties = session.exec(select(Party).where(Party.case_id == case.id).order_by(col(Party.position))).all()
    domiciles = sorted({p.id_number[:COUNTY_DIGITS] for p in parties if p.id_number and len(p.id_number) >= 6})
    org = (
        session.exec(select(Organization).where(Organization.code == case.org_code)).first() if case.org_code else None
    )
    return {
        "domicile": domiciles,
        "subject_matter": [case.region] if case.region else [],
        "mediation_organization": [org.region] if org and org.region else [],
    }


def intermediate(case: Any) -> IntermediateRule | None:
    amount = case.claim_amount
    if amount is None:
        return None
    for rule in INTERMEDIATE_RULES:
        if Decimal(str(amount)) >= rule.min_claim:
            return rule
    return None


def competent_courts(session: Session, case: Any) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """[(code, name), …] of the courts competent to confirm this case's agreement, and why."""
    referral = case.referral or {}
    if case.channel == Channel.COURT_REFERRAL and referral.get("court_code"):
        code = referral["court_code"]
        court = session.exec(select(Organization).where(Organization.code == code)).first()
        return [(code, court.name if court else code)], {"ground": "inviting_court", "court_code": code}
    regions = connecting_regions(session, case)
    rule = intermediate(case)
    level, digits = (CourtLevel.INTERMEDIATE, CITY_DIGITS) if rule else (CourtLevel.BASIC, COUNTY_DIGITS)
    wanted = {d for codes in regions.values() for c in codes if (d := _digits(c, digits))}
    courts = session.exec(
        select(Organization).where(Organization.kind == OrgKind.COURT).order_by(Organization.code)
    ).all()
    right = [
        (c.code, c.name)
        for c in courts
        if (c.court_level or CourtLevel.BASIC) == level and _digits(c.region, digits) in wanted
    ]
    why: dict[str, Any] = {"ground": "regions", "court_level": level.value, "regions": regions}
    if rule:
        why["intermediate_basis"] = rule.basis
    return right, why


# --- pre-screen of the agreement (民诉法解释 第355条、第358条) -------------------------------------------

OWNERSHIP_WORDING = re.compile(r"确权|确认.{0,30}(所有权|物权|使用权|知识产权|专利权|著作权|商标权)")
PAYMENT_WORDING = re.compile(r"支付|赔偿|给付|偿还|付款|补偿|退还|返还.{0,6}款|工资|费用")


def ownership_confirmation(agreement: dict[str, Any] | None) -> bool:
    """The agreement is flagged as 确权, or an obligation is worded as confirming ownership."""
    agreement = agreement or {}
    if agreement.get("ownership_confirmation"):
        return True
    return any(OWNERSHIP_WORDING.search(o.get("description") or "") for o in agreement.get("obligations") or [])


def warnings(agreement: dict[str, Any] | None) -> list[dict[str, Any]]:
    """What a court may find unclear (民诉法解释 第358条第5项 内容不明确): a payment obligation without an
    amount or a due date. Recorded in the package and the event; not a refusal."""
    out = []
    for i, o in enumerate((agreement or {}).get("obligations") or []):
        if not PAYMENT_WORDING.search(o.get("description") or ""):
            continue
        missing = [f for f in ("amount", "due_date") if not o.get(f)]
        if missing:
            out.append(
                {
                    "obligation": i,
                    "missing": missing,
                    "message": f"第{i + 1}项给付义务未载明{'、'.join(OBLIGATION_FIELD_LABELS[f] for f in missing)}，"
                    "可能因内容不明确被驳回（民诉法解释 第358条第5项）",
                }
            )
    return out
