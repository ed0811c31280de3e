"""The legal calendar (docs/contract.md §4a; 民法典 arts. 200–203), pure: no database.

Hand-checked against the State Council's 2026 schedule as shipped in chinese_calendar 1.11 (each
fact is asserted first, so a different calendar package fails loudly here rather than quietly below):
  中秋节 Fri 25 – Sun 27 Sep off;  国庆节 Thu 1 – Wed 7 Oct off;
  调休 make-up working days: Sun 20 Sep and Sat 10 Oct;
  春节 Sun 15 – Mon 23 Feb off, make-up Sat 14 Feb and Sat 28 Feb.
2027 is not published in that package, so any period touching it is provisional and counted on the
statutory days of 全国年节及纪念日放假办法 第2条 (元旦 Fri 1 Jan 2027 off), never on weekends alone.
"""

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from workflows.clocks.calendar import DEFAULT_CALENDAR, LegalCalendar, Period, YearSchedule, end_of_day

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = LegalCalendar()


def test_the_2026_schedule_is_the_one_these_dates_were_checked_against():
    off = [date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27), *[date(2026, 10, d) for d in range(1, 8)]]
    worked = [
        date(2026, 9, 20),
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
    ]
    assert [d for d in off if chinese_calendar.is_workday(d)] == []
    assert [d for d in worked if not chinese_calendar.is_workday(d)] == []
    assert date(2026, 9, 20).weekday() == 6 and date(2026, 10, 10).weekday() == 5  # Sunday, Saturday
    assert [chinese_calendar.is_workday(date(2026, 2, d)) for d in (14, 15, 23, 24, 28)] == [
        True,
        False,
        False,
        True,
        True,
    ]
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 3, 1))


@pytest.mark.parametrize(
    "day,working",
    [
        (date(2026, 9, 20), True),  # Sunday, make-up day
        (date(2026, 9, 25), False),  # Friday, Mid-Autumn
        (date(2026, 10, 5), False),  # Monday, National Day
        (date(2026, 10, 10), True),  # Saturday, make-up day
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 11, 4), True),  # ordinary Wednesday
    ],
)
def test_working_days_follow_the_official_2026_schedule(day, working):
    assert CAL.is_working_day(day) == (working, False)


def test_an_unpublished_year_is_counted_on_its_statutory_days_and_provisionally():
    assert CAL.is_working_day(date(2027, 1, 1)) == (False, True)  # a Friday, 元旦 (第2条), unpublished
    assert CAL.is_working_day(date(2027, 1, 2)) == (False, True)  # Saturday
    assert CAL.is_working_day(date(2027, 1, 4)) == (True, True)  # an ordinary Monday
    assert CAL.covers(2026) and not CAL.covers(2027)


# --- working-day periods -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start,days,last",
    [
        # From Fri 25 Sep (itself a holiday, and never counted): Mon 28, Tue 29, Wed 30.
        (date(2026, 9, 25), 3, date(2026, 9, 30)),
        # From Mon 28 Sep: Tue 29, Wed 30, then the break, then Thu 8 Oct.
        (date(2026, 9, 28), 3, date(2026, 10, 8)),
        # From Tue 29 Sep: Wed 30, Thu 8 Oct, Fri 9 Oct.
        (date(2026, 9, 29), 3, date(2026, 10, 9)),
        # From Wed 30 Sep: Thu 8, Fri 9, and make-up Sat 10 Oct.
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
        # From Fri 18 Sep: make-up Sun 20 Sep is the first working day counted.
        (date(2026, 9, 18), 1, date(2026, 9, 20)),
        # 45 working days from Mon 3 Aug: Sep 20 counted, Sep 25 and Oct 1–7 skipped, ends on Sat 10 Oct.
        (date(2026, 8, 3), 45, date(2026, 10, 10)),
        # An ordinary November: 30 working days from Mon 2 Nov end on Mon 14 Dec.
        (date(2026, 11, 2), 30, date(2026, 12, 14)),
    ],
)
def test_working_day_periods_across_the_autumn_holidays(start, days, last):
    period = CAL.add(start, days, working_days=True)
    assert period == Period(start, days, True, last, False)


def test_three_working_days_from_friday_25_september_end_on_wednesday_30_september():
    period = CAL.add(date(2026, 9, 25), 3, working_days=True)
    assert period.last_day == date(2026, 9, 30)
    assert period.due_at(SHANGHAI).isoformat() == "2026-10-01T00:00:00+08:00"
    assert period.provisional is False


def test_a_working_day_count_crossing_into_2027_is_provisional():
    # Tue 29 Dec: Wed 30 (1), Thu 31 (2), [Fri 1 Jan 2027 元旦, weekend], Mon 4 Jan (3) — on the
    # statutory days until 2027 is loaded.
    period = CAL.add(date(2026, 12, 29), 3, working_days=True)
    assert (period.last_day, period.provisional) == (date(2027, 1, 4), True)


