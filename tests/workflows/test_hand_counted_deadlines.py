"""Deadlines counted by hand (docs/contract.md §4a; 民法典 第200–203条), one row each.

The start day is never counted; "days" end on the Nth day after it, "a month" on the corresponding day
of the next month (the month's last day when it has none, 民法典 第202条), and either moves to the next
working day when it falls on a day off; "working days" end on the Nth working day.

2026: the official schedule shipped in chinese-calendar 1.11 — 中秋 Fri 25 Sep and 国庆 1–7 Oct off
(with the weekend 26–27 Sep), Sun 20 Sep and Sat 10 Oct worked; 春节 15–23 Feb off, Sat 14 and
Sat 28 Feb worked.

2027–2029 are unpublished: provisional, counted on 全国年节及纪念日放假办法 第2条 with 第6条 make-up days
on the next working days after the holiday block. The lunar dates were computed with lunar-python
while writing this table and are written here literally:
  2027: 元旦 Fri 1 Jan; 春节 除夕 Fri 5 Feb, 初一–初三 Sat 6 – Mon 8 Feb (make-up Tue 9, Wed 10 Feb);
        清明 Mon 5 Apr; 劳动节 Sat 1 – Sun 2 May (make-up Mon 3, Tue 4 May); 端午 Wed 9 Jun;
        中秋 Wed 15 Sep; 国庆 Fri 1 – Sun 3 Oct (make-up Mon 4, Tue 5 Oct).
  2028: 元旦 Sat 1 Jan (make-up Mon 3 Jan); 春节 除夕 Tue 25 – 初三 Fri 28 Jan; 清明 Tue 4 Apr;
        劳动节 Mon 1 – Tue 2 May; 端午 Sun 28 May (make-up Mon 29 May); 国庆 Sun 1 – Tue 3 Oct with 中秋
        on Tue 3 Oct too (make-up Wed 4 Oct for Sun 1 Oct, Thu 5 Oct for the day claimed twice).
  2029: 元旦 Mon 1 Jan; 春节 除夕 Mon 12 – 初三 Thu 15 Feb; 清明 Wed 4 Apr; 劳动节 Tue 1 – Wed 2 May;
        端午 Sat 16 Jun (make-up Mon 18 Jun); 中秋 Sat 22 Sep (make-up Mon 24 Sep); 国庆 Mon 1 – Wed 3 Oct.
"""

from datetime import date, timedelta

import pytest

from states.enums import State, Trigger as T
from tests.factories import make_case
from tests.workflows.support import events_of, fire_as, local, one_deadline
from workflows.clocks.calendar import LegalCalendar, plus_months
from workflows.clocks.statutory import statutory_year

D = date
CAL = LegalCalendar()

