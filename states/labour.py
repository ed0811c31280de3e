"""A labour dispute after mediation (劳动争议调解仲裁法; 劳动争议解释(一)): when it may go to court, to
arbitration on an unperformed agreement, or to judicial confirmation.

Pure functions of what the engine resolved (`LabourFacts`, built by workflows.stages.arbitration) and
the time; each returns None when the move is allowed, or the reason it is not, naming its article.
Dates in the reasons are the deadlines' last days, already in JIEFEN_TIMEZONE.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from states.enums import CourtLevel, State


def _clock(facts: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    clock: Mapping[str, Any] | None = (facts.get("clocks") or {}).get(kind)
    return clock


def _ended(clock: Mapping[str, Any] | None, now: datetime) -> bool:
    return clock is not None and now >= clock["due_at"]


def _running(clock: Mapping[str, Any] | None, now: datetime) -> bool:
    return clock is not None and now < clock["due_at"]


def _until(clock: Mapping[str, Any] | None) -> str:
    return f"{clock['last_day']} 24时" if clock else "（期限未登记）"


def litigation_refusal(state: State, facts: Mapping[str, Any], now: datetime) -> str | None:
    """Whether a labour dispute may go to court now. Allowed on any one of these grounds:
    - an award was received and the suit comes within 15 days of its receipt (第48条、第50条); for a
      final award also, within 30 days, the employer's application to set it aside at an intermediate
      court (第49条);
    - the arbitration committee refused the application, or did not decide on it within 5 days of
      receiving it (第29条);
    - no award within 45 days of acceptance, or 60 when extended (第43条);
    - from an agreement: it settled wages only and the employer did not pay (劳动争议解释(一) 第51条)."""
    if state is State.AGREEMENT:
        if not facts.get("wages_only"):
            return (
                "劳动争议调解协议不履行的，应当依法申请仲裁（劳动争议调解仲裁法 第15条），不能直接起诉；"
                "仅就劳动报酬达成的调解协议不履行的除外（劳动争议解释(一) 第51条）"
            )
        if not facts.get("overdue"):
            return "仅就劳动报酬达成的调解协议，约定的履行期限尚未届满，尚不能以不履行为由直接起诉（劳动争议解释(一) 第51条）"
        return None
    if state is not State.ARBITRATION:
        return "劳动争议须先经劳动争议仲裁委员会仲裁，不能直接起诉（劳动争议调解仲裁法 第5条、第14条）"
    arbitration = facts.get("arbitration") or {}
    award = arbitration.get("award")
    if award:
        challenge, set_aside = _clock(facts, "award_challenge"), _clock(facts, "award_set_aside")
        if _running(challenge, now):
            return None
        if award.get("final") and _running(set_aside, now):
            if facts.get("court_level") == CourtLevel.INTERMEDIATE:
                return None
            return (
                f"终局裁决的起诉期限已于{_until(challenge)}届满（劳动争议调解仲裁法 第48条）；用人单位申请撤销裁决的，"
                f"应于{_until(set_aside)}前向劳动争议仲裁委员会所在地的中级人民法院提出（劳动争议调解仲裁法 第49条）"
            )
        return (
            f"仲裁裁决书（{award.get('award_no')}）于{award.get('received_on')}收到，自收到之日起十五日的起诉期限已于"
            f"{_until(challenge)}届满，裁决已发生法律效力（劳动争议调解仲裁法 第48条、第50条）"
        )
    if arbitration.get("not_accepted"):
        return None  # 第29条: refused, the applicant may sue
    if not arbitration.get("accepted_on"):
        acceptance = _clock(facts, "arbitration_acceptance")
        if _ended(acceptance, now):
            return None  # 第29条: no decision on acceptance within five days
        return (
            f"劳动争议仲裁委员会尚未作出是否受理的决定，审查期限至{_until(acceptance)}届满；"
            "逾期未作出决定或者决定不予受理的，方可起诉（劳动争议调解仲裁法 第29条）"
        )
    award_clock = _clock(facts, "arbitration_award")
    if _ended(award_clock, now):
        return None  # 第43条: no award in time
    return (
        f"仲裁庭仍在审理期限内（自受理之日起四十五日，经批准延期的不超过十五日，至{_until(award_clock)}届满），"
        "期满未作出裁决的方可起诉；作出裁决的，自收到裁决书之日起十五日内起诉（劳动争议调解仲裁法 第43条、第50条）"
    )


def agreement_arbitration_refusal(facts: Mapping[str, Any]) -> str | None:
    """From an agreement, arbitration only for one the other side has not performed in the period it
    set (第15条): refused while every obligation's performance date is still to come."""
    if facts.get("overdue"):
        return None
    return "调解协议约定的履行期限尚未届满，尚不能以一方不履行为由申请仲裁（劳动争议调解仲裁法 第15条）"


def confirmation_refusal(
    org_kind: str | None, allowed_kinds: frozenset[str], agreement: Mapping[str, Any]
) -> str | None:
    """Judicial confirmation of a labour agreement: only one made before a people's mediation committee,
    and only on payment obligations (every obligation states its amount) (劳动争议解释(一) 第52条)."""
    if org_kind not in allowed_kinds:
        return "劳动争议调解协议仅在人民调解委员会主持下达成的，方可申请司法确认（劳动争议解释(一) 第52条）"
    missing = [str(i + 1) for i, o in enumerate(agreement.get("obligations") or []) if not o.get("amount")]
    if missing:
        return (
            f"第{'、'.join(missing)}项义务未载明给付金额：劳动争议调解协议仅就给付义务达成的，方可申请司法确认"
            "（劳动争议解释(一) 第52条）"
        )
    return None