def test_a_working_day_count_ending_before_2027_is_not_provisional():
    period = CAL.add(date(2026, 12, 28), 3, working_days=True)
    assert (period.last_day, period.provisional) == (date(2026, 12, 31), False)


def test_loading_the_2027_schedule_makes_the_count_final_and_skips_its_holidays():
    schedule = YearSchedule(2027, holidays=frozenset({date(2027, 1, 1)}), workdays=frozenset({date(2027, 1, 9)}))
    cal = LegalCalendar({2027: schedule})
    period = cal.add(date(2026, 12, 29), 3, working_days=True)
    assert (period.last_day, period.provisional) == (date(2027, 1, 4), False)
    # A loaded make-up Saturday is a working day.
    assert cal.is_working_day(date(2027, 1, 9)) == (True, False)
    assert cal.add(date(2027, 1, 8), 1, working_days=True).last_day == date(2027, 1, 9)


# --- calendar-day periods ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start,days,last,why",
    [
        (date(2026, 11, 1), 7, date(2026, 11, 9), "7th day Sun 8 Nov moves to Mon 9 Nov"),
        (date(2026, 11, 2), 4, date(2026, 11, 6), "4th day Fri 6 Nov is a working day"),
        (date(2026, 11, 2), 5, date(2026, 11, 9), "5th day Sat 7 Nov moves past the weekend to Mon 9 Nov"),
        (date(2026, 9, 2), 30, date(2026, 10, 8), "30th day Fri 2 Oct is National Day: moves to Thu 8 Oct"),
        (date(2026, 9, 30), 10, date(2026, 10, 10), "10th day is make-up Sat 10 Oct: stays"),
        (date(2026, 9, 10), 10, date(2026, 9, 20), "10th day is make-up Sun 20 Sep: stays"),
        (date(2026, 8, 26), 30, date(2026, 9, 28), "30th day Fri 25 Sep is Mid-Autumn: moves to Mon 28 Sep"),
        (date(2026, 11, 2), 30, date(2026, 12, 2), "30 days, an ordinary Wednesday"),
        (date(2026, 1, 31), 28, date(2026, 2, 28), "28th day Sat 28 Feb is a Spring Festival make-up day: stays"),
        (date(2026, 2, 10), 7, date(2026, 2, 24), "7th day Tue 17 Feb is Spring Festival (15–23 Feb): Tue 24 Feb"),
    ],
)
def test_calendar_day_periods_move_only_off_days_off(start, days, last, why):
    period = CAL.add(start, days, working_days=False)
    assert (period.last_day, period.provisional) == (last, False), why


def test_a_calendar_day_period_ending_in_2027_is_provisional():
    period = CAL.add(date(2026, 12, 20), 30, working_days=False)
    assert (period.last_day, period.provisional) == (date(2027, 1, 19), True)


def test_a_zero_day_period_ends_on_its_start_day():
    assert CAL.add(date(2026, 10, 3), 0, working_days=False).last_day == date(2026, 10, 3)


def test_a_negative_period_is_refused():
    with pytest.raises(ValueError):
        CAL.add(date(2026, 11, 2), -1, working_days=False)


# --- due_at -----------------------------------------------------------------------------------------


def test_due_at_is_midnight_starting_the_next_day_in_shanghai():
    period = CAL.add(date(2026, 9, 28), 3, working_days=True)
    due = period.due_at(SHANGHAI)
    assert due.isoformat() == "2026-10-09T00:00:00+08:00"
    assert due == datetime(2026, 10, 8, 16, 0, tzinfo=ZoneInfo("UTC"))


def test_end_of_day_of_new_years_eve_is_the_first_instant_of_the_new_year():
    assert end_of_day(date(2026, 12, 31), SHANGHAI).isoformat() == "2027-01-01T00:00:00+08:00"


def test_the_default_calendar_is_a_legal_calendar_on_the_published_schedule():
    assert isinstance(DEFAULT_CALENDAR, LegalCalendar)
    assert DEFAULT_CALENDAR.add(date(2026, 9, 28), 3, working_days=True).last_day == date(2026, 10, 8)


# --- `jiefen deadline` ----------------------------------------------------------------------------

JIEFEN = Path(sys.executable).with_name("jiefen")


def _deadline(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JIEFEN_TIMEZONE": "Asia/Shanghai", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [str(JIEFEN), "deadline", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_jiefen_deadline_counts_working_days_across_national_day():
    done = _deadline("--from", "2026-09-28", "--days", "3", "--working-days")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2026-10-08 2026-10-09T00:00:00+08:00"


def test_jiefen_deadline_marks_a_period_reaching_2027_provisional():
    done = _deadline("--from", "2026-12-20", "--days", "30")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2027-01-19 2027-01-20T00:00:00+08:00 provisional"
