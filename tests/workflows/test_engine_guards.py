"""The legal guards of docs/contract.md §4, through fire, both ways: refused with the rule named, and allowed.

A refusal is GuardRefused (HTTP 409) whose extra["rules"] names the guard, and leaves the case
exactly as it was.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from api.errors import status_for
from states.enums import State, Trigger
from tests.factories import COURT, LABOUR_ARBITRATION, T0, actor, agreement_payload, confirmation_request, make_case
from tests.workflows.support import SHANGHAI, local, one_deadline, picture
from workflows.engine import fire
from workflows.errors import GuardRefused

T = Trigger
COMMERCIAL_ARBITRATION = "CN-HZ-ZCW"
LAND_ARBITRATION = "CN-ZJ-XH-NTZC"


def _fire(session, case, trigger, payload, *, now, username="mediator1"):
    return fire(session, case_id=case.id, trigger=trigger, actor=actor(session, username), payload=payload, now=now)


def _req(now):
    """request_confirmation's body: both parties signed the application on the local day of `now`."""
    return confirmation_request(signed_on=now.astimezone(SHANGHAI).date().isoformat())


def _refused(session, case, trigger, payload, *, now, rule, username="mediator1"):
    before = picture(session, case.id)
    with pytest.raises(GuardRefused) as exc:
        _fire(session, case, trigger, payload, now=now, username=username)
    err = exc.value
    assert [r["rule"] for r in err.extra["rules"]] == [rule]
    assert err.extra["rules"][0]["reason"] and err.extra["rules"][0]["basis"]
    assert trigger.value in err.extra["allowed"]
    assert status_for(err) == 409
    assert picture(session, case.id) == before
    return err


# --- request_confirmation: the 30-day window ---------------------------------------------------------


def test_request_confirmation_on_the_last_day_of_the_window_is_allowed(session):
    case = make_case(session, state=State.AGREEMENT)  # signed Mon 2 Nov 12:30 local: last day Wed 2 Dec
    assert one_deadline(session, case.id, "confirmation_window").last_day == date(2026, 12, 2)
    done = _fire(
        session, case, T.REQUEST_CONFIRMATION, _req(local(2026, 12, 2, 23, 59, 59)), now=local(2026, 12, 2, 23, 59, 59)
    )
    assert done.state == State.JUDICIAL_CONFIRMATION


def test_request_confirmation_after_window_is_refused(session):
    case = make_case(session, state=State.AGREEMENT)
    err = _refused(
        session,
        case,
        T.REQUEST_CONFIRMATION,
        _req(local(2026, 12, 3, 0, 0)),
        now=local(2026, 12, 3, 0, 0),
        rule="within_confirmation_window",
    )
    assert "第33条" in err.extra["rules"][0]["basis"]


def test_request_confirmation_a_month_later_is_refused(session):
    case = make_case(session, state=State.AGREEMENT)
    _refused(
        session,
        case,
        T.REQUEST_CONFIRMATION,
        _req(local(2027, 1, 15, 10)),
        now=local(2027, 1, 15, 10),
        rule="within_confirmation_window",
    )


def _agreement_signed(session, signed_at: datetime, **over):
    """A case whose agreement was signed at `signed_at`, reached through the engine."""
    case = make_case(session, state=State.MEDIATION, now=signed_at - timedelta(hours=4), **over)
    return _fire(
        session, case, T.REACH_AGREEMENT, agreement_payload(signed_at=signed_at), now=signed_at + timedelta(minutes=30)
    )


def test_confirmation_window_ending_in_national_day_moves_to_the_next_working_day(session):
    """Signed Wed 2 Sep 2026: the 30th day is Fri 2 Oct, inside the National Day break (1–7 Oct);
    the first working day after it is Thu 8 Oct (chinese_calendar: 1–7 Oct off, 8 Oct worked)."""
    case = _agreement_signed(session, local(2026, 9, 2, 10))
    w = one_deadline(session, case.id, "confirmation_window")
    assert (w.last_day, w.due_at) == (date(2026, 10, 8), local(2026, 10, 9))
    _refused(
        session,
        case,
        T.REQUEST_CONFIRMATION,
        _req(local(2026, 10, 9, 0, 0)),
        now=local(2026, 10, 9, 0, 0),
        rule="within_confirmation_window",
    )
    done = _fire(session, case, T.REQUEST_CONFIRMATION, _req(local(2026, 10, 8, 16)), now=local(2026, 10, 8, 16))
    assert done.state == State.JUDICIAL_CONFIRMATION


def test_confirmation_window_ending_on_a_make_up_saturday_stays_there(session):
    """Signed Thu 10 Sep 2026: the 30th day is Sat 10 Oct, a 调休 working day — no moving."""
    case = _agreement_signed(session, local(2026, 9, 10, 10))
    w = one_deadline(session, case.id, "confirmation_window")
    assert (w.last_day, w.due_at) == (date(2026, 10, 10), local(2026, 10, 11))
    _refused(
        session,
        case,
        T.REQUEST_CONFIRMATION,
        _req(local(2026, 10, 11, 0, 0, 1)),
        now=local(2026, 10, 11, 0, 0, 1),
        rule="within_confirmation_window",
    )


