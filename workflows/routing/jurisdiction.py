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
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection

from models.rows import PartyRow, read_parties
from models.tables import Organization, Party
from states.enums import Channel, CourtLevel, DisputeType, OrgKind
from states.labels import OBLIGATION_FIELD_LABELS
from workflows.routing.directory import Orgs, organizations

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


def connecting_regions(
    conn: Connection,
    case: Any,
    *,
    parties: Sequence[Party | PartyRow] | None = None,
    org: Organization | None = None,
) -> dict[str, list[str]]:
    """The region codes the case is connected to, by ground (for the explanation). `parties` and `org` (the
    case's organization): when the caller has them already."""
    if parties is None:
        parties = read_parties(conn, case.id)
    domiciles = sorted({p.id_number[:COUNTY_DIGITS] for p in parties if p.id_number and len(p.id_number) >= 6})
    if org is None and case.org_code:
        org = organizations(conn).get(case.org_code)
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


def competent_courts(
    conn: Connection,
    case: Any,
    *,
    parties: Sequence[Party | PartyRow] | None = None,
    org: Organization | None = None,
    orgs: Orgs | None = None,
) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """[(code, name), …] of the courts competent to confirm this case's agreement, and why. `orgs`: the
    organizations when the caller has them already."""
    orgs = organizations(conn) if orgs is None else orgs
    referral = case.referral or {}
    if case.channel == Channel.COURT_REFERRAL and referral.get("court_code"):
        code = referral["court_code"]
        court = orgs.get(code)
        return [(code, court.name if court else code)], {"ground": "inviting_court", "court_code": code}
    regions = connecting_regions(conn, case, parties=parties, org=org)
    rule = intermediate(case)
    level, digits = (CourtLevel.INTERMEDIATE, CITY_DIGITS) if rule else (CourtLevel.BASIC, COUNTY_DIGITS)
    wanted = {d for codes in regions.values() for c in codes if (d := _digits(c, digits))}
    right = [
        (c.code, c.name)
        for c in orgs.courts
        if (c.court_level or CourtLevel.BASIC) == level and _digits(c.region, digits) in wanted
    ]
    why: dict[str, Any] = {"ground": "regions", "court_level": level.value, "regions": regions}
    if rule:
        why["intermediate_basis"] = rule.basis
    return right, why


GROUNDS = ("domicile", "subject_matter", "mediation_organization")  # 民事诉讼法 第205条第（二）项, in its order


def grounds(court: Organization, why: dict[str, Any]) -> list[str]:
    """Which grounds of `why` (competent_courts' explanation) make `court` competent: the inviting court,
    or those of a party's domicile, the subject matter and the mediation organization whose area the
    court covers (by county, or by city for an intermediate court). Empty: the court is not competent."""
    if why.get("ground") == "inviting_court":
        return ["inviting_court"] if why.get("court_code") == court.code else []
    digits = CITY_DIGITS if why.get("court_level") == CourtLevel.INTERMEDIATE else COUNTY_DIGITS
    mine = _digits(court.region, digits)
    regions = why.get("regions") or {}
    return [g for g in GROUNDS if mine and any(_digits(c, digits) == mine for c in regions.get(g, ()))]


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


# 劳动争议解释(一) 第52条: a labour agreement reached before a people's mediation committee on payment
# obligations alone may be confirmed. The guard `labour_confirmation_scope` (states/guards.py) refuses any
# other; what passes it and still reads as outside the rule (a payment obligation worded otherwise) is
# flagged here for the court (民诉法解释 第355条第1款第1项 is the court's to apply).
LABOUR_CONFIRMATION_BASIS = (
    "劳动争议解释(一) 第52条（在人民调解委员会主持下仅就给付义务达成的调解协议，可以申请司法确认）"
)
NOT_PEOPLES_MEDIATION_COMMITTEES = frozenset({OrgKind.LABOUR_MEDIATION, OrgKind.COMMERCIAL_MEDIATION})


def labour_warnings(conn: Connection, case: Any, *, org: Organization | None = None) -> list[dict[str, Any]]:
    """What may put a labour agreement outside 第52条: a mediation body that is not a people's mediation
    committee, or an obligation that is not a payment (no amount, not worded as one)."""
    if case.dispute_type != DisputeType.LABOUR:
        return []
    out: list[dict[str, Any]] = []
    if org is None and case.org_code:
        org = organizations(conn).get(case.org_code)
    if org is not None and org.kind in NOT_PEOPLES_MEDIATION_COMMITTEES:
        out.append(
            {
                "rule": "labour_confirmation",
                "message": f"本协议由{org.name}主持达成，不是人民调解委员会，可能不属于司法确认的受理范围（{LABOUR_CONFIRMATION_BASIS}）",
            }
        )
    for i, o in enumerate((case.agreement or {}).get("obligations") or []):
        if not o.get("amount") and not PAYMENT_WORDING.search(o.get("description") or ""):
            out.append(
                {
                    "rule": "labour_confirmation",
                    "obligation": i,
                    "message": f"第{i + 1}项义务不是给付义务，可能不属于司法确认的受理范围（{LABOUR_CONFIRMATION_BASIS}）",
                }
            )
    return out
