"""Who takes a case once routing has chosen the organization: a rotating organization's duty days
(轮驻) and the mediator with the matching specialty and the fewest open cases. Pure functions."""

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from states.enums import DisputeType, Weekday
from states.labels import DISPUTE_TYPE_LABELS
from workflows.routing.directory import MediatorInfo

MAX_EXPLAINED = 40  # entries of an explanation kept in the audit event


def _type_label(t: str) -> str:
    try:
        return DISPUTE_TYPE_LABELS[DisputeType(t)]
    except ValueError:
        return t


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