def test_the_window_is_counted_from_the_local_day_of_signing_not_the_utc_day(session):
    """Signed 16:30 UTC Mon 2 Nov = 00:30 Tue 3 Nov in Shanghai: the last day is Thu 3 Dec."""
    case = _agreement_signed(session, datetime(2026, 11, 2, 16, 30, tzinfo=UTC))
    assert one_deadline(session, case.id, "confirmation_window").last_day == date(2026, 12, 3)
    done = _fire(session, case, T.REQUEST_CONFIRMATION, _req(local(2026, 12, 3, 18)), now=local(2026, 12, 3, 18))
    assert done.state == State.JUDICIAL_CONFIRMATION


# --- request_confirmation: status matters and oral agreements --------------------------------------


def test_family_agreement_on_a_status_matter_cannot_be_confirmed(session):
    case = make_case(session, state=State.AGREEMENT, dispute_type="family", status_matter=True)
    err = _refused(
        session,
        case,
        T.REQUEST_CONFIRMATION,
        _req(T0 + timedelta(hours=10)),
        now=T0 + timedelta(hours=10),
        rule="not_a_status_matter",
    )
    assert "第355条" in err.extra["rules"][0]["basis"]


def test_family_agreement_on_property_only_can_be_confirmed(session):
    case = make_case(session, state=State.AGREEMENT, dispute_type="family", status_matter=False)
    done = _fire(session, case, T.REQUEST_CONFIRMATION, _req(T0 + timedelta(hours=10)), now=T0 + timedelta(hours=10))
    assert done.state == State.JUDICIAL_CONFIRMATION


def test_oral_agreement_cannot_be_confirmed(session):
    case = make_case(session, state=State.MEDIATION)
    _fire(session, case, T.REACH_AGREEMENT, {**agreement_payload(), "form": "oral"}, now=T0 + timedelta(hours=3))
    _refused(
        session,
        case,
        T.REQUEST_CONFIRMATION,
        _req(T0 + timedelta(hours=4)),
        now=T0 + timedelta(hours=4),
        rule="written_agreement",
    )


def test_late_oral_status_matter_names_every_broken_rule(session):
    case = make_case(session, state=State.MEDIATION, dispute_type="family", status_matter=True)
    _fire(session, case, T.REACH_AGREEMENT, {**agreement_payload(), "form": "oral"}, now=T0 + timedelta(hours=3))
    with pytest.raises(GuardRefused) as exc:
        _fire(session, case, T.REQUEST_CONFIRMATION, _req(local(2027, 1, 10)), now=local(2027, 1, 10))
    assert [r["rule"] for r in exc.value.extra["rules"]] == [
        "within_confirmation_window",
        "not_a_status_matter",
        "written_agreement",
    ]


# --- refer_litigation: labour arbitration first ----------------------------------------------------


@pytest.mark.parametrize(
    "state,article",
    [(State.FAILED, "第5条"), (State.CONFIRMATION_REJECTED, "第5条"), (State.AGREEMENT, "第15条")],
    ids=str,
)
def test_labour_dispute_cannot_go_to_court_before_arbitration(session, state, article):
    case = make_case(session, state=state, dispute_type="labour")
    err = _refused(
        session,
        case,
        T.REFER_LITIGATION,
        {"court_code": COURT},
        now=T0 + timedelta(hours=10),
        rule="labour_litigation_grounds",
    )
    assert f"劳动争议调解仲裁法 {article}" in err.extra["rules"][0]["reason"]


def test_labour_dispute_goes_to_court_within_15_days_of_the_award(session):
    case = make_case(session, state=State.ARBITRATION, dispute_type="labour")
    award = {"award_no": "杭西劳人仲案字〔2026〕9号", "received_on": "2026-11-02"}
    _fire(session, case, T.RECORD_AWARD, award, now=T0 + timedelta(hours=9))
    done = _fire(session, case, T.REFER_LITIGATION, {"court_code": COURT}, now=T0 + timedelta(hours=10))
    assert done.state == State.LITIGATION
    assert picture(session, case.id).case["court_code"] == COURT


@pytest.mark.parametrize("dispute_type", ["neighbour", "contract", "family"])
def test_other_disputes_may_go_straight_to_court(session, dispute_type):
    case = make_case(session, state=State.FAILED, dispute_type=dispute_type)
    assert (
        _fire(session, case, T.REFER_LITIGATION, {"court_code": COURT}, now=T0 + timedelta(hours=10)).state
        == State.LITIGATION
    )


# --- refer_arbitration: arbitrability and the competent body ---------------------------------------


