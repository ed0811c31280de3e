"""How a case's limitation period (时效, docs/contract.md §4a v2) is shown: `limitation` on the case, with a
warning when little of it was left when mediation was requested, or it has run out. Presentation of the
deadline rows only; the periods themselves are opened by the engine (workflows/clocks/limitation.py)."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel

from models.fields import LocalDateTime
from models.settings import get_settings
from states.labels import DEADLINE_KIND_LABELS


class LimitationPublic(BaseModel):
    profile: str  # limitation.labour | limitation.land_contract | limitation.civil
    start_date: date  # occurred_on, or the day mediation ended without agreement (a period run again)
    last_day: date
    due_at: LocalDateTime
    status: str  # interrupted | pending | fired | cancelled
    interrupted_on: date | None  # the mediation request (intake)
    # Days of the period left: on the day it was interrupted; otherwise today (negative once run out).
    days_left: int
    warning: Literal["near", "past"] | None  # near: at most JIEFEN_LIMITATION_WARNING_DAYS left
    message: str
    basis: str


def limitation_public(deadlines: Sequence[Any], now: datetime) -> LimitationPublic | None:
    """The case's latest limitation period (a period run again after a failed mediation is later than the
    one opened at intake), or None when the case has none (no `occurred_on`)."""
    rows = [d for d in deadlines if d.kind == "limitation"]
    if not rows:
        return None
    row = max(rows, key=lambda d: d.created_at)
    settings = get_settings()
    near = settings.limitation_warning_days
    label = DEADLINE_KIND_LABELS["limitation"]
    end = row.last_day.isoformat()
    restarted = row.ref == "restarted"
    warning: Literal["near", "past"] | None = None
    if row.interrupted_on is not None:
        left = (row.last_day - row.interrupted_on).days
        warning = "near" if left <= near else None
        message = (
            f"{label}原应于 {end} 届满，申请调解时{'仅' if warning else ''}余 {left} 天；"
            f"{row.interrupted_on.isoformat()} 申请调解，时效中断，调解不成的自调解终结之日起重新计算（民法典 第195条）"
        )
    else:
        left = (row.last_day - now.astimezone(settings.tz).date()).days
        if row.status in ("cancelled", "met"):
            message = f"{label}至 {end} 届满（本案已不再计算）"
        elif row.status == "fired" or left < 0:
            warning = "past"
            message = (
                f"{label}已于 {end} 届满（自调解终结之日 {row.start_date.isoformat()} 重新计算）"
                if restarted
                else f"按纠纷发生日（{row.start_date.isoformat()}）计算，{label}可能已于 {end} 届满，早于申请调解之日；"
                "请核实权利人知道或者应当知道权利受到损害之日及有无中止、中断事由。时效届满不妨碍调解，"
                "义务人可以提出不履行义务的抗辩，但自愿履行或者同意履行的不得再以时效抗辩（民法典 第192条）"
            )
        else:
            warning = "near" if left <= near else None
            since = f"自调解终结之日 {row.start_date.isoformat()} 起重新计算，" if restarted else ""
            message = f"{label}{since}将于 {end} 届满，还有 {left} 天"
    return LimitationPublic(
        profile=row.profile,
        start_date=row.start_date,
        last_day=row.last_day,
        due_at=row.due_at,
        status=row.status,
        interrupted_on=row.interrupted_on,
        days_left=left,
        warning=warning,
        message=message,
        basis=row.basis,
    )
