"""Statutory clocks on a real database (both backends): profiles, hand-checked dates, clock events,
and a loaded 2027 schedule recounting provisional deadlines with the change audited on the case.

Dates hand-checked against the 2026 schedule (see test_calendar.py): National Day Thu 1 – Wed 7 Oct
off, Sun 20 Sep and Sat 10 Oct worked; 2027 unpublished (its statutory days: 元旦 Fri 1 Jan, 春节
Fri 5 – Wed 10 Feb with two make-up days; provisional).
"""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from models.tables import CalendarYear, Notification
from states.enums import State, Trigger as T
from tests.factories import actor, confirmation_request, make_case
from tests.workflows.clock_support import SCHEDULE_2027, forget_loaded_years, settings_env
from tests.workflows.support import deadlines_of, events_of, local, midnight_after, one_deadline, picture
from workflows import audit
from workflows.clocks.calendar import calendar_for
from workflows.clocks.deadlines import profiles
from workflows.clocks.recount import load_schedule
from workflows.engine import fire
from workflows.notify.party import KINDS as PARTY_KINDS


def _fire(session, case, trigger, username, payload=None, *, now):
    return fire(
        session, case_id=case.id, trigger=trigger, actor=actor(session, username), payload=payload or {}, now=now
    )


@pytest.fixture
def no_loaded_years(engine):
    forget_loaded_years(engine)
    yield
    forget_loaded_years(engine)


# --- profiles are data with their basis -------------------------------------------------------------


def test_every_profile_names_its_start_basis_and_reminder():
    for p in profiles():
        assert p.basis and p.starts and p.label, p.name
        assert p.reminder_lead is not None and (not p.enabled or p.reminder_lead < timedelta(days=p.days)), p.name
    names = {p.name: p for p in profiles()}
    assert (names["arbitration.labour"].days, names["arbitration.labour"].max_extension_days) == (45, 15)
    assert (names["arbitration.land"].days, names["arbitration.land"].max_extension_days) == (60, 30)
    assert "第43条" in names["arbitration.labour"].basis and "第47条" in names["arbitration.land"].basis
    assert (names["court_decision"].days, names["court_decision"].enabled) == (30, True)
    assert (names["court_decision.spc2011"].days, names["court_decision.spc2011"].max_extension_days) == (15, 10)
    assert names["court_decision.spc2011"].enabled is False
    assert names["followup"].enabled is False  # no national figure: off until configured


# --- hand-checked dates through the engine -------------------------------------------------------------


def test_labour_arbitration_award_clock_of_45_days_ending_in_national_day_moves_to_8_october(session):
    case = make_case(session, state=State.FAILED, dispute_type="labour", now=local(2026, 8, 19, 6))
    _fire(session, case, T.REFER_ARBITRATION, "mediator1", {"body_code": "CN-ZJ-XH-LDZC"}, now=local(2026, 8, 19, 15))
    assert deadlines_of(session, case.id, "arbitration_award") == [], "the award clock waits for acceptance (第43条)"
    _fire(session, case, T.ARBITRATION_ACCEPTED, "mediator1", {"accepted_on": "2026-08-20"}, now=local(2026, 8, 21, 9))
    d = one_deadline(session, case.id, "arbitration_award")
    # Accepted 20 Aug + 45 days = Sun 4 Oct, inside National Day (1–7 Oct): the next working day is Thu 8 Oct.
    assert (d.profile, d.start_date, d.days, d.last_day, d.provisional) == (
        "arbitration.labour",
        date(2026, 8, 20),
        45,
        date(2026, 10, 8),
        False,
    )
    assert d.due_at == midnight_after(date(2026, 10, 8))
    assert d.on_expiry is None and "劳动争议调解仲裁法 第43条" in d.basis


def test_land_arbitration_clock_runs_60_days(session):
    case = make_case(session, state=State.FAILED, dispute_type="land_contract", now=local(2026, 11, 2, 6))
    _fire(session, case, T.REFER_ARBITRATION, "mediator1", {"body_code": "CN-ZJ-XH-NTZC"}, now=local(2026, 11, 2, 15))
    d = one_deadline(session, case.id, "arbitration_award")
    # 2 Nov + 60 days = Fri 1 Jan 2027, 元旦 (第2条) in an unpublished year: past the weekend to Mon 4 Jan,
    # provisional.
    assert (d.profile, d.last_day, d.provisional) == ("arbitration.land", date(2027, 1, 4), True)


def test_arbitration_clock_is_met_when_the_outcome_is_recorded(session):
    case = make_case(session, state=State.ARBITRATION, dispute_type="labour")
    _fire(session, case, T.ARBITRATION_ACCEPTED, "mediator1", {"accepted_on": "2026-11-03"}, now=local(2026, 11, 3, 10))
    _fire(
        session,
        case,
        T.RECORD_OUTCOME,
        "mediator1",
        {"outcome": "裁决支持申请人请求", "reference": "杭西劳人仲案字〔2026〕1号"},
        now=local(2026, 11, 20, 10),
    )
    assert one_deadline(session, case.id, "arbitration_award", status="met")