def test_family_dispute_is_never_arbitrated(session):
    case = make_case(session, state=State.FAILED, dispute_type="family", arbitration_agreement=True)
    err = _refused(
        session,
        case,
        T.REFER_ARBITRATION,
        {"body_code": COMMERCIAL_ARBITRATION},
        now=T0 + timedelta(hours=10),
        rule="arbitrable",
    )
    assert "仲裁法 第3条" in err.extra["rules"][0]["reason"]


@pytest.mark.parametrize("dispute_type", ["contract", "consumer", "medical", "neighbour"])
def test_refer_arbitration_without_an_arbitration_agreement_is_refused(session, dispute_type):
    case = make_case(session, state=State.FAILED, dispute_type=dispute_type, arbitration_agreement=False)
    _refused(
        session,
        case,
        T.REFER_ARBITRATION,
        {"body_code": COMMERCIAL_ARBITRATION},
        now=T0 + timedelta(hours=10),
        rule="arbitrable",
    )


def test_contract_dispute_with_an_arbitration_agreement_goes_to_the_arbitration_commission(session):
    case = make_case(session, state=State.FAILED, dispute_type="contract", arbitration_agreement=True)
    done = _fire(
        session, case, T.REFER_ARBITRATION, {"body_code": COMMERCIAL_ARBITRATION}, now=T0 + timedelta(hours=10)
    )
    assert done.state == State.ARBITRATION
    assert picture(session, case.id).case["arbitration_body_code"] == COMMERCIAL_ARBITRATION


def test_contract_dispute_cannot_go_to_the_labour_arbitration_committee(session):
    case = make_case(session, state=State.FAILED, dispute_type="contract", arbitration_agreement=True)
    _refused(
        session,
        case,
        T.REFER_ARBITRATION,
        {"body_code": LABOUR_ARBITRATION},
        now=T0 + timedelta(hours=10),
        rule="arbitration_body_competent",
    )


@pytest.mark.parametrize("state", [State.FAILED, State.CONFIRMATION_REJECTED], ids=str)
def test_labour_dispute_is_always_arbitrable_by_the_labour_committee(session, state):
    case = make_case(session, state=state, dispute_type="labour", arbitration_agreement=False)
    done = _fire(session, case, T.REFER_ARBITRATION, {"body_code": LABOUR_ARBITRATION}, now=T0 + timedelta(hours=10))
    assert done.state == State.ARBITRATION


def test_labour_dispute_cannot_go_to_a_commercial_arbitration_commission(session):
    case = make_case(session, state=State.FAILED, dispute_type="labour")
    err = _refused(
        session,
        case,
        T.REFER_ARBITRATION,
        {"body_code": COMMERCIAL_ARBITRATION},
        now=T0 + timedelta(hours=10),
        rule="arbitration_body_competent",
    )
    assert "labour_arbitration" in err.extra["rules"][0]["reason"]


def test_land_contract_dispute_goes_to_the_land_arbitration_committee_without_agreement(session):
    case = make_case(session, state=State.FAILED, dispute_type="land_contract")
    _refused(
        session,
        case,
        T.REFER_ARBITRATION,
        {"body_code": COMMERCIAL_ARBITRATION},
        now=T0 + timedelta(hours=10),
        rule="arbitration_body_competent",
    )
    done = _fire(session, case, T.REFER_ARBITRATION, {"body_code": LAND_ARBITRATION}, now=T0 + timedelta(hours=11))
    assert done.state == State.ARBITRATION


# --- escalate: a next level must exist ---------------------------------------------------------------


def test_escalate_from_the_top_level_names_an_organization_or_returns_to_intake(session):
    # At the top the case goes back to intake,
    # flagged for the supervisor; naming the receiving organization is still allowed.
    case = make_case(session, state=State.MEDIATION)
    _fire(session, case, T.ESCALATE, {"reason": "上报"}, now=T0 + timedelta(hours=5))  # -> county committee
    _fire(session, case, T.ACCEPT, {}, now=T0 + timedelta(hours=6), username="mediator5")
    done = _fire(
        session,
        case,
        T.ESCALATE,
        {"reason": "转商事调解", "org_code": "CN-ZJ-XH-SSTJ"},
        now=T0 + timedelta(hours=8),
        username="mediator5",
    )
    assert (done.state, picture(session, case.id).case["org_code"]) == (State.DIVERSION, "CN-ZJ-XH-SSTJ")
    other = make_case(session, state=State.MEDIATION)
    _fire(session, other, T.ESCALATE, {"reason": "上报"}, now=T0 + timedelta(hours=5))
    _fire(session, other, T.ACCEPT, {}, now=T0 + timedelta(hours=6), username="mediator5")
    back = _fire(session, other, T.ESCALATE, {"reason": "再上报"}, now=T0 + timedelta(hours=7), username="mediator5")
    pic = picture(session, other.id)
    assert (back.state, pic.case["org_code"]) == (State.INTAKE, None)
    assert "escalation_exhausted" in pic.case["flags"]
