"""The legal calendar: working days, public holidays and 调休 make-up days, and period arithmetic.

Counting follows 民法典 arts. 200–203 (CONTRACT §4a): the day a clock starts is not counted;
"N days" ends on the Nth day after it, moved to the next working day if that day is not one;
"N working days" ends on the Nth working day after it; the period ends at 24:00 of its last day in
JIEFEN_TIMEZONE, i.e. at 00:00 of the following day.

Working days come from `chinese-calendar` for the years it covers (the official schedules it
ships). A year it does not cover comes from a schedule the operator loads; until then it is counted
on weekends alone and every period touching it is `provisional`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar


@dataclass(frozen=True, slots=True)
class YearSchedule:
    """An officially published year: days off on weekdays, and weekend days that are worked."""

    year: int
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)  # 调休 make-up working days


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


class LegalCalendar:
    def __init__(self, schedules: Mapping[int, YearSchedule] | None = None) -> None:
        self._schedules = dict(schedules or {})

    def covers(self, year: int) -> bool:
        if year in self._schedules:
            return True
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_working_day(self, day: date) -> tuple[bool, bool]:
        """(is it a working day, is the answer provisional)."""
        schedule = self._schedules.get(day.year)
        if schedule is not None:
            if day in schedule.workdays:
                return True, False
            if day in schedule.holidays:
                return False, False
            return day.weekday() < 5, False
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:
            return day.weekday() < 5, True

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


DEFAULT_CALENDAR = LegalCalendar()
