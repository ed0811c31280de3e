"""Limitation periods (时效, docs/contract.md §4a v2 `limitation`): how long a party has to claim, by dispute
type, as data with its legal basis; opened at intake from `occurred_on`, interrupted by the mediation
request, restarted when mediation ends without agreement. Never fires a transition: at most the sweep
marks an unbroken period expired.

The deadline profiles (workflows.clocks.deadlines) include these rules; this module does not import that
one, so the clock operations below take the case's `Deadlines` as they find it and name profiles by name.

Readings chosen where the law leaves room (never the one that cuts a party's time short):
- the period runs from `occurred_on`, standing in for the day the right-holder knew or should have known of
  the harm (民法典 第188条; 劳动争议调解仲裁法 第27条第1款): a later day of knowledge only lengthens it, so the
  warning says "按纠纷发生日计算" and "可能";
- the request for mediation at intake interrupts a period still running (民法典 第195条; 诉讼时效规定 第12条;
  劳动争议调解仲裁法 第27条第2款), so the row is marked `interrupted` on that day and no period runs while the
  case is mediated; when mediation ends without agreement (`failed`) a new full period runs from that day
  ("从中断、有关程序终结时起…重新计算", 第195条), interrupted again when mediation resumes or the case goes to
  arbitration or court (第195条第3项). After an agreement the agreement's own clocks take over.
- a period that had already run out before intake cannot be interrupted: it is opened expired (`fired`, as
  the sweep would mark it) and the case carries a warning, never a refusal.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from states.enums import DisputeType

KIND = "limitation"
INTERRUPTED = "interrupted"  # a deadline status of its own: the period was broken off, not met or missed

INTERRUPTION_BASIS = (
    "民法典 第195条（权利人提出履行请求、提起诉讼或者申请仲裁，或者有与之具有同等效力的其他情形的，诉讼时效中断，"
    "从中断、有关程序终结时起重新计算）；最高人民法院关于审理民事案件适用诉讼时效制度若干问题的规定 第12条"
    "（向人民调解委员会等提出保护民事权利的请求，从提出请求之日起中断）；劳动争议调解仲裁法 第27条第2款"
)
NOT_BARRED = (
    "请求停止侵害、排除妨碍、消除危险，不动产物权和登记的动产物权的权利人请求返还财产，请求支付抚养费、赡养费或者扶养费的，"
    "不适用诉讼时效（民法典 第196条）"
)


@dataclass(frozen=True, slots=True)
class LimitationRule:
    """One limitation period: its length in years, the dispute types it governs (None: every other type),
    the law, and the words staff read."""

    name: str
    years: int
    basis: str
    label: str
    dispute_types: frozenset[DisputeType] | None = None
    # A period running again after a failed mediation: remind the organization this long before its end.
    reminder_days: int = 30


RULES: tuple[LimitationRule, ...] = (
    LimitationRule(
        "limitation.labour",
        1,
        "劳动争议调解仲裁法 第27条（劳动争议申请仲裁的时效期间为一年，从当事人知道或者应当知道其权利被侵害之日起计算；"
        "因当事人一方向对方当事人主张权利，或者向有关部门请求权利救济，或者对方当事人同意履行义务而中断；"
        "劳动关系存续期间因拖欠劳动报酬发生争议的，不受一年期限限制，劳动关系终止的，应当自劳动关系终止之日起一年内提出）",
        "劳动争议仲裁时效",
        frozenset({DisputeType.LABOUR}),
    ),
    LimitationRule(
        "limitation.land_contract",
        2,
        "农村土地承包经营纠纷调解仲裁法 第18条（农村土地承包经营纠纷申请仲裁的时效期间为二年，"
        "自当事人知道或者应当知道其权利被侵害之日起计算）",
        "土地承包仲裁时效",
        frozenset({DisputeType.LAND_CONTRACT}),
    ),
    LimitationRule(
        "limitation.civil",
        3,
        "民法典 第188条（向人民法院请求保护民事权利的诉讼时效期间为三年，自权利人知道或者应当知道权利受到损害以及义务人之日起计算）；"
        + NOT_BARRED,
        "诉讼时效",
    ),
)
STARTS = "受理登记（自 occurred_on 纠纷发生日起算；受理即调解申请，时效中断；调解不成的，自调解终结之日起重新计算）"


def rule_for(dispute_type: str) -> LimitationRule:
    for rule in RULES:
        if rule.dispute_types is None or dispute_type in rule.dispute_types:
            return rule
    raise LookupError(dispute_type)  # the last rule governs every type: not reached


def open_at_intake(deadlines: Any, occurred_on: date, *, requested_on: date) -> dict[str, Any]:
    """Open the period from `occurred_on`; if it is still running on `requested_on` (the mediation request:
    intake), mark it interrupted that day. Returns the facts for the intake's audit event."""
    rule = rule_for(deadlines.case.dispute_type)
    row = deadlines.open(KIND, start=occurred_on, profile=rule.name)
    if row.last_day >= requested_on:
        _interrupt(row, requested_on, deadlines.now)
    else:  # run out before the request: expired already (what the sweep would mark), never a refusal
        row.status = "fired"
        row.remind_at = None
    return {
        "profile": rule.name,
        "years": rule.years,
        "occurred_on": occurred_on.isoformat(),
        "last_day": row.last_day.isoformat(),
        "interrupted_on": row.interrupted_on.isoformat() if row.interrupted_on else None,
        "basis": rule.basis,
        **({"interruption_basis": INTERRUPTION_BASIS} if row.interrupted_on else {}),
    }


def _interrupt(row: Any, day: date, now: datetime) -> None:
    row.status = INTERRUPTED
    row.interrupted_on = day
    row.remind_at = None
    row.updated_at = now


def interrupt(deadlines: Any, day: date) -> list[Any]:
    """A new request (mediation resumed, arbitration, a suit) interrupts the running period again."""
    rows = [r for r in deadlines.rows if r.kind == KIND and r.status == "pending"]
    for row in rows:
        _interrupt(row, day, deadlines.now)
    return rows


def restart(deadlines: Any, day: date, *, was_interrupted: bool) -> Any | None:
    """Mediation ended without agreement: a full new period from `day` (第195条 "从…有关程序终结时起重新计算"),
    when the case's period had been interrupted and none is running."""
    if not was_interrupted or any(r.kind == KIND and r.status == "pending" for r in deadlines.rows):
        return None
    rule = rule_for(deadlines.case.dispute_type)
    return deadlines.open(KIND, start=day, profile=rule.name, ref="restarted")
