"""A labour dispute through the engine on both databases (docs/contract.md §4 and §4a, v2): the mediation
clock from the organization's receipt (劳动争议调解仲裁法 第14条), the arbitration record and its clocks
(第29条、第43条、第48条至第50条), and the grounds on which the case may go to court.

Last days counted by hand on the 2026 schedule (no public holiday in November or December 2026; 2027 is
unpublished, so its days are provisional: weekends and the statutory days of 放假办法 第2条).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlmodel import Session, select

from models.security import hash_password
from models.tables import User
from states.enums import State, Trigger as T
from tests.factories import COURT, LABOUR_ARBITRATION, MEDIATION_ORG, actor, case_payload, make_case
from tests.workflows.handoff_support import CITY_COURT, extra_courts
from tests.workflows.support import deadlines_of, fire_as, local, midnight_after, one_deadline, picture
from workflows.errors import GuardRefused, PayloadInvalid
from workflows.intake import open_case

LABOUR_MEDIATION = "CN-ZJ-XH-LDTJ"  # 西湖区劳动人事争议调解中心
COUNTY_COMMITTEE = "CN-ZJ-XH-RTW"  # the next level up from the street committee


def refused(session, case, trigger, payload, *, now, article, username="mediator1"):
    before = picture(session, case.id)
    with pytest.raises(GuardRefused) as exc:
        fire_as(session, case, trigger, username, payload, now=now)
    [rule] = exc.value.extra["rules"]
    assert article in rule["reason"].removesuffix(f"（{rule['basis']}）"), rule["reason"]
    assert picture(session, case.id) == before
    return rule


# --- the labour mediation clock runs from receipt (第14条) ---------------------------------------------------


def test_the_labour_mediation_clock_opens_on_diversion_and_accept_does_not_reopen_it(session):
    case = make_case(session, state=State.DIVERSION, dispute_type="labour")  # diverted Mon 2 Nov 11:00
    d = one_deadline(session, case.id, "mediation")
    # Received Mon 2 Nov: 15 days → Tue 17 Nov, a working day; due at 24:00.
    assert (d.profile, d.start_date, d.last_day, d.due_at) == (
        "mediation.labour",
        date(2026, 11, 2),
        date(2026, 11, 17),
        midnight_after(date(2026, 11, 17)),
    )
    fire_as(session, case, T.ACCEPT, "mediator1", {"mediator_code": "M-0001"}, now=local(2026, 11, 5, 9))
    assert [(x.id, x.status) for x in deadlines_of(session, case.id, "mediation")] == [(d.id, "pending")]


@contextmanager
def labour_window(session: Session) -> Iterator[str]:
    """An intake clerk at the labour mediation centre's own window."""
    session.add(
        User(username="window_ld", password_hash=hash_password("x" * 12), role="intake", org_code=LABOUR_MEDIATION)
    )
    session.commit()
    try:
        yield "window_ld"
    finally:
        session.delete(session.exec(select(User).where(User.username == "window_ld")).one())
        session.commit()


def test_lodged_at_the_labour_mediation_centres_window_the_clock_runs_from_intake(session):
    from models.schemas import CaseCreate

    with labour_window(session) as clerk:
        data = CaseCreate.model_validate(case_payload("labour"))
        case, _ = open_case(session, data=data, actor=actor(session, clerk), now=local(2026, 10, 29, 10))
        fire_as(session, case, T.DIVERT, clerk, {"org_code": LABOUR_MEDIATION}, now=local(2026, 11, 2, 10))
    d = one_deadline(session, case.id, "mediation")
    # Received at its window Thu 29 Oct: 15 days → Fri 13 Nov.
    assert (d.start_date, d.last_day) == (date(2026, 10, 29), date(2026, 11, 13))


def test_passed_up_a_level_the_application_is_received_again(session):
    case = make_case(session, state=State.DIVERSION, dispute_type="labour")
    fire_as(session, case, T.DECLINE, "mediator1", {"reason": "劳动争议由上级调委会调处"}, now=local(2026, 11, 5, 9))
    assert picture(session, case.id).case["org_code"] == COUNTY_COMMITTEE
    [old] = [x for x in deadlines_of(session, case.id, "mediation") if x.status == "cancelled"]
    d = one_deadline(session, case.id, "mediation")
    # Received by the county committee Thu 5 Nov: 15 days → Fri 20 Nov (the street's 17 Nov is cancelled).
    assert (old.last_day, d.start_date, d.last_day) == (date(2026, 11, 17), date(2026, 11, 5), date(2026, 11, 20))


