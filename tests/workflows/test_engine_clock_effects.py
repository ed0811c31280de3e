"""What pausing, resuming and extending do to the mediation clock (docs/contract.md §4, §4a).

Every date here is counted by hand from the official 2026 schedule (chinese_calendar 1.11); Nov–Dec 2026
has no holiday, 2027 is not published yet.
"""

from datetime import date, datetime, timedelta

import pytest

from states.enums import State, Trigger
from tests.factories import T0, make_case
from tests.workflows.support import deadlines_of, events_of, fire_as as _fire, local, one_deadline
from workflows.errors import GuardRefused

T = Trigger


# --- pause, resume, extend -------------------------------------------------------------------------


def test_pause_and_resume_keep_the_days_left_and_end_at_the_end_of_a_day(session):
    """docs/contract.md §4a (v2): the days left are kept in the clock's unit, not seconds (it was
    seconds before: the clock came back ending at 05:27:41 on 17 Dec)."""
    case = make_case(session, state=State.MEDIATION)  # accepted Mon 2 Nov: one month, last day Wed 2 Dec
    original = one_deadline(session, case.id, "mediation")
    assert (original.last_day, original.due_at) == (date(2026, 12, 2), local(2026, 12, 3))
    _fire(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "委托鉴定"}, now=local(2026, 11, 3, 10))
    paused = one_deadline(session, case.id, "mediation", status="paused")
    assert (paused.paused_on, paused.remaining_days) == (date(2026, 11, 3), 29)  # 4 Nov … 2 Dec
    resumed_at = local(2026, 11, 17, 15, 27, 41)
    _fire(session, case, T.RESUME_CLOCK, "mediator1", {"reason": "鉴定意见送达"}, now=resumed_at)
    d = one_deadline(session, case.id, "mediation")
    assert d.id == original.id
    assert (d.remaining_days, d.remaining_seconds, d.paused_on) == (None, None, None)
    # 29 days from Tue 17 Nov: Wed 16 Dec, a working day; due at its end.
    assert (d.counted_from, d.counted_days, d.last_day) == (date(2026, 11, 17), 29, date(2026, 12, 16))
    assert d.due_at == local(2026, 12, 17)
    assert [datetime.fromisoformat(x) for x in events_of(session, case.id)[-1].payload["due_at"]] == [d.due_at]


def test_a_paused_clock_cannot_be_paused_again_nor_a_running_one_resumed(session):
    case = make_case(session, state=State.MEDIATION)
    with pytest.raises(GuardRefused) as exc:
        _fire(session, case, T.RESUME_CLOCK, "mediator1", {"reason": "x"}, now=T0 + timedelta(hours=5))
    assert [r["rule"] for r in exc.value.extra["rules"]] == ["clock_paused"]
    _fire(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "鉴定"}, now=T0 + timedelta(hours=5))
    with pytest.raises(GuardRefused) as exc:
        _fire(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "x"}, now=T0 + timedelta(hours=6))
    assert [r["rule"] for r in exc.value.extra["rules"]] == ["clock_running"]


def test_extend_with_consent_moves_the_mediation_deadline_by_n_days(session):
    case = make_case(session, state=State.MEDIATION)  # last day Wed 2 Dec
    _fire(
        session,
        case,
        T.EXTEND,
        "mediator1",
        {"days": 5, "reason": "双方同意延长", "consent": True},
        now=local(2026, 11, 30, 10),
    )
    d = one_deadline(session, case.id, "mediation")
    assert (d.days, d.last_day, d.due_at) == (35, date(2026, 12, 7), local(2026, 12, 8))
    assert [datetime.fromisoformat(x) for x in events_of(session, case.id)[-1].payload["due_at"]] == [d.due_at]


def test_extend_while_paused_adds_the_days_to_the_days_left(session):
    case = make_case(session, state=State.MEDIATION)
    _fire(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "鉴定"}, now=local(2026, 11, 3, 10))
    _fire(
        session, case, T.EXTEND, "mediator1", {"days": 5, "reason": "延长", "consent": True}, now=local(2026, 11, 4, 10)
    )
    d = one_deadline(session, case.id, "mediation", status="paused")
    assert (d.remaining_days, d.days, d.remaining_seconds) == (29 + 5, 30 + 5, None)
    _fire(session, case, T.RESUME_CLOCK, "mediator1", {"reason": "鉴定结束"}, now=local(2026, 11, 10, 9))
    # 34 days from Tue 10 Nov: Mon 14 Dec.
    assert one_deadline(session, case.id, "mediation").last_day == date(2026, 12, 14)