def test_court_decision_whose_30th_day_is_a_sunday_ends_on_monday(session):
    case = make_case(session, state=State.AGREEMENT, now=local(2026, 11, 6, 6))
    _fire(session, case, T.REQUEST_CONFIRMATION, "mediator1", confirmation_request(), now=local(2026, 11, 6, 15))
    d = one_deadline(session, case.id, "court_decision")
    # Fri 6 Nov + 30 days = Sun 6 Dec: the next working day, Mon 7 Dec.
    assert (d.profile, d.last_day, d.due_at) == ("court_decision", date(2026, 12, 7), local(2026, 12, 8))


def test_the_spc_2011_court_profile_is_selectable(session, monkeypatch):
    case = make_case(session, state=State.AGREEMENT, now=local(2026, 11, 6, 6))
    with settings_env(monkeypatch, JIEFEN_COURT_DECISION_PROFILE="spc2011"):
        _fire(
            session,
            case,
            T.REQUEST_CONFIRMATION,
            "mediator1",
            confirmation_request(),
            now=local(2026, 11, 6, 15),
        )
    d = one_deadline(session, case.id, "court_decision")
    # Fri 6 Nov + 15 days = Sat 21 Nov: Mon 23 Nov.
    assert (d.profile, d.days, d.last_day) == ("court_decision.spc2011", 15, date(2026, 11, 23))
    assert "法释〔2011〕5号" in d.basis


def test_followup_clock_opens_on_closing_when_configured_and_is_met_by_the_visit(session, monkeypatch):
    with settings_env(monkeypatch, JIEFEN_FOLLOWUP_DAYS="15"):
        case = make_case(session, state=State.CLOSED, now=local(2026, 11, 2, 6))
        d = one_deadline(session, case.id, "followup")
        # closed on Mon 2 Nov (4th step, 10:00 local): + 15 days = Tue 17 Nov.
        assert (d.start_date, d.last_day) == (date(2026, 11, 2), date(2026, 11, 17))
        _fire(
            session,
            case,
            T.RECORD_FOLLOWUP,
            "mediator1",
            {"satisfaction": 5, "performed": True},
            now=local(2026, 11, 10, 10),
        )
    assert one_deadline(session, case.id, "followup", status="met")
    assert picture(session, case.id).open_deadlines() == []


def test_no_followup_clock_by_default(session):
    case = make_case(session, state=State.CLOSED)
    assert deadlines_of(session, case.id, "followup") == []


# --- clock events ------------------------------------------------------------------------------------------


def test_pause_and_resume_across_national_day_count_the_working_days_left_again(session):
    # A medical case (30 working days) accepted on Mon 28 Sep 2026.
    case = make_case(session, state=State.MEDIATION, dispute_type="medical", now=local(2026, 9, 28, 6))
    running = one_deadline(session, case.id, "mediation")
    # 30 working days from 28 Sep: 29, 30 Sep (2), 8, 9, 10 (make-up Sat) Oct (5), 12–16 (10), 19–23 (15),
    # 26–30 Oct (20), 2–6 Nov (25), 9–13 Nov (30).
    assert running.last_day == date(2026, 11, 13)
    _fire(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "委托医疗损害鉴定"}, now=local(2026, 9, 30, 16, 45, 30))
    paused = one_deadline(session, case.id, "mediation", status="paused")
    # Paused on Wed 30 Sep: 28 working days left after it (30 less Tue 29 and Wed 30 Sep).
    assert (paused.paused_on, paused.remaining_days, paused.remaining_seconds, paused.remind_at) == (
        date(2026, 9, 30),
        28,
        None,
        None,
    )
    _fire(session, case, T.RESUME_CLOCK, "mediator1", {"reason": "鉴定意见送达"}, now=local(2026, 10, 9, 9, 15))
    d = one_deadline(session, case.id, "mediation")
    # Resumed Fri 9 Oct: Sat 10 (1, make-up), 12–16 (6), 19–23 (11), 26–30 (16), 2–6 Nov (21), 9–13 (26),
    # Mon 16 (27), Tue 17 Nov (28).
    assert (d.counted_from, d.counted_days, d.last_day) == (date(2026, 10, 9), 28, date(2026, 11, 17))
    assert d.due_at == local(2026, 11, 18)  # the end of the last day, not a time of day
    assert d.remind_at == d.due_at - timedelta(days=3)
    assert (d.paused_on, d.remaining_days) == (None, None)
    ev = events_of(session, case.id)
    assert [e.trigger for e in ev[-2:]] == ["pause_clock", "resume_clock"]
    assert ev[-1].payload["reason"] == "鉴定意见送达"


def test_extend_needs_consent_and_is_audited_with_its_reason(session):
    case = make_case(session, state=State.MEDIATION)
    _fire(
        session,
        case,
        T.EXTEND,
        "mediator1",
        {"days": 10, "reason": "双方同意延长十日", "consent": True},
        now=local(2026, 11, 20, 10),
    )
    d = one_deadline(session, case.id, "mediation")
    # 30 days from Mon 2 Nov end Wed 2 Dec; 40 days end Sat 12 Dec -> Mon 14 Dec.
    assert (d.days, d.last_day) == (40, date(2026, 12, 14))
    ev = events_of(session, case.id)[-1]
    assert (ev.trigger, ev.payload["reason"], ev.payload["consent"]) == ("extend", "双方同意延长十日", True)