# --- arbitration: acceptance (第29条) and the award period (第43条) -----------------------------------------


def referred(session, **over):
    """A labour case whose mediation failed Mon 2 Nov, referred to labour arbitration Fri 6 Nov."""
    case = make_case(session, state=State.FAILED, dispute_type="labour")
    payload = {"body_code": LABOUR_ARBITRATION, **over}
    return fire_as(session, case, T.REFER_ARBITRATION, "mediator1", payload, now=local(2026, 11, 6, 15))


def test_referral_opens_the_five_day_acceptance_clock_and_no_award_clock(session):
    case = referred(session)
    d = one_deadline(session, case.id, "arbitration_acceptance")
    # Received Fri 6 Nov: five working days Mon 9 … Fri 13 Nov (calendar days would end Wed 11 Nov).
    assert (d.profile, d.working_days, d.last_day) == ("arbitration_acceptance.labour", True, date(2026, 11, 13))
    assert "第29条" in d.basis
    assert deadlines_of(session, case.id, "arbitration_award") == []
    assert picture(session, case.id).case["state"] == "arbitration"


def test_no_decision_on_acceptance_in_five_days_opens_the_way_to_court(session):
    case = referred(session)
    refused(session, case, T.REFER_LITIGATION, {"court_code": COURT}, now=local(2026, 11, 13, 23, 59), article="第29条")
    done = fire_as(session, case, T.REFER_LITIGATION, "mediator1", {"court_code": COURT}, now=local(2026, 11, 14))
    assert done.state == State.LITIGATION
    assert one_deadline(session, case.id, "arbitration_acceptance", status="met")


def test_refusal_to_accept_opens_the_way_to_court_and_no_award_follows(session):
    case = referred(session)
    fire_as(
        session, case, T.ARBITRATION_NOT_ACCEPTED, "window1", {"decided_on": "2026-11-09"}, now=local(2026, 11, 9, 16)
    )
    assert picture(session, case.id).case["state"] == "arbitration"
    award = {"award_no": "杭西劳人仲案字〔2026〕5号", "received_on": "2026-11-10"}
    refused(session, case, T.RECORD_AWARD, award, now=local(2026, 11, 10, 9), article="不予受理")
    refused(
        session,
        case,
        T.ARBITRATION_ACCEPTED,
        {"accepted_on": "2026-11-10"},
        now=local(2026, 11, 10, 9),
        article="不予受理",
    )
    done = fire_as(session, case, T.REFER_LITIGATION, "mediator1", {"court_code": COURT}, now=local(2026, 11, 10, 9))
    assert done.state == State.LITIGATION


def test_acceptance_opens_the_45_day_award_clock_and_an_approved_extension_adds_15(session):
    case = referred(session)
    fire_as(
        session, case, T.ARBITRATION_ACCEPTED, "window1", {"accepted_on": "2026-11-10"}, now=local(2026, 11, 10, 17)
    )
    assert one_deadline(session, case.id, "arbitration_acceptance", status="met")
    d = one_deadline(session, case.id, "arbitration_award")
    # Accepted Tue 10 Nov: 45 days → Fri 25 Dec.
    assert (d.start_date, d.last_day, d.provisional) == (date(2026, 11, 10), date(2026, 12, 25), False)
    refused(session, case, T.REFER_LITIGATION, {"court_code": COURT}, now=local(2026, 12, 25, 12), article="第43条")

    over_cap = {"days": 16, "approved_on": "2026-12-01"}
    refused(session, case, T.ARBITRATION_EXTENDED, over_cap, now=local(2026, 12, 1, 10), article="不得超过15日")
    fire_as(
        session,
        case,
        T.ARBITRATION_EXTENDED,
        "mediator1",
        {"days": 15, "approved_on": "2026-12-01"},
        now=local(2026, 12, 1, 10),
    )
    d = one_deadline(session, case.id, "arbitration_award")
    # 60 days from 10 Nov → Sat 9 Jan 2027 (unpublished year: provisional) → Mon 11 Jan 2027.
    assert (d.days, d.last_day, d.provisional) == (60, date(2027, 1, 11), True)
    refused(session, case, T.REFER_LITIGATION, {"court_code": COURT}, now=local(2027, 1, 11, 12), article="第43条")
    done = fire_as(session, case, T.REFER_LITIGATION, "mediator1", {"court_code": COURT}, now=local(2027, 1, 12))
    assert done.state == State.LITIGATION
    assert picture(session, case.id).case["arbitration_body_code"] == LABOUR_ARBITRATION