# (start, length, unit, expected last day, provisional, the count)
ROWS = [
    # --- 2026, the official schedule: 中秋 and 国庆 -------------------------------------------------
    (D(2026, 9, 24), 1, "working days", D(2026, 9, 28), False, "25 中秋, 26–27 weekend; Mon 28 (1)"),
    (D(2026, 9, 18), 1, "working days", D(2026, 9, 20), False, "Sat 19 off; Sun 20 worked (1)"),
    (D(2026, 9, 19), 2, "working days", D(2026, 9, 21), False, "Sun 20 worked (1), Mon 21 (2)"),
    (D(2026, 9, 25), 3, "working days", D(2026, 9, 30), False, "28 (1), 29 (2), 30 (3)"),
    (D(2026, 9, 28), 3, "working days", D(2026, 10, 8), False, "29 (1), 30 (2), 1–7 Oct off, Thu 8 (3)"),
    (D(2026, 9, 30), 3, "working days", D(2026, 10, 10), False, "8 (1), 9 (2), Sat 10 worked (3)"),
    (D(2026, 9, 30), 4, "working days", D(2026, 10, 12), False, "8, 9, 10 (3), Sun 11 off, Mon 12 (4)"),
    (D(2026, 9, 21), 10, "working days", D(2026, 10, 12), False, "22–24 (3), 28–30 (6), 8–10 (9), 12 (10)"),
    (D(2026, 9, 15), 10, "days", D(2026, 9, 28), False, "10th day Fri 25 中秋 → 26, 27 off → Mon 28"),
    (D(2026, 9, 21), 10, "days", D(2026, 10, 8), False, "10th day Thu 1 Oct 国庆 → 2–7 off → Thu 8"),
    (D(2026, 9, 30), 10, "days", D(2026, 10, 10), False, "10th day Sat 10 Oct is worked: stays"),
    (D(2026, 9, 10), 10, "days", D(2026, 9, 20), False, "10th day Sun 20 Sep is worked: stays"),
    (D(2026, 9, 20), 15, "days", D(2026, 10, 8), False, "15th day Mon 5 Oct 国庆 → Thu 8"),
    (D(2026, 9, 1), 1, "month", D(2026, 10, 8), False, "1 Oct 国庆 → Thu 8"),
    (D(2026, 8, 25), 1, "month", D(2026, 9, 28), False, "25 Sep 中秋 → 26, 27 off → Mon 28"),
    (D(2026, 9, 25), 1, "month", D(2026, 10, 26), False, "Sun 25 Oct → Mon 26"),
    (D(2026, 9, 7), 1, "month", D(2026, 10, 8), False, "Wed 7 Oct 国庆 → Thu 8"),
    # --- 2026–2027 across 元旦 (2027 provisional) -----------------------------------------------------
    (D(2026, 12, 28), 5, "working days", D(2027, 1, 5), True, "29, 30, 31 (3), [1 元旦, 2–3], Mon 4 (4), Tue 5 (5)"),
    (D(2026, 12, 31), 1, "working days", D(2027, 1, 4), True, "Fri 1 元旦, 2–3 weekend; Mon 4 (1)"),
    (D(2026, 12, 28), 3, "working days", D(2026, 12, 31), False, "29, 30, 31 (3): all in 2026, final"),
    (D(2026, 12, 29), 3, "days", D(2027, 1, 4), True, "3rd day Fri 1 Jan 元旦 → 2–3 weekend → Mon 4"),
    (D(2026, 12, 1), 1, "month", D(2027, 1, 4), True, "1 Jan 元旦 → Mon 4"),
    (
        D(2026, 11, 25),
        30,
        "working days",
        D(2027, 1, 7),
        True,
        "26–27 (2), 30 Nov–4 Dec (7), 7–11 (12), 14–18 (17), 21–25 (22), 28–31 (26), [1 Jan], 4–7 (30)",
    ),
    # --- 2027 春节 (除夕 Fri 5 Feb … 初三 Mon 8, make-up Tue 9, Wed 10) -------------------------------------
    (D(2027, 2, 4), 1, "working days", D(2027, 2, 11), True, "5–10 Feb off; Thu 11 (1)"),
    (D(2027, 2, 1), 5, "working days", D(2027, 2, 12), True, "2, 3, 4 (3), 5–10 off, 11 (4), 12 (5)"),
    (D(2027, 1, 21), 15, "days", D(2027, 2, 11), True, "15th day Fri 5 Feb 除夕 → 6–10 off → Thu 11"),
    (D(2027, 1, 6), 1, "month", D(2027, 2, 11), True, "Sat 6 Feb 初一 → 7–10 off → Thu 11"),
    (D(2027, 1, 10), 1, "month", D(2027, 2, 11), True, "Wed 10 Feb, a 第6条 make-up day → Thu 11"),
    (D(2027, 2, 8), 2, "working days", D(2027, 2, 12), True, "9, 10 made up; 11 (1), 12 (2)"),
    # --- 2027 清明, 劳动节, 端午, 中秋, 国庆 -------------------------------------------------------------------
    (D(2027, 4, 2), 1, "working days", D(2027, 4, 6), True, "3–4 weekend, Mon 5 清明; Tue 6 (1)"),
    (D(2027, 3, 5), 1, "month", D(2027, 4, 6), True, "Mon 5 Apr 清明 → Tue 6"),
    (D(2027, 3, 26), 10, "days", D(2027, 4, 6), True, "10th day Mon 5 Apr 清明 → Tue 6"),
    (D(2027, 4, 30), 1, "working days", D(2027, 5, 5), True, "1–2 劳动节 (weekend), 3–4 made up; Wed 5 (1)"),
    (D(2027, 4, 1), 1, "month", D(2027, 5, 5), True, "Sat 1 May 劳动节 → 2, 3, 4 off → Wed 5"),
    (D(2027, 4, 28), 5, "days", D(2027, 5, 5), True, "5th day Mon 3 May, make-up → Tue 4 too → Wed 5"),
    (D(2027, 6, 8), 1, "working days", D(2027, 6, 10), True, "Wed 9 端午; Thu 10 (1)"),
    (D(2027, 5, 9), 1, "month", D(2027, 6, 10), True, "Wed 9 Jun 端午 → Thu 10"),
    (D(2027, 9, 14), 1, "working days", D(2027, 9, 16), True, "Wed 15 中秋; Thu 16 (1)"),
    (D(2027, 8, 15), 1, "month", D(2027, 9, 16), True, "Wed 15 Sep 中秋 → Thu 16"),
    (D(2027, 9, 30), 1, "working days", D(2027, 10, 6), True, "1–3 国庆, 4–5 made up; Wed 6 (1)"),
    (D(2027, 9, 3), 30, "days", D(2027, 10, 6), True, "30th day Sun 3 Oct 国庆 → 4, 5 made up → Wed 6"),
    (D(2027, 9, 4), 1, "month", D(2027, 10, 6), True, "Mon 4 Oct, a make-up day → Tue 5 too → Wed 6"),
    (D(2027, 9, 28), 3, "working days", D(2027, 10, 6), True, "29 (1), 30 (2), 1–5 Oct off, 6 (3)"),
    # --- 2028 (provisional; a leap year) ----------------------------------------------------------------
    (D(2027, 12, 31), 1, "working days", D(2028, 1, 4), True, "Sat 1 元旦, Sun 2, Mon 3 made up; Tue 4 (1)"),
    (D(2027, 12, 3), 1, "month", D(2028, 1, 4), True, "Mon 3 Jan, 元旦's make-up day → Tue 4"),
    (D(2028, 1, 24), 1, "working days", D(2028, 1, 31), True, "25–28 春节, 29–30 weekend; Mon 31 (1)"),
    (D(2028, 1, 20), 5, "days", D(2028, 1, 31), True, "5th day Tue 25 除夕 → 26–30 off → Mon 31"),
    (D(2028, 4, 3), 1, "working days", D(2028, 4, 5), True, "Tue 4 清明; Wed 5 (1)"),
    (D(2028, 4, 28), 1, "working days", D(2028, 5, 3), True, "29–30 weekend, 1–2 May 劳动节; Wed 3 (1)"),
    (D(2028, 5, 26), 1, "working days", D(2028, 5, 30), True, "27 Sat, Sun 28 端午, Mon 29 made up; Tue 30"),
    (D(2028, 4, 28), 1, "month", D(2028, 5, 30), True, "Sun 28 May 端午 → Mon 29 made up → Tue 30"),
    (D(2028, 9, 29), 1, "working days", D(2028, 10, 6), True, "Sat 30, 1–3 国庆/中秋, 4–5 made up; Fri 6"),
    (D(2028, 9, 3), 1, "month", D(2028, 10, 6), True, "Tue 3 Oct 国庆 and 中秋 → 4, 5 made up → Fri 6"),
    (D(2028, 9, 28), 3, "working days", D(2028, 10, 9), True, "29 (1), 30 Sep – 5 Oct off, 6 (2), 9 (3)"),
    # --- 2029 (provisional) -------------------------------------------------------------------------------
    (D(2028, 12, 29), 1, "working days", D(2029, 1, 2), True, "30–31 weekend, Mon 1 元旦; Tue 2 (1)"),
    (D(2029, 2, 9), 1, "working days", D(2029, 2, 16), True, "10–11 weekend, 12–15 春节; Fri 16 (1)"),
    (D(2029, 1, 12), 1, "month", D(2029, 2, 16), True, "Mon 12 Feb 除夕 → 13–15 off → Fri 16"),
    (D(2029, 4, 3), 1, "working days", D(2029, 4, 5), True, "Wed 4 清明; Thu 5 (1)"),
    (D(2029, 4, 30), 1, "working days", D(2029, 5, 3), True, "1–2 May 劳动节; Thu 3 (1)"),
    (D(2029, 6, 15), 1, "working days", D(2029, 6, 19), True, "Sat 16 端午, Sun 17, Mon 18 made up; Tue 19"),
    (D(2029, 5, 16), 1, "month", D(2029, 6, 19), True, "Sat 16 Jun 端午 → 17, 18 made up → Tue 19"),
    (D(2029, 9, 21), 1, "working days", D(2029, 9, 25), True, "Sat 22 中秋, Sun 23, Mon 24 made up; Tue 25"),
    (D(2029, 8, 22), 1, "month", D(2029, 9, 25), True, "Sat 22 Sep 中秋 → 23, 24 off → Tue 25"),
    (D(2029, 9, 28), 1, "working days", D(2029, 10, 4), True, "29–30 weekend, 1–3 国庆; Thu 4 (1)"),
    (D(2029, 9, 3), 1, "month", D(2029, 10, 4), True, "Wed 3 Oct 国庆 → Thu 4"),
    # --- month periods ending on the 29th–31st (民法典 第202条) -------------------------------------------
    (D(2026, 1, 31), 1, "month", D(2026, 2, 28), False, "no 31 Feb: the last day, Sat 28 Feb, a worked day"),
    (D(2026, 1, 29), 1, "month", D(2026, 2, 28), False, "non-leap: no 29 Feb → Sat 28, worked: stays"),
    (D(2026, 1, 30), 1, "month", D(2026, 2, 28), False, "no 30 Feb → Sat 28 Feb, worked"),
    (D(2026, 3, 31), 1, "month", D(2026, 4, 30), False, "no 31 Apr → Thu 30 Apr"),
    (D(2026, 5, 31), 1, "month", D(2026, 6, 30), False, "no 31 Jun → Tue 30 Jun"),
    (D(2026, 8, 31), 1, "month", D(2026, 9, 30), False, "no 31 Sep → Wed 30 Sep, before 国庆"),
    (D(2026, 10, 31), 1, "month", D(2026, 11, 30), False, "no 31 Nov → Mon 30 Nov"),
    (D(2026, 7, 31), 1, "month", D(2026, 8, 31), False, "31 Aug exists: Mon 31"),
    (D(2026, 12, 31), 1, "month", D(2027, 2, 1), True, "Sun 31 Jan 2027 → Mon 1 Feb"),
    (D(2027, 1, 31), 1, "month", D(2027, 3, 1), True, "no 31 Feb → Sun 28 Feb → Mon 1 Mar"),
    (D(2027, 1, 29), 1, "month", D(2027, 3, 1), True, "non-leap: no 29 Feb → Sun 28 → Mon 1 Mar"),
    (D(2028, 1, 29), 1, "month", D(2028, 2, 29), True, "leap year: Tue 29 Feb exists"),
    (D(2028, 1, 31), 1, "month", D(2028, 2, 29), True, "leap year: no 31 Feb → Tue 29 Feb"),
    (D(2026, 12, 31), 2, "month", D(2027, 3, 1), True, "no 31 Feb 2027 → Sun 28 → Mon 1 Mar"),
    (D(2028, 2, 29), 24, "month", D(2030, 2, 28), True, "two years: no 29 Feb 2030 → Thu 28 Feb"),
]


