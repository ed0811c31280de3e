"""The legal calendar: working days, public holidays and 调休 make-up days, and period arithmetic.

Counting follows 民法典 arts. 200–203 (docs/contract.md §4a): the day a clock starts is not counted;
"N days" ends on the Nth day after it, moved to the next working day if that day is not one;
"N working days" ends on the Nth working day after it; the period ends at 24:00 of its last day in
JIEFEN_TIMEZONE, i.e. at 00:00 of the following day.

Working days come from `chinese-calendar` for the years it covers (the official schedules it
ships). A year it does not cover comes from a schedule the operator loads; until then it is counted
on the statutory days the law itself fixes (`workflows/clocks/statutory.py`: 全国年节及纪念日放假办法
第2条 and its make-up days under 第6条), never on weekends alone, and every period touching it is
`provisional`.

"A month" ends on the corresponding day of the last month, or on that month's last day when it has
no such day (民法典 第202条): `plus_months`.
"""

import calendar as _gregorian
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from zoneinfo import ZoneInfo

import chinese_calendar

from workflows.clocks.statutory import Origin, statutory_year


@dataclass(frozen=True, slots=True)
class YearSchedule:
    """An officially published year: days off on weekdays, and weekend days that are worked."""

    year: int
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)  # 调休 make-up working days
    source: str | None = field(default=None, compare=False)  # the notice it was published in


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    days: int
    working_days: bool
    last_day: date
    provisional: bool

    def due_at(self, tz: ZoneInfo) -> datetime:
        return end_of_day(self.last_day, tz)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """24:00 of `day` in `tz`, written as 00:00 of the next day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def plus_months(start: date, months: int) -> date:
    """The corresponding day `months` later; when that month has no such day, its last day (民法典 第202条)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, _gregorian.monthrange(year, month)[1]))


class DayOrigin(StrEnum):
    """Where the engine's answer for a day comes from."""

    OFFICIAL = "official"  # the schedule shipped in the `chinese-calendar` package
    LOADED = "loaded"  # a schedule loaded with `jiefen calendar load`
    STATUTORY = "statutory"  # 全国年节及纪念日放假办法 第2条 (the year is not published)
    MAKE_UP = "make_up"  # 第6条 补假 (the year is not published)


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """A day the engine does not count as its weekday says: a day off, or a 调休 working day."""

    day: date
    working: bool
    label: str
    origin: DayOrigin
    source: str
    provisional: bool


_HOLIDAY_NAMES = {h.value: h.chinese for h in chinese_calendar.Holiday}


@lru_cache(maxsize=8192)
def _official(day: date) -> bool | None:
    """Is the day a working day in the schedule `chinese-calendar` ships (None: a year it does not
    ship). Remembered: the package checks a date's range against its whole table on every call."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _package() -> str:
    try:
        return f"chinese-calendar {version('chinese-calendar')}"
    except PackageNotFoundError:  # pragma: no cover - installed with the project
        return "chinese-calendar"


class LegalCalendar:
    def __init__(self, schedules: Mapping[int, YearSchedule] | None = None) -> None:
        self._schedules = dict(schedules or {})

    def covers(self, year: int) -> bool:
        """Is the year's official schedule known (shipped in the package, or loaded)?"""
        return year in self._schedules or _official(date(year, 6, 1)) is not None

    def is_working_day(self, day: date) -> tuple[bool, bool]:
        """(is it a working day, is the answer provisional)."""
        schedule = self._schedules.get(day.year)
        if schedule is not None:
            if day in schedule.workdays:
                return True, False
            if day in schedule.holidays:
                return False, False
            return day.weekday() < 5, False
        official = _official(day)
        if official is not None:
            return official, False
        return day.weekday() < 5 and day not in statutory_year(day.year), True

    def add(self, start: date, days: int, *, working_days: bool) -> Period:
        if days < 0:
            raise ValueError("a period cannot be negative")
        provisional = False
        day = start
        if working_days:
            counted = 0
            while counted < days:
                day += timedelta(days=1)
                working, prov = self.is_working_day(day)
                provisional |= prov
                counted += working
        else:
            day = start + timedelta(days=days)
            # Every counted day matters for provisional-ness only through the last one here, but a
            # calendar period reaching into an unpublished year is still provisional.
            provisional |= not self.covers(day.year)
        while True:
            working, prov = self.is_working_day(day)
            provisional |= prov
            if working or day == start:
                break
            day += timedelta(days=1)
        return Period(start, days, working_days, day, provisional)

    def count(self, after: date, through: date, *, working_days: bool) -> tuple[int, bool]:
        """How many days of the clock's unit lie after `after` up to and including `through` (0 when
        `through` is not later), and whether the answer is provisional."""
        if through <= after:
            return 0, False
        if not working_days:
            return (through - after).days, not self.covers(through.year)
        n, provisional, day = 0, False, after
        while day < through:
            day += timedelta(days=1)
            working, prov = self.is_working_day(day)
            n += working
            provisional |= prov
        return n, provisional

    def special_days(self, year: int) -> list[SpecialDay]:
        """Every day of `year` the engine counts otherwise than its weekday says, or that is a named
        day off on a weekend, with where the answer comes from."""
        schedule = self._schedules.get(year)
        if schedule is not None:
            source = schedule.source or "（未注明出处）"
            days = [SpecialDay(d, False, "放假", DayOrigin.LOADED, source, False) for d in schedule.holidays]
            days += [SpecialDay(d, True, "调休上班", DayOrigin.LOADED, source, False) for d in schedule.workdays]
            return sorted(days, key=lambda s: s.day)
        if self.covers(year):
            source = _package()
            out = [
                SpecialDay(d, False, _HOLIDAY_NAMES.get(name, name), DayOrigin.OFFICIAL, source, False)
                for d, name in chinese_calendar.holidays.items()
                if d.year == year
            ]
            out += [
                SpecialDay(d, True, f"{_HOLIDAY_NAMES.get(name, name)}调休上班", DayOrigin.OFFICIAL, source, False)
                for d, name in chinese_calendar.workdays.items()
                if d.year == year and d.weekday() >= 5
            ]
            return sorted(out, key=lambda s: s.day)
        return [
            SpecialDay(
                s.day,
                False,
                s.label + (f"（补 {s.makes_up.isoformat()}）" if s.makes_up else ""),
                DayOrigin.MAKE_UP if s.origin is Origin.MAKE_UP else DayOrigin.STATUTORY,
                s.basis,
                True,
            )
            for s in statutory_year(year).values()
        ]