def test_dates_the_body_reports_are_checked_against_the_record(session):
    case = referred(session, applied_on="2026-11-05")
    with pytest.raises(PayloadInvalid) as exc:
        fire_as(session, case, T.ARBITRATION_ACCEPTED, "window1", {"accepted_on": "2026-11-04"}, now=local(2026, 11, 9))
    assert exc.value.loc == ["accepted_on"]
    with pytest.raises(PayloadInvalid) as exc:
        fire_as(session, case, T.ARBITRATION_ACCEPTED, "window1", {"accepted_on": "2026-11-10"}, now=local(2026, 11, 9))
    assert exc.value.loc == ["accepted_on"] and "晚于今天" in exc.value.msg
    # Received Thu 5 Nov: five working days → Thu 12 Nov.
    assert one_deadline(session, case.id, "arbitration_acceptance").last_day == date(2026, 11, 12)


# --- the award (第48条至第50条) --------------------------------------------------------------------------------


def awarded(session, *, final: bool):
    case = referred(session)
    fire_as(
        session, case, T.ARBITRATION_ACCEPTED, "window1", {"accepted_on": "2026-11-10"}, now=local(2026, 11, 10, 17)
    )
    award = {"award_no": "杭西劳人仲案字〔2026〕7号", "received_on": "2026-12-01", "final": final}
    return fire_as(session, case, T.RECORD_AWARD, "window1", award, now=local(2026, 12, 2, 9))


def test_an_award_opens_15_days_to_sue_from_its_receipt(session):
    case = awarded(session, final=False)
    assert one_deadline(session, case.id, "arbitration_award", status="met")
    d = one_deadline(session, case.id, "award_challenge")
    # Received Tue 1 Dec: 15 days → Wed 16 Dec.
    assert (d.profile, d.last_day, d.due_at) == ("award_challenge.labour", date(2026, 12, 16), local(2026, 12, 17))
    assert deadlines_of(session, case.id, "award_set_aside") == []
    refused(
        session,
        case,
        T.RECORD_AWARD,
        {"award_no": "X", "received_on": "2026-12-02"},
        now=local(2026, 12, 2, 10),
        article="已登记仲裁裁决",
    )
    refused(session, case, T.REFER_LITIGATION, {"court_code": COURT}, now=local(2026, 12, 17), article="第50条")
    done = fire_as(session, case, T.REFER_LITIGATION, "mediator1", {"court_code": COURT}, now=local(2026, 12, 16, 23))
    assert done.state == State.LITIGATION
    assert one_deadline(session, case.id, "award_challenge", status="met")


def test_a_final_award_leaves_the_employer_30_days_at_the_intermediate_court(session, engine):
    case = awarded(session, final=True)
    d = one_deadline(session, case.id, "award_set_aside")
    # Received Tue 1 Dec: 30 days → Thu 31 Dec.
    assert (d.profile, d.last_day) == ("award_set_aside.labour", date(2026, 12, 31))
    assert "第49条" in d.basis
    with extra_courts(engine):
        refused(session, case, T.REFER_LITIGATION, {"court_code": COURT}, now=local(2026, 12, 20), article="第49条")
        done = fire_as(
            session, case, T.REFER_LITIGATION, "mediator1", {"court_code": CITY_COURT}, now=local(2026, 12, 20)
        )
        assert done.state == State.LITIGATION