def _count(start: date, length: int, unit: str):
    if unit == "month":
        return CAL.add(start, (plus_months(start, length) - start).days, working_days=False)
    return CAL.add(start, length, working_days=unit == "working days")


def test_the_table_has_at_least_sixty_rows_in_every_unit():
    assert len(ROWS) >= 60
    assert {r[2] for r in ROWS} == {"days", "working days", "month"}


@pytest.mark.parametrize(
    "start,length,unit,last_day,provisional,why", ROWS, ids=[f"{r[0]}+{r[1]}{r[2][0]}" for r in ROWS]
)
def test_hand_counted_deadline(start, length, unit, last_day, provisional, why):
    period = _count(start, length, unit)
    assert (period.last_day, period.provisional) == (last_day, provisional), why


def test_the_lunar_dates_written_above_are_lunar_pythons():
    """The statutory days the table was counted on, as the engine derives them."""
    off = {y: set(statutory_year(y)) for y in (2027, 2028, 2029)}
    assert {D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8), D(2027, 2, 9), D(2027, 2, 10)} <= off[2027]
    assert {D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15), D(2027, 10, 4), D(2027, 10, 5)} <= off[2027]
    assert {D(2028, 1, 3), D(2028, 1, 25), D(2028, 1, 28), D(2028, 4, 4), D(2028, 5, 29)} <= off[2028]
    assert {D(2028, 10, 3), D(2028, 10, 4), D(2028, 10, 5)} <= off[2028] and D(2028, 10, 6) not in off[2028]
    assert {D(2029, 2, 12), D(2029, 2, 15), D(2029, 4, 4), D(2029, 6, 18), D(2029, 9, 24)} <= off[2029]
    assert len(off[2027]) == 13 + 6  # 13 statutory days, 6 of them on a weekend
    assert statutory_year(2028)[D(2028, 10, 3)].label == "中秋节、国庆节"