DEFAULT_CALENDAR = LegalCalendar()


# --- schedules loaded by the operator (`jiefen calendar load FILE.yaml`) -------------------------------


class ScheduleError(ValueError):
    """A schedule file that cannot be loaded; the message names the field."""


def _dates(value: object, field: str, year: int) -> frozenset[date]:
    """A list of ISO dates, or of ranges "YYYY-MM-DD..YYYY-MM-DD" (both ends included)."""
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise ScheduleError(f"{field}：应为日期列表（YYYY-MM-DD，或 YYYY-MM-DD..YYYY-MM-DD 表示区间）")
    days: set[date] = set()
    for i, item in enumerate(value):
        try:
            if isinstance(item, date) and not isinstance(item, datetime):
                first = last = item
            elif isinstance(item, str) and ".." in item:
                a, b = item.split("..", 1)
                first, last = date.fromisoformat(a.strip()), date.fromisoformat(b.strip())
            elif isinstance(item, str):
                first = last = date.fromisoformat(item.strip())
            else:
                raise ValueError
        except ValueError:
            raise ScheduleError(f"{field}[{i}]：不是日期（YYYY-MM-DD）或日期区间（YYYY-MM-DD..YYYY-MM-DD）") from None
        if last < first:
            raise ScheduleError(f"{field}[{i}]：区间的结束日早于开始日")
        if first.year != year or last.year != year:
            raise ScheduleError(f"{field}[{i}]：日期不在 {year} 年内")
        day = first
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


def parse_schedule(data: object) -> tuple[YearSchedule, str | None]:
    """Validate a schedule file's content:

    year: 2027
    source: 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕…号）
    holidays: [2027-01-01, "2027-02-06..2027-02-12", …]   # days off
    workdays: [2027-02-14, …]                            # 调休 make-up working days (weekend days)
    """
    if not isinstance(data, dict):
        raise ScheduleError("文件内容应为一个映射（year、holidays、workdays、source）")
    unknown = set(data) - {"year", "holidays", "workdays", "source"}
    if unknown:
        raise ScheduleError(f"{sorted(unknown)[0]}：未知字段（可用字段：year、holidays、workdays、source）")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ScheduleError("year：应为 2000 至 2100 之间的年份")
    holidays = _dates(data.get("holidays"), "holidays", year)
    workdays = _dates(data.get("workdays"), "workdays", year)
    if not holidays:
        raise ScheduleError("holidays：至少应列出一天法定节假日")
    both = sorted(holidays & workdays)
    if both:
        raise ScheduleError(f"workdays：{both[0].isoformat()} 同时列为放假日和调休上班日")
    weekdays = sorted(d for d in workdays if d.weekday() < 5)
    if weekdays:
        raise ScheduleError(f"workdays：{weekdays[0].isoformat()} 是工作日，调休上班日应为周六或周日")
    source = data.get("source")
    if source is not None and (not isinstance(source, str) or len(source) > 300):
        raise ScheduleError("source：应为不超过 300 字的文字")
    return YearSchedule(year, holidays, workdays, source), source


def schedule_from_row(row: object) -> YearSchedule:
    return YearSchedule(
        row.year,  # type: ignore[attr-defined]
        frozenset(date.fromisoformat(d) for d in row.holidays),  # type: ignore[attr-defined]
        frozenset(date.fromisoformat(d) for d in row.workdays),  # type: ignore[attr-defined]
        getattr(row, "source", None),
    )


CACHE_SECONDS = 30.0
_cache: dict[str, tuple[float, LegalCalendar]] = {}


def calendar_for(conn: object, *, fresh: bool = False) -> LegalCalendar:
    """The legal calendar of a database: chinese-calendar plus the years loaded into calendar_years.

    Cached per database for CACHE_SECONDS (a schedule loaded by another process is seen within that
    time; this process's own loads invalidate at once)."""
    import time as _time

    import sqlalchemy as sa

    from models.tables import CalendarYear

    key = str(conn.engine.url)  # type: ignore[attr-defined]
    hit = _cache.get(key)
    now = _time.monotonic()
    if hit is not None and not fresh and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    table = CalendarYear.__table__  # type: ignore[attr-defined]
    rows = conn.execute(sa.select(table)).all()  # type: ignore[attr-defined]
    calendar = LegalCalendar({r.year: schedule_from_row(r) for r in rows}) if rows else DEFAULT_CALENDAR
    _cache[key] = (now, calendar)
    return calendar


def invalidate_calendar_cache() -> None:
    _cache.clear()