def test_extend_moves_only_the_running_mediation_clock(session):
    case = make_case(session, state=State.FAILED)  # first clock cancelled by fail
    _fire(session, case, T.RESUME_MEDIATION, "mediator1", {}, now=T0 + timedelta(hours=8))
    _fire(session, case, T.MEDIATION_TIMEOUT, None, now=T0 + timedelta(hours=9))  # second clock fired
    _fire(session, case, T.RESUME_MEDIATION, "mediator1", {}, now=T0 + timedelta(hours=10))
    _fire(
        session,
        case,
        T.EXTEND,
        "mediator1",
        {"days": 1, "reason": "延长", "consent": True},
        now=T0 + timedelta(hours=11),
    )
    assert sorted((d.status, d.days) for d in deadlines_of(session, case.id, "mediation")) == [
        ("cancelled", 30),
        ("fired", 30),
        ("pending", 31),
    ]


def test_extending_a_period_whose_end_was_moved_off_a_weekend_counts_from_the_start(session):
    """Regression (bug at 075e364): the extension was counted from the last day as already moved off the
    weekend, so the period ran two days longer than start + days."""
    case = make_case(session, state=State.DIVERSION)
    # Accepted Thu 5 Nov: 30 days end Sat 5 Dec, moved to Mon 7 Dec.
    _fire(session, case, T.ACCEPT, "mediator1", {}, now=local(2026, 11, 5, 10))
    before = one_deadline(session, case.id, "mediation")
    assert before.last_day == date(2026, 12, 7)
    _fire(
        session,
        case,
        T.EXTEND,
        "mediator1",
        {"days": 10, "reason": "双方同意延长", "consent": True},
        now=local(2026, 11, 20, 10),
    )
    d = one_deadline(session, case.id, "mediation")
    assert d.days == 40
    # 40 days from 5 Nov end on Tue 15 Dec, a working day; the row must agree with its own start and days.
    assert d.last_day == date(2026, 12, 15)
    assert d.due_at == local(2026, 12, 16)


def test_extending_a_running_medical_clock_adds_working_days(session):
    case = make_case(session, state=State.DIVERSION, dispute_type="medical")
    _fire(session, case, T.ACCEPT, "mediator1", {}, now=local(2026, 11, 2, 10))  # 30 working days: Mon 14 Dec
    _fire(
        session,
        case,
        T.EXTEND,
        "mediator1",
        {"days": 10, "reason": "双方同意延长", "consent": True},
        now=local(2026, 11, 10, 10),
    )
    d = one_deadline(session, case.id, "mediation")
    # Tue 15 – Fri 18 (4), Mon 21 – Fri 25 (9), Mon 28 Dec (10).
    assert (d.days, d.last_day, d.due_at) == (40, date(2026, 12, 28), local(2026, 12, 29))


def test_extending_a_paused_medical_clock_adds_the_same_working_days(session):
    """Regression (bug at 075e364): a paused clock got days * 86400 s, ignoring the profile's working days,
    so the same extension depended on whether the clock happened to be paused (it ended on 24 Dec)."""
    case = make_case(session, state=State.DIVERSION, dispute_type="medical")
    _fire(session, case, T.ACCEPT, "mediator1", {}, now=local(2026, 11, 2, 10))
    at = local(2026, 11, 10, 10)
    # A pause and a resume at the same instant must be neutral around the extension.
    _fire(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "委托鉴定"}, now=at)
    _fire(session, case, T.EXTEND, "mediator1", {"days": 10, "reason": "双方同意延长", "consent": True}, now=at)
    _fire(session, case, T.RESUME_CLOCK, "mediator1", {"reason": "鉴定中止"}, now=at)
    d = one_deadline(session, case.id, "mediation")
    assert (d.last_day, d.due_at) == (date(2026, 12, 28), local(2026, 12, 29))


def test_extending_a_resumed_clock_counts_the_extension_on_from_the_resume(session):
    """After a pause the clock counts from the resume day; an extension adds its days to that count,
    and the deadline stays at the end of a day."""
    case = make_case(session, state=State.MEDIATION)  # accepted Mon 2 Nov, last day Wed 2 Dec
    _fire(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "委托鉴定"}, now=local(2026, 11, 3, 10))
    _fire(session, case, T.RESUME_CLOCK, "mediator1", {"reason": "鉴定意见送达"}, now=local(2026, 11, 17, 15, 27, 41))
    assert one_deadline(session, case.id, "mediation").due_at == local(2026, 12, 17)  # last day Wed 16 Dec
    _fire(
        session,
        case,
        T.EXTEND,
        "mediator1",
        {"days": 5, "reason": "双方同意延长", "consent": True},
        now=local(2026, 11, 20, 10),
    )
    d = one_deadline(session, case.id, "mediation")
    # 29 + 5 = 34 days from Tue 17 Nov: Mon 21 Dec.
    assert (d.days, d.counted_days, d.last_day, d.due_at) == (35, 34, date(2026, 12, 21), local(2026, 12, 22))