# --- pause and resume across a holiday, through `fire` on a real case (docs/contract.md §4a v2) ----------


def _accepted(session, dispute_type: str, at):
    case = make_case(session, state=State.DIVERSION, dispute_type=dispute_type, now=at - timedelta(hours=4))
    fire_as(session, case, T.ACCEPT, "mediator1", {"mediator_code": "M-0001"}, now=at)
    return case


def test_a_medical_clock_paused_before_national_day_comes_back_on_a_working_day(session):
    case = _accepted(session, "medical", local(2026, 9, 21, 10))
    # 30 working days from Mon 21 Sep: 22–24 (3), 28–30 (6), 8–10 Oct (9), 12–16 (14), 19–23 (19),
    # 26–30 (24), 2–6 Nov (29), Mon 9 Nov (30).
    assert one_deadline(session, case.id, "mediation").last_day == D(2026, 11, 9)
    fire_as(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "委托医疗损害鉴定"}, now=local(2026, 9, 23, 16))
    paused = one_deadline(session, case.id, "mediation", status="paused")
    assert (paused.paused_on, paused.remaining_days) == (D(2026, 9, 23), 28)  # 30 less Tue 22, Wed 23
    fire_as(session, case, T.RESUME_CLOCK, "mediator1", {"reason": "鉴定意见送达"}, now=local(2026, 10, 9, 9, 30))
    d = one_deadline(session, case.id, "mediation")
    # From Fri 9 Oct: Sat 10 worked (1), 12–16 (6), 19–23 (11), 26–30 (16), 2–6 Nov (21), 9–13 (26),
    # Mon 16 (27), Tue 17 Nov (28). (Kept in seconds — 47 days 8 hours of wall-clock time, the holiday
    # included — it came back ending at 17:30 on Wed 25 Nov, a time of day and not the working days left.)
    assert (d.last_day, d.due_at, d.provisional) == (D(2026, 11, 17), local(2026, 11, 18), False)