# --- from the agreement: unpaid wages to court (解释(一) 第51条), unperformed to arbitration (第15条) ---------


def wage_agreement(wages_only: bool) -> dict:
    from tests.factories import agreement_payload

    body = agreement_payload()
    body["obligations"] = [
        {"obligor": 1, "obligee": 0, "description": "支付拖欠工资", "amount": "12000.00", "due_date": "2026-11-10"}
    ]
    return {**body, "wages_only": wages_only}


def test_an_unpaid_wage_agreement_goes_straight_to_court_once_overdue(session):
    case = make_case(session, state=State.AGREEMENT, dispute_type="labour", agreement=wage_agreement(True))
    assert picture(session, case.id).case["agreement"]["wages_only"] is True
    refused(session, case, T.REFER_LITIGATION, {"court_code": COURT}, now=local(2026, 11, 10, 20), article="第51条")
    done = fire_as(session, case, T.REFER_LITIGATION, "mediator1", {"court_code": COURT}, now=local(2026, 11, 11, 9))
    assert done.state == State.LITIGATION


def test_an_unperformed_labour_agreement_goes_to_arbitration_once_its_period_has_passed(session):
    case = make_case(session, state=State.AGREEMENT, dispute_type="labour", agreement=wage_agreement(False))
    body = {"body_code": LABOUR_ARBITRATION}
    refused(session, case, T.REFER_ARBITRATION, body, now=local(2026, 11, 10, 20), article="第15条")
    refused(session, case, T.REFER_LITIGATION, {"court_code": COURT}, now=local(2026, 11, 11, 9), article="第15条")
    done = fire_as(session, case, T.REFER_ARBITRATION, "mediator1", body, now=local(2026, 11, 11, 9))
    assert done.state == State.ARBITRATION
    assert one_deadline(session, case.id, "confirmation_window", status="cancelled")
    assert one_deadline(session, case.id, "arbitration_acceptance").start_date == date(2026, 11, 11)


def test_other_agreements_do_not_go_to_arbitration(session):
    case = make_case(session, state=State.AGREEMENT, dispute_type="contract")
    refused(
        session,
        case,
        T.REFER_ARBITRATION,
        {"body_code": "CN-HZ-ZCW"},
        now=local(2027, 1, 5),
        article="人民调解法 第32条",
    )


# --- judicial confirmation of a labour agreement (解释(一) 第52条) ---------------------------------------------


def test_a_labour_agreement_before_the_labour_mediation_centre_is_not_confirmable(session):
    from tests.factories import agreement_payload, confirmation_request

    case = make_case(session, state=State.INTAKE, dispute_type="labour")
    fire_as(session, case, T.DIVERT, "window1", {"org_code": LABOUR_MEDIATION}, now=local(2026, 11, 2, 11))
    fire_as(session, case, T.ACCEPT, "mediator2", {"mediator_code": "M-0004"}, now=local(2026, 11, 2, 12))
    fire_as(session, case, T.REACH_AGREEMENT, "mediator2", agreement_payload(), now=local(2026, 11, 2, 13))
    refused(
        session,
        case,
        T.REQUEST_CONFIRMATION,
        confirmation_request(),
        now=local(2026, 11, 3),
        article="第52条",
        username="mediator2",
    )


def test_a_labour_agreement_before_a_peoples_mediation_committee_only_on_payments(session):
    from tests.factories import agreement_payload, confirmation_request

    body = agreement_payload()
    body["obligations"].append({"obligor": 1, "obligee": 0, "description": "出具解除劳动合同证明"})
    case = make_case(session, state=State.AGREEMENT, dispute_type="labour", agreement=body)
    assert picture(session, case.id).case["org_code"] == MEDIATION_ORG  # a people's mediation committee
    refused(session, case, T.REQUEST_CONFIRMATION, confirmation_request(), now=local(2026, 11, 3), article="第52条")
    paid = make_case(session, state=State.AGREEMENT, dispute_type="labour")
    done = fire_as(session, paid, T.REQUEST_CONFIRMATION, "mediator1", confirmation_request(), now=local(2026, 11, 3))
    assert done.state == State.JUDICIAL_CONFIRMATION
