"""Choosing the competent organization for a case (分流), its mediator, and the next level up: pure
functions over the `Directory` (directory.py), the rules profile (rules.py) and the open-case counts,
which `decide` gathers inside the caller's transaction; the stage records the explanation."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from models.tables import Party
from states.enums import MEDIATION_KINDS, Channel, DisputeType, Level, Weekday
from states.labels import DISPUTE_TYPE_LABELS, LEVEL_LABELS, STATIONING_LABELS
from workflows.access import region_prefix
from workflows.routing.directory import Directory, MediatorInfo, OrgInfo, load_directory, open_counts
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


# --- stationing ----------------------------------------------------------------------------------------


def is_duty_day(day: date, duty_days: Sequence[str]) -> bool:
    """A rotating organization sits at the centre on its duty weekdays, except public holidays."""
    if Weekday.of(day) not in duty_days:
        return False
    if day.weekday() >= 5:
        return True  # a weekend duty day is one by the organization's own choice
    from workflows.clocks.calendar import DEFAULT_CALENDAR

    working = DEFAULT_CALENDAR.is_working_day(day)
    return bool(working[0] if isinstance(working, tuple) else working)


def next_duty_day(today: date, duty_days: Sequence[str]) -> date | None:
    """`today` when it is a duty day, else the next one (None without duty days)."""
    if not duty_days:
        return None
    for i in range(0, 60):
        day = today + timedelta(days=i)
        if is_duty_day(day, duty_days):
            return day
    return None


# --- mediator choice -------------------------------------------------------------------------------------


def choose_mediator(
    mediators: Sequence[MediatorInfo],
    dispute_type: str,
    load: Mapping[str, int],
    *,
    part_time_capacity: int,
    prefer: str | None = None,
    any_specialty: bool = False,
) -> tuple[MediatorInfo | None, dict[str, Any]]:
    """The mediator with the matching specialty and the fewest open cases; part-time mediators
    never above their capacity (or the profile's default cap). Ties: the accepting mediator, then code."""
    considered: list[dict[str, Any]] = []
    fit: list[MediatorInfo] = []
    for m in mediators:
        n = load.get(m.code, 0)
        cap = (m.capacity or part_time_capacity) if m.part_time else m.capacity
        why = None
        if not any_specialty and dispute_type not in m.specialties:
            why = f"无{_type_label(dispute_type)}专长"
        elif m.part_time and n >= (cap or 0):
            why = f"兼职调解员已达上限（在办{n}件，上限{cap}件）"
        elif cap is not None and n >= cap:
            why = f"已达上限（在办{n}件，上限{cap}件）"
        considered.append(
            {
                "mediator_code": m.code,
                "name": m.name,
                "open_cases": n,
                "capacity": cap,
                "part_time": m.part_time,
                "passed_over": why,
            }
        )
        if why is None:
            fit.append(m)
    if not fit:
        return None, {
            "rule": "none",
            "reason": f"本组织没有可承办{_type_label(dispute_type)}的调解员（专长或容量不符）",
            "considered": considered,
        }
    fit.sort(key=lambda m: (load.get(m.code, 0), m.code != prefer, m.code))
    best = fit[0]
    for c in considered:
        if c["mediator_code"] != best.code and c["passed_over"] is None:
            c["passed_over"] = (
                "在办案件不少于被选调解员" if load.get(c["mediator_code"], 0) >= load.get(best.code, 0) else None
            )
        if c["mediator_code"] == best.code:
            c["chosen"] = True
    reason = (
        f"{best.name}："
        + ("本组织无该类纠纷专长的调解员，按" if any_specialty else f"具有{_type_label(dispute_type)}专长，")
        + f"在办案件最少（{load.get(best.code, 0)}件）"
        + ("，兼职" if best.part_time else "")
    )
    rule = "fewest_open" if any_specialty else "specialty_fewest_open"
    return best, {"rule": rule, "reason": reason, "mediator_code": best.code, "considered": considered[:MAX_EXPLAINED]}


# --- against the database (read-only, inside the caller's transaction) -------------------------------------


def facts_of(session: Session, case: Any) -> Facts:
    parties = session.exec(select(sa.func.count()).select_from(Party).where(Party.case_id == case.id)).one()
    referral = case.referral or {}
    return Facts(
        dispute_type=case.dispute_type,
        channel=case.channel,
        region=case.region,
        parties=int(parties),
        claim_amount=Decimal(case.claim_amount) if case.claim_amount is not None else None,
        referral_court=referral.get("court_code") if case.channel == Channel.COURT_REFERRAL else None,
        passed=frozenset(case.passed_org_codes or ()),
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
    "load_directory",
    "next_duty_day",
    "next_level",
    "open_counts",
    "parent_chain",
    "route",
]