def test_a_peoples_mediation_month_paused_over_national_day_keeps_its_calendar_days(session):
    case = _accepted(session, "neighbour", local(2026, 9, 15, 10))
    assert one_deadline(session, case.id, "mediation").last_day == D(2026, 10, 15)  # a month: Thu 15 Oct
    fire_as(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "等待当事人提交证据"}, now=local(2026, 9, 24, 11))
    assert one_deadline(session, case.id, "mediation", status="paused").remaining_days == 21  # 25 Sep … 15 Oct
    fire_as(session, case, T.RESUME_CLOCK, "mediator1", {"reason": "证据已提交"}, now=local(2026, 10, 8, 14))
    d = one_deadline(session, case.id, "mediation")
    assert (d.last_day, d.due_at) == (D(2026, 10, 29), local(2026, 10, 30))  # Thu 8 Oct + 21 days: Thu 29 Oct


def test_a_medical_clock_resumed_before_the_spring_festival_skips_its_statutory_days(session):
    case = _accepted(session, "medical", local(2026, 12, 14, 10))
    # 30 working days from Mon 14 Dec: 15–18 (4), 21–25 (9), 28–31 (13), [Fri 1 Jan 元旦], 4–8 (18),
    # 11–15 (23), 18–22 (28), Mon 25 (29), Tue 26 Jan 2027 (30): provisional.
    d0 = one_deadline(session, case.id, "mediation")
    assert (d0.last_day, d0.provisional) == (D(2027, 1, 26), True)
    fire_as(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "委托医疗损害鉴定"}, now=local(2026, 12, 16, 15))
    assert one_deadline(session, case.id, "mediation", status="paused").remaining_days == 28
    fire_as(session, case, T.RESUME_CLOCK, "mediator1", {"reason": "鉴定意见送达"}, now=local(2026, 12, 30, 9))
    d = one_deadline(session, case.id, "mediation")
    # From Wed 30 Dec: 31 (1), 4–8 Jan (6), 11–15 (11), 18–22 (16), 25–29 (21), 1–4 Feb (25),
    # [5–10 Feb 春节 and its make-up days], Thu 11 (26), Fri 12 (27), Mon 15 Feb (28).
    assert (d.last_day, d.due_at, d.provisional) == (D(2027, 2, 15), local(2027, 2, 16), True)
    assert events_of(session, case.id)[-1].payload["due_at"] == ["2027-02-16T00:00:00+08:00"]