# --- a loaded 2027 schedule ---------------------------------------------------------------------------------


def test_a_working_day_count_in_2027_is_provisional_until_the_schedule_is_loaded(session, no_loaded_years):
    # Diverted on Wed 6 Jan 2027: 3 working days = Thu 7 (1), Fri 8 (2), [weekend], Mon 11 Jan (3),
    # on the statutory days (unpublished year).
    case = make_case(session, state=State.DIVERSION, now=local(2027, 1, 6, 6))
    d = one_deadline(session, case.id, "diversion_acceptance")
    assert (d.last_day, d.provisional) == (date(2027, 1, 11), True)
    before = picture(session, case.id)

    report = load_schedule(session, SCHEDULE_2027, source="测试", now=local(2027, 1, 6, 12))
    assert (report.year, report.cases, report.deadlines) == (2027, 1, 1)

    # The loaded schedule works Sat 9 Jan: it is the third working day, and the count is final.
    d = one_deadline(session, case.id, "diversion_acceptance")
    assert (d.last_day, d.due_at, d.provisional) == (date(2027, 1, 9), local(2027, 1, 10), False)
    after = picture(session, case.id)
    assert after.version == before.version + 1 and after.state == "diversion"
    ev = events_of(session, case.id)[-1]
    assert (ev.trigger, ev.actor, ev.from_state, ev.to_state) == (
        "calendar_recount",
        "system:calendar",
        "diversion",
        "diversion",
    )
    assert ev.payload["year"] == 2027
    assert ev.payload["changes"] == [
        {
            "deadline_id": str(d.id),
            "kind": "diversion_acceptance",
            "provisional": False,
            "from_due_at": "2027-01-12T00:00:00+08:00",  # 北京时间, as staff read it
            "to_due_at": "2027-01-10T00:00:00+08:00",
            "last_day": "2027-01-09",
        }
    ]
    assert audit.verify(session, case_id=case.id)[1] is None

    # Loading the same schedule again changes nothing and records nothing.
    again = load_schedule(session, SCHEDULE_2027, source="测试", now=local(2027, 1, 7, 12))
    assert (again.cases, again.deadlines) == (0, 0)
    assert len(events_of(session, case.id)) == len(after.events)


def test_a_loaded_schedule_recounts_the_days_a_paused_clock_has_left(session, no_loaded_years):
    # Medical (30 working days) accepted Mon 28 Dec 2026, paused Tue 12 Jan 2027 (unpublished, provisional).
    case = make_case(session, state=State.MEDIATION, dispute_type="medical", now=local(2026, 12, 28, 6))
    assert one_deadline(session, case.id, "mediation").provisional is True
    _fire(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "委托鉴定"}, now=local(2027, 1, 12, 10))
    paused = one_deadline(session, case.id, "mediation", status="paused")
    # Used before the pause on the statutory days: 29–31 Dec (3), [1 Jan 元旦], 4–8 Jan (8), 11–12 Jan (10).
    assert (paused.paused_on, paused.remaining_days, paused.provisional) == (date(2027, 1, 12), 20, True)
    load_schedule(session, SCHEDULE_2027, now=local(2027, 1, 13, 10))
    recounted = one_deadline(session, case.id, "mediation", status="paused")
    # The loaded schedule works Sat 9 Jan: 11 working days were used before the pause, 19 are left.
    assert (recounted.remaining_days, recounted.provisional) == (19, False)
    ev = events_of(session, case.id)[-1]
    assert ev.trigger == "calendar_recount"
    assert ev.payload["changes"] == [
        {
            "deadline_id": str(recounted.id),
            "kind": "mediation",
            "remaining_days": 19,
            "provisional": False,
            "from_due_at": None,
        }
    ]


def test_the_database_calendar_includes_loaded_years(engine, session, no_loaded_years):
    with engine.connect() as conn:
        assert calendar_for(conn, fresh=True).is_working_day(date(2027, 1, 9)) == (False, True)
    load_schedule(session, SCHEDULE_2027)
    with engine.connect() as conn:
        assert calendar_for(conn).is_working_day(date(2027, 1, 1)) == (False, False)
        assert calendar_for(conn).is_working_day(date(2027, 1, 9)) == (True, False)
    assert session.exec(select(CalendarYear.year)).all() == [2027]


def test_new_clocks_are_armed_to_remind_their_lead_time_before_due(session):
    case = make_case(session, state=State.MEDIATION)
    d = one_deadline(session, case.id, "mediation")
    assert (d.reminder_lead_seconds, d.remind_at, d.reminded_at) == (3 * 86400, d.due_at - timedelta(days=3), None)
    assert (
        session.exec(
            select(sa.func.count()).select_from(Notification).where(col(Notification.kind).not_in(PARTY_KINDS))
        ).one()
        == 0
    )
