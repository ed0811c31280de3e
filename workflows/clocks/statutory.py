"""The statutory days off of a year whose official holiday schedule is not published yet.

Until the State Council publishes a year (and the operator loads it, `jiefen calendar load`), the
days the law itself fixes still hold (docs/contract.md §4a v2; legal-reference v2 item 1):

- 全国年节及纪念日放假办法（2024年修订）第2条: 元旦 1 January; 春节 除夕 and 正月初一至初三 (lunar);
  清明节 (the 清明 solar-term day); 劳动节 1–2 May; 端午节 (lunar 5/5); 中秋节 (lunar 8/15);
  国庆节 1–3 October.
- 第6条: a day of a holiday for all citizens that falls on a Saturday or Sunday is made up (补假) on a
  working day. The Measures do not say which one: here the next working days after the holiday's
  block (a festival, or festivals that touch or overlap) that are not themselves days off — the
  reading that never ends a clock early, as the published schedules do.

Where two festivals fall on the same day (中秋 on 3 October 2028) the Measures say nothing; the day is
made up like a weekend one, as the published schedules have done (2020: 国庆 and 中秋 on 1 October,
eight days off). Counting one day off more never ends a clock early.

Lunar dates and the solar term come from the maintained `lunar-python` package, never a table
written by hand.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from lunar_python import Lunar, Solar

BASIS = "全国年节及纪念日放假办法（2024年修订）第2条"
MAKE_UP_BASIS = "全国年节及纪念日放假办法（2024年修订）第6条（适逢周六、周日的，应当在工作日补假）"


class Reckoning(StrEnum):
    SOLAR = "solar"  # a day of the Gregorian calendar
    LUNAR = "lunar"  # a day of the Chinese lunar calendar
    SOLAR_TERM = "solar_term"  # the day of a solar term (节气)


@dataclass(frozen=True, slots=True)
class Festival:
    """A holiday of 第2条: when its first day falls, and how many days it has."""

    name: str
    reckoning: Reckoning
    month: int = 0
    day: int = 0
    length: int = 1
    eve: bool = False  # begins the day before (春节: 除夕, the last day of the lunar year)
    term: str = ""  # the solar term, for SOLAR_TERM
    day_names: tuple[str, ...] = ()  # what each day is called, when it has a name of its own


FESTIVALS: tuple[Festival, ...] = (
    Festival("元旦", Reckoning.SOLAR, 1, 1),
    Festival("春节", Reckoning.LUNAR, 1, 1, length=3, eve=True, day_names=("除夕", "初一", "初二", "初三")),
    Festival("清明节", Reckoning.SOLAR_TERM, term="清明"),
    Festival("劳动节", Reckoning.SOLAR, 5, 1, length=2),
    Festival("端午节", Reckoning.LUNAR, 5, 5),
    Festival("中秋节", Reckoning.LUNAR, 8, 15),
    Festival("国庆节", Reckoning.SOLAR, 10, 1, length=3),
)
"""全国年节及纪念日放假办法（2024年修订）第2条: the holidays for all citizens (全体公民放假的节日)."""


class Origin(StrEnum):
    STATUTORY = "statutory"  # a day of 第2条
    MAKE_UP = "make_up"  # a 补假 day of 第6条


@dataclass(frozen=True, slots=True)
class StatutoryDay:
    day: date
    origin: Origin
    festival: str
    label: str  # e.g. 春节（除夕）, 劳动节补假
    basis: str
    makes_up: date | None = None  # for a make-up day: the statutory day it makes up


def festival_days(festival: Festival, year: int) -> list[date]:
    """The days of `festival` in `year`, first to last."""
    if festival.reckoning is Reckoning.SOLAR:
        first = date(year, festival.month, festival.day)
    elif festival.reckoning is Reckoning.LUNAR:
        solar = Lunar.fromYmd(year, festival.month, festival.day).getSolar()
        first = date(solar.getYear(), solar.getMonth(), solar.getDay())
    else:
        # The lunar year holding 10 April of `year` holds that year's 清明 (4 or 5 April).
        term = Solar.fromYmd(year, 4, 10).getLunar().getJieQiTable()[festival.term]
        first = date(term.getYear(), term.getMonth(), term.getDay())
    if festival.eve:
        first -= timedelta(days=1)
    return [first + timedelta(days=i) for i in range(festival.length + (1 if festival.eve else 0))]


def _label(festival: Festival, index: int) -> str:
    if festival.day_names:
        return f"{festival.name}（{festival.day_names[index]}）"
    return festival.name


def _weekend(day: date) -> bool:
    return day.weekday() >= 5


@lru_cache(maxsize=64)
def statutory_year(year: int) -> dict[date, StatutoryDay]:
    """Every day off the law fixes in `year`: the days of 第2条 and the make-up days of 第6条."""
    claimed: dict[date, list[tuple[Festival, int]]] = {}
    spans: list[tuple[date, date, list[Festival]]] = []
    for festival in FESTIVALS:
        days = festival_days(festival, year)
        for i, day in enumerate(days):
            claimed.setdefault(day, []).append((festival, i))
        spans.append((days[0], days[-1], [festival]))
    # Blocks: festivals whose days touch or overlap are one holiday block (中秋 the day before 国庆).
    spans.sort(key=lambda s: s[0])
    blocks: list[tuple[date, date, list[Festival]]] = []
    for first, last, fs in spans:
        if blocks and first <= blocks[-1][1] + timedelta(days=1):
            b_first, b_last, b_fs = blocks[-1]
            blocks[-1] = (b_first, max(b_last, last), b_fs + fs)
        else:
            blocks.append((first, last, fs))
    out: dict[date, StatutoryDay] = {}
    for day, owners in sorted(claimed.items()):
        festival = owners[0][0]
        names = "、".join(_label(f, j) for f, j in owners)
        out[day] = StatutoryDay(day, Origin.STATUTORY, festival.name, names, BASIS)
    for first, last, _fs in blocks:
        # Each statutory day on a weekend is owed one working day, and so is each further festival
        # claiming a day another festival already has.
        owed = [
            (day, festival)
            for day in sorted(d for d in claimed if first <= d <= last)
            for k, (festival, _i) in enumerate(claimed[day])
            if k > 0 or _weekend(day)
        ]
        day = last
        for made_up, festival in owed:
            day += timedelta(days=1)
            while _weekend(day) or day in out:
                day += timedelta(days=1)
            out[day] = StatutoryDay(day, Origin.MAKE_UP, festival.name, f"{festival.name}补假", MAKE_UP_BASIS, made_up)
    return dict(sorted(out.items()))
