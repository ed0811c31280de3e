"""What entering a state does besides changing it: deadlines, assignments, hand-offs (docs/contract.md §4, §4a).

Every date here is counted by hand from the official 2026 schedule (chinese_calendar 1.11):
Mid-Autumn Fri 25 – Sun 27 Sep off; National Day Thu 1 – Wed 7 Oct off; Sun 20 Sep and Sat 10 Oct
are 调休 make-up working days. Nov–Dec 2026 has no holiday. 2027 is not published yet.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from models.tables import CourtHandoff
from states.enums import State, Trigger
from tests.factories import COURT, ID_A, ID_B, MEDIATION_ORG, T0, agreement_payload, confirmation_request, make_case
from tests.workflows.support import (
    SHANGHAI,
    events_of,
    fire_as as _fire,
    fresh,
    local,
    midnight_after,
    one_deadline,
    picture,
)

T = Trigger


# --- divert ----------------------------------------------------------------------------------------


def test_divert_assigns_the_organization_and_opens_three_working_days_for_acceptance(session):
    case = make_case(session, state=State.INTAKE)
    _fire(session, case, T.DIVERT, "window1", {"org_code": MEDIATION_ORG}, now=local(2026, 11, 2, 10))  # Monday
    assert picture(session, case.id).case["org_code"] == MEDIATION_ORG
    d = one_deadline(session, case.id, "diversion_acceptance")
    assert (d.start_date, d.days, d.working_days) == (date(2026, 11, 2), 3, True)
    assert d.last_day == date(2026, 11, 5)  # Tue, Wed, Thu
    assert d.due_at == local(2026, 11, 6)
    assert d.due_at.astimezone(SHANGHAI).isoformat() == "2026-11-06T00:00:00+08:00"
    assert d.on_expiry == "diversion_timeout"
    assert d.provisional is False


def test_diversion_acceptance_counted_across_the_national_day_break(session):
    case = make_case(session, state=State.INTAKE, now=datetime(2026, 9, 29, 0, 0, tzinfo=UTC))
    # Tue 29 Sep 10:00: Wed 30 Sep (1), 1–7 Oct off, Thu 8 Oct (2), Fri 9 Oct (3).
    _fire(session, case, T.DIVERT, "window1", {"org_code": MEDIATION_ORG}, now=local(2026, 9, 29, 10))
    d = one_deadline(session, case.id, "diversion_acceptance")
    assert d.last_day == date(2026, 10, 9)
    assert d.due_at == local(2026, 10, 10)


def test_divert_at_half_past_midnight_local_counts_from_the_local_day(session):
    """23:30 UTC on Sun 1 Nov is 07:30 Mon 2 Nov in Shanghai: the clock starts on the 2nd."""
    case = make_case(session, state=State.INTAKE, now=datetime(2026, 11, 1, 20, 0, tzinfo=UTC))
    _fire(
        session, case, T.DIVERT, "window1", {"org_code": MEDIATION_ORG}, now=datetime(2026, 11, 1, 23, 30, tzinfo=UTC)
    )
    d = one_deadline(session, case.id, "diversion_acceptance")
    assert d.start_date == date(2026, 11, 2)
    assert d.last_day == date(2026, 11, 5)


def test_divert_without_org_code_routes_to_the_nearest_competent_organization(session):
    case = make_case(session, state=State.INTAKE)  # neighbour dispute in village 330106001001
    _fire(session, case, T.DIVERT, "window1", {}, now=T0 + timedelta(hours=1))
    assert picture(session, case.id).case["org_code"] == "CN-ZJ-XH-BS-RTW"  # the community committee
    routing = events_of(session, case.id)[-1].payload["routing"]
    assert routing["rule"] == "neighbour_family_village"  # the routing rules profile decides
    assert routing["org_code"] == "CN-ZJ-XH-BS-RTW"
    assert routing["candidates"][0]["org_code"] == "CN-ZJ-XH-BS-RTW"
    assert routing["candidates"][0]["passed_over"] is None
    assert routing["reason"] and routing["basis"]
    one_deadline(session, case.id, "diversion_acceptance")


def test_divert_without_org_code_sends_a_labour_dispute_to_a_labour_committee(session):
    case = make_case(session, state=State.INTAKE, dispute_type="labour")
    _fire(session, case, T.DIVERT, "window1", {}, now=T0 + timedelta(hours=1))
    assert picture(session, case.id).case["org_code"] == "CN-ZJ-XH-LDTJ"
    routing = events_of(session, case.id)[-1].payload["routing"]
    assert routing["rule"] == "labour_town_else_county"
    assert [c["org_code"] for c in routing["candidates"]] == ["CN-ZJ-XH-LDTJ"]


def test_divert_to_a_named_organization_records_it_as_named(session):
    case = make_case(session, state=State.INTAKE)
    _fire(session, case, T.DIVERT, "window1", {"org_code": MEDIATION_ORG}, now=T0 + timedelta(hours=1))
    ev = events_of(session, case.id)[-1]
    assert ev.payload["routing"]["rule"] == "named"
    assert ev.payload["org_code"] == MEDIATION_ORG


# --- accept and the mediation clock -----------------------------------------------------------------

MEDIATION_PROFILES = [
    # dispute type, channel, accepted at (local), profile, days, working days, last day, basis must cite,
    # what fires on expiry
    (
        "labour",
        "window",
        local(2026, 11, 2, 10),
        "mediation.labour",
        15,
        False,
        date(2026, 11, 17),
        "劳动争议调解仲裁法 第14条",
        "mediation_timeout",
    ),
    (
        "medical",
        "window",
        local(2026, 11, 2, 10),
        "mediation.medical",
        30,
        True,
        date(2026, 12, 14),
        "医疗纠纷预防和处理条例 第38条",
        "mediation_timeout",
    ),
    # Consumer at a people's / consumer-association committee (the 45 working days are the market
    # regulator's alone, tests/workflows/test_mediation_profiles.py): the people's-mediation month,
    # Mon 3 Aug → Thu 3 Sep (31 days), overdue on expiry, never failed.
    (
        "consumer",
        "window",
        local(2026, 8, 3, 10),
        "mediation.people",
        31,
        False,
        date(2026, 9, 3),
        "第33条",
        "mediation_overdue",
    ),
    (
        "neighbour",
        "court_referral",
        local(2026, 11, 2, 10),
        "mediation.court_referral",
        30,
        False,
        date(2026, 12, 2),
        "特邀调解的规定 第27条",
        "mediation_timeout",
    ),
    *[
        (
            t,
            "window",
            local(2026, 11, 2, 10),
            "mediation.people",
            30,
            False,
            date(2026, 12, 2),
            "第33条",
            "mediation_overdue",
        )
        for t in ("neighbour", "family", "traffic", "land_contract")
    ],
]


@pytest.mark.parametrize(
    "dispute_type,channel,accepted_at,profile,days,working,last_day,basis,expiry",
    MEDIATION_PROFILES,
    ids=[f"{p[0]}-{p[1]}" for p in MEDIATION_PROFILES],
)
def test_accept_opens_the_mediation_clock_of_the_dispute_types_profile(
    session, dispute_type, channel, accepted_at, profile, days, working, last_day, basis, expiry
):
    case = make_case(
        session, state=State.DIVERSION, dispute_type=dispute_type, channel=channel, now=accepted_at - timedelta(hours=3)
    )
    _fire(session, case, T.ACCEPT, "mediator1", {"mediator_code": "M-0001"}, now=accepted_at)
    pic = picture(session, case.id)
    assert pic.case["mediator_code"] == "M-0001"
    assert one_deadline(session, case.id, "diversion_acceptance", status="met")
    d = one_deadline(session, case.id, "mediation")
    assert (d.profile, d.days, d.working_days) == (profile, days, working)
    assert d.start_date == accepted_at.date()
    assert d.last_day == last_day
    assert d.due_at == midnight_after(last_day)
    assert basis in d.basis
    assert d.on_expiry == expiry
    assert d.provisional is False


def test_accept_without_mediator_code_assigns_the_accepting_mediator(session):
    case = make_case(session, state=State.DIVERSION)
    _fire(session, case, T.ACCEPT, "mediator1", {}, now=T0 + timedelta(hours=3))
    assert picture(session, case.id).case["mediator_code"] == "M-0001"
    assert events_of(session, case.id)[-1].payload["mediator_code"] == "M-0001"


# --- agreement, confirmation, hand-off --------------------------------------------------------------


def test_reach_agreement_stores_it_and_opens_the_confirmation_window_from_the_local_signing_day(session):
    case = make_case(session, state=State.MEDIATION)
    payload = agreement_payload(signed_at=datetime(2026, 11, 2, 17, 0, tzinfo=UTC))  # 01:00 Tue 3 Nov local
    _fire(session, case, T.REACH_AGREEMENT, "mediator1", payload, now=local(2026, 11, 3, 10))
    pic = picture(session, case.id)
    agreement = pic.case["agreement"]
    assert agreement["facts"] == payload["facts"]
    assert agreement["liability"] == payload["liability"]
    assert agreement["obligations"] == [
        {
            "obligor": 1,
            "obligee": 0,
            "description": "赔偿维修费用",
            "amount": "8500.00",
            "due_date": "2026-12-31",
            "place": "北山街道人民调解委员会",
        }
    ]
    assert agreement["form"] == "written"
    assert datetime.fromisoformat(agreement["signed_at"]) == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
    assert agreement["mediator_code"] == "M-0001" and agreement["org_code"] == MEDIATION_ORG
    assert one_deadline(session, case.id, "mediation", status="met")
    w = one_deadline(session, case.id, "confirmation_window")
    assert w.start_date == date(2026, 11, 3)
    assert w.last_day == date(2026, 12, 3)
    assert w.due_at == local(2026, 12, 4)
    assert "第33条" in w.basis


def test_a_signing_time_without_offset_is_read_in_shanghai_time(session):
    case = make_case(session, state=State.MEDIATION)
    payload = {**agreement_payload(), "signed_at": "2026-11-02T23:30:00"}
    _fire(session, case, T.REACH_AGREEMENT, "mediator1", payload, now=local(2026, 11, 3, 9))
    w = one_deadline(session, case.id, "confirmation_window")
    assert w.start_date == date(2026, 11, 2)
    assert w.last_day == date(2026, 12, 2)


def test_request_confirmation_hands_the_case_to_the_court_with_full_identities(session):
    case = make_case(session, state=State.AGREEMENT)
    _fire(session, case, T.REQUEST_CONFIRMATION, "mediator1", confirmation_request(), now=local(2026, 11, 4, 10))
    pic = picture(session, case.id)
    assert pic.case["court_code"] == COURT
    with fresh(session) as s:
        handoffs = s.exec(select(CourtHandoff).where(CourtHandoff.case_id == case.id)).all()
    assert len(handoffs) == 1
    h = handoffs[0]
    assert h.court_code == COURT and h.status == "pending"
    applicants = h.package["applicants"]
    assert [(a["position"], a["name"], a["id_number"]) for a in applicants] == [(0, "张三", ID_A), (1, "李四", ID_B)]
    assert h.package["case_no"] == case.case_no
    assert h.package["agreement"]["obligations"][0]["amount"] == "8500.00"
    assert h.package["mediation_organization"]["code"] == MEDIATION_ORG
    assert one_deadline(session, case.id, "confirmation_window", status="met")
    c = one_deadline(session, case.id, "court_decision")
    assert c.start_date == date(2026, 11, 4)
    assert c.last_day == date(2026, 12, 4)  # 30 days, 民诉法 art. 187
    assert c.due_at == local(2026, 12, 5)
    assert "第187条" in c.basis
    assert c.on_expiry == "court_overdue"


def test_court_confirm_meets_the_court_clock_and_marks_the_hand_off_decided(session):
    case = make_case(session, state=State.JUDICIAL_CONFIRMATION)
    _fire(session, case, T.COURT_CONFIRM, "court1", {"ruling_no": "（2026）浙0106民特3号"}, now=local(2026, 11, 20, 10))
    assert one_deadline(session, case.id, "court_decision", status="met")
    with fresh(session) as s:
        h = s.exec(select(CourtHandoff).where(CourtHandoff.case_id == case.id)).one()
    assert h.status == "decided"
    assert h.decided_at == local(2026, 11, 20, 10)


def test_court_overdue_flags_the_case_and_a_later_decision_clears_the_flag(session):
    case = make_case(session, state=State.JUDICIAL_CONFIRMATION)
    _fire(session, case, T.COURT_OVERDUE, None, now=local(2026, 12, 3, 0, 1))
    assert "court_overdue" in picture(session, case.id).case["flags"]
    assert one_deadline(session, case.id, "court_decision", status="fired")
    _fire(session, case, T.COURT_CONFIRM, "court1", {"ruling_no": "（2026）浙0106民特4号"}, now=local(2026, 12, 4, 9))
    assert "court_overdue" not in picture(session, case.id).case["flags"]


# --- ending, escalating, timing out ---------------------------------------------------------------


@pytest.mark.parametrize(
    "state,trigger,username,payload,kind,status",
    [
        (State.DIVERSION, T.WITHDRAW, "window1", {"reason": "撤回"}, "diversion_acceptance", "cancelled"),
        (State.MEDIATION, T.WITHDRAW, "mediator1", {"reason": "撤回"}, "mediation", "cancelled"),
        (
            State.DIVERSION,
            T.TRANSFER_OUT,
            "window1",
            {"agency": "区信访局", "reason": "移交"},
            "diversion_acceptance",
            "cancelled",
        ),
        (State.AGREEMENT, T.RECORD_FULFILMENT, "mediator1", {}, "confirmation_window", "cancelled"),
        (State.MEDIATION, T.FAIL, "mediator1", {"reason": "调解不成"}, "mediation", "cancelled"),
        (State.MEDIATION, T.MEDIATION_TIMEOUT, None, {}, "mediation", "fired"),
        (State.AGREEMENT, T.REFER_LITIGATION, "mediator1", {"court_code": COURT}, "confirmation_window", "cancelled"),
    ],
    ids=[
        "withdraw-from-diversion",
        "withdraw-from-mediation",
        "transfer-out-from-diversion",
        "fulfilment-from-agreement",
        "fail",
        "mediation-timeout",
        "litigation-from-agreement",
    ],
)
def test_leaving_a_state_settles_its_running_clock(session, state, trigger, username, payload, kind, status):
    case = make_case(session, state=state)
    one_deadline(session, case.id, kind)
    _fire(session, case, trigger, username, payload, now=T0 + timedelta(hours=12))
    assert one_deadline(session, case.id, kind, status=status)
    assert picture(session, case.id).open_deadlines() == []


def test_closing_a_paused_mediation_cancels_the_paused_clock(session):
    case = make_case(session, state=State.MEDIATION)
    _fire(session, case, T.PAUSE_CLOCK, "mediator1", {"reason": "鉴定"}, now=T0 + timedelta(hours=5))
    _fire(session, case, T.WITHDRAW, "mediator1", {"reason": "撤回"}, now=T0 + timedelta(hours=6))
    assert one_deadline(session, case.id, "mediation", status="cancelled")
    assert picture(session, case.id).open_deadlines() == []


def test_escalate_from_mediation_cancels_the_clock_and_reopens_diversion_at_the_parent(session):
    case = make_case(session, state=State.MEDIATION)
    _fire(session, case, T.ESCALATE, "mediator1", {"reason": "案情复杂"}, now=local(2026, 11, 3, 10))
    pic = picture(session, case.id)
    assert (pic.state, pic.case["org_code"], pic.case["mediator_code"]) == ("diversion", "CN-ZJ-XH-RTW", None)
    assert one_deadline(session, case.id, "mediation", status="cancelled")
    assert one_deadline(session, case.id, "diversion_acceptance", status="met")  # the first organization's
    d = one_deadline(session, case.id, "diversion_acceptance")
    assert d.start_date == date(2026, 11, 3)
    assert d.last_day == date(2026, 11, 6)
    ev = events_of(session, case.id)[-1]
    assert (ev.payload["from_org_code"], ev.payload["org_code"]) == (MEDIATION_ORG, "CN-ZJ-XH-RTW")


def test_diversion_timeout_escalates_to_the_next_level_and_restarts_its_clock(session):
    case = make_case(session, state=State.DIVERSION)
    _fire(session, case, T.DIVERSION_TIMEOUT, None, now=local(2026, 11, 6, 0, 0, 30))
    assert picture(session, case.id).case["org_code"] == "CN-ZJ-XH-RTW"
    assert one_deadline(session, case.id, "diversion_acceptance", status="fired")
    d = one_deadline(session, case.id, "diversion_acceptance")
    assert d.start_date == date(2026, 11, 6)
    assert d.last_day == date(2026, 11, 11)  # Mon 9, Tue 10, Wed 11


def test_diversion_timeout_at_the_top_level_returns_the_case_to_intake_flagged(session):
    # At the top of the chain the case goes back to intake, flagged for the supervisor.
    case = make_case(session, state=State.DIVERSION)
    _fire(session, case, T.DIVERSION_TIMEOUT, None, now=local(2026, 11, 6, 0, 1))  # -> county committee
    _fire(session, case, T.DIVERSION_TIMEOUT, None, now=local(2026, 11, 12, 0, 1))  # county has no parent
    pic = picture(session, case.id)
    assert (pic.state, pic.case["org_code"]) == ("intake", None)
    assert "escalation_exhausted" in pic.case["flags"]
    assert pic.open_deadlines() == []
    # Re-diverted by hand to a body that never had it, and accepted there: the flag is cleared.
    _fire(session, case, T.DIVERT, "super1", {"org_code": "CN-ZJ-XH-BS-RTW"}, now=local(2026, 11, 12, 9))
    assert "escalation_exhausted" in picture(session, case.id).case["flags"]
    _fire(session, case, T.ACCEPT, "mediator6", {}, now=local(2026, 11, 12, 10))
    pic = picture(session, case.id)
    assert (pic.state, pic.case["mediator_code"]) == ("mediation", "M-0003")
    assert "escalation_exhausted" not in pic.case["flags"]


def test_refer_arbitration_records_the_body_and_that_the_case_was_arbitrated(session):
    case = make_case(session, state=State.FAILED, dispute_type="labour")
    _fire(session, case, T.REFER_ARBITRATION, "mediator1", {"body_code": "CN-ZJ-XH-LDZC"}, now=T0 + timedelta(hours=9))
    pic = picture(session, case.id)
    assert (pic.case["arbitration_body_code"], pic.case["arbitrated"]) == ("CN-ZJ-XH-LDZC", True)


def test_resume_mediation_after_failure_opens_a_fresh_mediation_clock(session):
    case = make_case(session, state=State.FAILED)
    _fire(session, case, T.RESUME_MEDIATION, "mediator1", {}, now=local(2026, 11, 10, 10))
    d = one_deadline(session, case.id, "mediation")
    assert (d.start_date, d.last_day) == (date(2026, 11, 10), date(2026, 12, 10))
    assert one_deadline(session, case.id, "mediation", status="cancelled")
