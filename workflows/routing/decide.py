"""Choosing the competent organization for a case (分流), its mediator, and the next level up: pure
functions over the `Directory` (directory.py), the rules profile (rules.py) and the open-case counts,
which `decide` gathers inside the caller's transaction; the stage records the explanation."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from models.tables import Party
from states.enums import MEDIATION_KINDS, Channel, DisputeType, Level, PartyKind
from states.labels import DISPUTE_TYPE_LABELS, LEVEL_LABELS, ROUTING_FACT_LABELS, STATIONING_LABELS
from workflows.access import region_prefix
from workflows.routing.assign import choose_mediator, is_duty_day, next_duty_day
from workflows.routing.directory import Directory, OrgInfo, load_directory, open_counts
from workflows.routing.rules import Rule, RuleCondition, RuleSet

MAX_EXPLAINED = 40  # entries of an explanation kept in the audit event


def _type_label(t: str) -> str:
    try:
        return DISPUTE_TYPE_LABELS[DisputeType(t)]
    except ValueError:
        return t


# --- facts and decisions -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Facts:
    """What routing may know about a case."""

    dispute_type: str
    channel: str
    region: str
    parties: int
    claim_amount: Decimal | None = None
    referral_court: str | None = None
    passed: frozenset[str] = frozenset()  # organizations that have passed the case on
    # The yes/no facts rules may test (`when: facts:`, ROUTING_FACT_LABELS).
    all_persons: bool = False  # every party is a natural person
    commercial_mediation_chosen: bool = False
    land_requisition: bool = False
    domestic_violence: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    org_code: str | None
    rule: str
    reason: str
    basis: str = ""
    explanation: dict[str, Any] = field(default_factory=dict)


def _condition_failure(c: RuleCondition, f: Facts) -> str | None:
    """None when the condition holds, else why not (Chinese, for staff)."""
    if c.dispute_types is not None and f.dispute_type not in c.dispute_types:
        return f"纠纷类型不符（本规则适用于：{'、'.join(_type_label(t) for t in sorted(c.dispute_types))}）"
    if c.channels is not None and f.channel not in c.channels:
        return f"来源渠道不符（本规则适用于：{'、'.join(sorted(c.channels))}）"
    if c.regions is not None and not any(f.region.startswith(p) for p in c.regions):
        return "案件所在地不在本规则适用区域内"
    if c.min_parties is not None and f.parties < c.min_parties:
        return f"当事人{f.parties}人，未达{c.min_parties}人"
    if c.claim_above is not None and (f.claim_amount is None or f.claim_amount <= c.claim_above):
        shown = "未登记标的额" if f.claim_amount is None else f"标的额{f.claim_amount:.2f}元"
        return f"{shown}，未超过{c.claim_above:.2f}元"
    for name, want in c.facts:
        if bool(getattr(f, name)) is not want:
            return f"{'不是' if want else '属于'}“{ROUTING_FACT_LABELS[name]}”的情形"
    if c.any_of:
        fails = [_condition_failure(x, f) for x in c.any_of]
        if all(fails):
            return "以下条件均不满足：" + "；".join(x for x in fails if x)
    return None


def _rank(order: Sequence[str] | None, value: str, default: Sequence[str]) -> int:
    seq = order if order is not None else default
    try:
        return seq.index(value)
    except ValueError:
        return len(seq)


_NEAREST_FIRST: tuple[str, ...] = tuple(Level)


def _candidate_failure(rule: Rule, o: OrgInfo, f: Facts, load: Mapping[str, int]) -> str | None:
    t = rule.target
    if t.levels is not None and o.level not in t.levels:
        return f"层级不符（本规则要求：{'、'.join(LEVEL_LABELS[x] for x in t.levels)}）"
    if t.invited_by_referring_court and f.referral_court not in o.invited_by:
        return "不是委派法院的特邀调解组织"
    if f.dispute_type not in o.dispute_types:
        return f"不受理{_type_label(f.dispute_type)}"
    if o.code in f.passed:
        return "曾退回或上报本案，不再分回（不来回推诿）"
    if o.capacity is not None and load.get(o.code, 0) >= o.capacity:
        return f"已满负荷（在办{load.get(o.code, 0)}件，上限{o.capacity}件）"
    return None


def route(facts: Facts, directory: Directory, rules: RuleSet, load: Mapping[str, int]) -> Decision:
    """The first rule that applies and finds an organization decides; the rest is explanation."""
    considered: list[dict[str, Any]] = []
    candidates: list[dict[str, Any]] = []
    positions = rules.by_type.get(facts.dispute_type, range(len(rules.rules)))
    covering: list[OrgInfo] | None = None
    skipped = len(rules.rules) - len(positions)
    for pos in positions:
        rule = rules.rules[pos]
        why = _condition_failure(rule.when, facts)
        if why is not None:
            skipped += 1
            if len(considered) < MAX_EXPLAINED:
                considered.append({"rule": rule.id, "outcome": "not_applicable", "why": why})
            continue
        t = rule.target
        if t.invited_by_referring_court:
            if not facts.referral_court:
                considered.append(
                    {"rule": rule.id, "outcome": "no_candidate", "why": "未载明委派法院（referral.court_code）"}
                )
                continue
            pool = directory.invited.get(facts.referral_court, [])
            if t.area == "case":
                pool = [o for o in pool if facts.region.startswith(region_prefix(o.region))]
        elif t.area == "case":
            if covering is None:
                covering = directory.covering(facts.region)
            pool = covering
        else:
            pool = [o for o in directory.by_code.values() if o.kind in MEDIATION_KINDS]
        if t.kinds is not None:
            pool = [o for o in pool if o.kind in t.kinds]
        fit: list[OrgInfo] = []
        for o in pool:
            failure = _candidate_failure(rule, o, facts, load)
            if failure is None:
                fit.append(o)
            elif len(candidates) < MAX_EXPLAINED:
                candidates.append(_cand(o, rule, load, failure))
        if not fit:
            considered.append(
                {
                    "rule": rule.id,
                    "outcome": "no_candidate",
                    "why": "本规则范围内没有可接收的调解组织" if pool else "本规则范围内没有调解组织",
                }
            )
            if rule.otherwise is not None:  # the rule's own fallback: never a later rule's organization
                return _stop(rules, rule, considered, skipped, candidates)
            continue
        fit.sort(
            key=lambda o: (
                _rank(t.kinds, o.kind, ()),
                _rank(t.levels, o.level, _NEAREST_FIRST),
                load.get(o.code, 0),
                o.code,
            )
        )
        best = fit[0]
        for o in fit[1:]:
            if len(candidates) < MAX_EXPLAINED:
                candidates.append(
                    _cand(o, rule, load, f"排序在后：优先选择{best.name}（类型、层级优先，其次在办案件较少）")
                )
        candidates.insert(0, _cand(best, rule, load, None))
        considered.append({"rule": rule.id, "outcome": "chosen"})
        reason = (
            f"{rule.reason}：{best.name}（{LEVEL_LABELS.get(best.level, best.level)}，"
            f"{STATIONING_LABELS.get(best.stationing, best.stationing)}，在办{load.get(best.code, 0)}件"
            + (f"/上限{best.capacity}件" if best.capacity is not None else "")
            + "）"
        )
        return Decision(
            best.code,
            rule.id,
            reason,
            rule.basis,
            {
                "profile": rules.label,
                "profile_sha256": rules.sha256,
                "rule": rule.id,
                "reason": reason,
                "rule_reason": rule.reason,  # without the organization's load: what a party may read
                "basis": rule.basis,
                "org_code": best.code,
                "rules": considered,
                "rules_not_applicable": skipped,
                "candidates": candidates,
            },
        )
    reason = "按分流规则，辖区内没有可接收该类纠纷的调解组织"
    return Decision(
        None,
        "none",
        reason,
        "",
        {
            "profile": rules.label,
            "profile_sha256": rules.sha256,
            "rule": "none",
            "reason": reason,
            "org_code": None,
            "rules": considered,
            "rules_not_applicable": skipped,
            "candidates": candidates,
        },
    )


def _stop(
    rules: RuleSet, rule: Rule, considered: list[dict[str, Any]], skipped: int, candidates: list[dict[str, Any]]
) -> Decision:
    """A rule with `otherwise` applied and found nobody: routing stops with its fallback."""
    assert rule.otherwise is not None
    considered.append({"rule": rule.id, "outcome": "fallback"})
    reason, basis = rule.otherwise.reason, rule.otherwise.basis
    return Decision(
        None,
        rule.id,
        reason,
        basis,
        {
            "profile": rules.label,
            "profile_sha256": rules.sha256,
            "rule": rule.id,
            "reason": reason,
            "basis": basis,
            "org_code": None,
            "fallback": True,
            "rules": considered,
            "rules_not_applicable": skipped,
            "candidates": candidates,
        },
    )


def _cand(o: OrgInfo, rule: Rule, load: Mapping[str, int], passed_over: str | None) -> dict[str, Any]:
    return {
        "org_code": o.code,
        "name": o.name,
        "kind": o.kind,
        "level": o.level,
        "rule": rule.id,
        "open_cases": load.get(o.code, 0),
        "capacity": o.capacity,
        "passed_over": passed_over,
    }


# --- escalation --------------------------------------------------------------------------------------


def next_level(
    current: str | None, f: Facts, directory: Directory, load: Mapping[str, int]
) -> tuple[OrgInfo | None, list[dict[str, Any]]]:
    """The first organization up the parent chain from `current` that can take the case:
    a mediation organization taking its dispute type, under capacity, that has not passed it on."""
    passed_over: list[dict[str, Any]] = []
    seen = {current}
    org = directory.by_code.get(current or "")
    code = org.parent_code if org else None
    while code and code not in seen:
        seen.add(code)
        parent = directory.by_code.get(code)
        if parent is None:
            break
        why = None
        if parent.kind not in MEDIATION_KINDS:
            why = "不是调解组织"
        elif f.dispute_type not in parent.dispute_types:
            why = f"不受理{_type_label(f.dispute_type)}"
        elif parent.code in f.passed:
            why = "曾退回或上报本案，不再分回（不来回推诿）"
        elif parent.capacity is not None and load.get(parent.code, 0) >= parent.capacity:
            why = f"已满负荷（在办{load.get(parent.code, 0)}件，上限{parent.capacity}件）"
        if why is None:
            return parent, passed_over
        passed_over.append({"org_code": parent.code, "name": parent.name, "passed_over": why})
        code = parent.parent_code
    return None, passed_over


def parent_chain(current: str | None, directory: Directory) -> list[str]:
    out: list[str] = []
    org = directory.by_code.get(current or "")
    code = org.parent_code if org else None
    while code and code not in out and code != current:
        out.append(code)
        parent = directory.by_code.get(code)
        code = parent.parent_code if parent else None
    return out


# --- against the database (read-only, inside the caller's transaction) -------------------------------------


def facts_of(session: Session, case: Any) -> Facts:
    kinds = session.exec(select(Party.kind).where(Party.case_id == case.id)).all()
    referral = case.referral or {}
    return Facts(
        dispute_type=case.dispute_type,
        channel=case.channel,
        region=case.region,
        parties=len(kinds),
        claim_amount=Decimal(case.claim_amount) if case.claim_amount is not None else None,
        referral_court=referral.get("court_code") if case.channel == Channel.COURT_REFERRAL else None,
        passed=frozenset(case.passed_org_codes or ()),
        all_persons=bool(kinds) and all(k == PartyKind.PERSON for k in kinds),
        commercial_mediation_chosen=bool(getattr(case, "commercial_mediation_chosen", False)),
        land_requisition=bool(getattr(case, "land_requisition", False)),
        domestic_violence=bool(getattr(case, "domestic_violence", False)),
    )


def decide(session: Session, case: Any, rules: RuleSet, *, exclude_self: bool = False) -> Decision:
    """Route one case against the database as it is now (inside the caller's transaction)."""
    directory = load_directory(session)
    facts = facts_of(session, case)
    relevant = directory.relevant(facts.region, facts.referral_court)
    load = open_counts(
        session, (o.code for o in relevant), rules.settings.open_states, exclude_case=case.id if exclude_self else None
    )
    return route(facts, directory, rules, load)


__all__ = [
    "MEDIATION_KINDS",
    "Decision",
    "Directory",
    "Facts",
    "OrgInfo",
    "choose_mediator",
    "decide",
    "facts_of",
    "is_duty_day",
    "load_directory",
    "next_duty_day",
    "next_level",
    "open_counts",
    "parent_chain",
    "route",
]
