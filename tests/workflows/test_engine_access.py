"""Who may fire what on which case, stale versions, and payloads that do not fit (docs/contract.md §3, §4, §5).

Every refusal here must leave the case untouched: state, version, events, deadlines, hand-offs.
"""

import uuid
from datetime import timedelta

import pytest

from api.errors import status_for
from states.enums import Role, State, Trigger
from tests.factories import COURT, MEDIATION_ORG, T0, actor, make_case
from tests.workflows.support import picture, refused_without_change
from workflows.access import SYSTEM_TIMEOUT, Actor
from workflows.engine import fire
from workflows.errors import (
    Forbidden,
    NotVisible,
    StaleVersion,
    UnknownTrigger,
)

T = Trigger
NOW = T0 + timedelta(hours=12)
OTHER_COURT = Actor("court-gongshu", Role.COURT, "CN-ZJ-GS-FY", "330105")
OTHER_WINDOW = Actor("window-gongshu", Role.INTAKE, "CN-ZJ-GS-ZZZX", "330105")  # 拱墅区, not 西湖区
OTHER_SUPERVISOR = Actor("super-gongshu", Role.SUPERVISOR, "CN-ZJ-GS-ZZZX", "330105")


# --- one trigger, every role ---------------------------------------------------------------------


def _diversion_case_the_court_can_see(session):
    """A case back in diversion after a rejected confirmation: it still carries the court's code, so
    the court sees it, and it is assigned to the county committee (CN-ZJ-XH-RTW)."""
    case = make_case(session, state=State.CONFIRMATION_REJECTED)
    fire(
        session,
        case_id=case.id,
        trigger=T.RESUME_MEDIATION,
        actor=actor(session, "mediator1"),
        payload={},
        now=T0 + timedelta(hours=7),
    )
    fire(
        session,
        case_id=case.id,
        trigger=T.ESCALATE,
        actor=actor(session, "mediator1"),
        payload={"reason": "需区调委会调处"},
        now=T0 + timedelta(hours=8),
    )
    pic = picture(session, case.id)
    assert (pic.state, pic.case["org_code"], pic.case["court_code"]) == ("diversion", "CN-ZJ-XH-RTW", COURT)
    return case


@pytest.mark.parametrize("username", ["window1", "court1", "super1", "admin"])
def test_accept_by_a_role_other_than_mediator_is_forbidden(session, username):
    case = _diversion_case_the_court_can_see(session)
    err = refused_without_change(
        session, NOW, case, T.ACCEPT, actor(session, username), {"mediator_code": "M-0010"}, Forbidden
    )
    assert status_for(err) == 403


def test_accept_by_the_system_clock_is_forbidden(session):
    case = make_case(session, state=State.DIVERSION)
    refused_without_change(session, NOW, case, T.ACCEPT, SYSTEM_TIMEOUT, {"mediator_code": "M-0001"}, Forbidden)


def test_accept_by_a_mediator_of_another_organization_is_not_visible(session):
    case = make_case(session, state=State.DIVERSION)  # assigned to CN-ZJ-XH-CC-RTW
    for username in ("mediator2", "mediator5", "mediator6"):  # labour centre, county, community
        err = refused_without_change(session, NOW, case, T.ACCEPT, actor(session, username), {}, NotVisible)
        assert status_for(err) == 404


def test_accept_by_the_previously_assigned_organization_after_escalation_is_not_visible(session):
    case = _diversion_case_the_court_can_see(session)
    refused_without_change(session, NOW, case, T.ACCEPT, actor(session, "mediator1"), {}, NotVisible)


def test_accept_by_a_mediator_of_the_assigned_organization_succeeds(session):
    case = _diversion_case_the_court_can_see(session)
    done = fire(session, case_id=case.id, trigger=T.ACCEPT, actor=actor(session, "mediator5"), payload={}, now=NOW)
    assert (done.state, done.mediator_code) == (State.MEDIATION, "M-0010")


def test_a_court_cannot_see_a_case_still_in_diversion(session):
    """Courts see the confirmations addressed to them, nothing earlier (docs/contract.md §3): 404, not 403."""
    case = make_case(session, state=State.DIVERSION)
    refused_without_change(session, NOW, case, T.ACCEPT, actor(session, "court1"), {}, NotVisible)


def test_another_court_cannot_see_a_confirmation_addressed_elsewhere(session):
    case = make_case(session, state=State.JUDICIAL_CONFIRMATION)
    refused_without_change(
        session, NOW, case, T.COURT_CONFIRM, OTHER_COURT, {"ruling_no": "（2026）浙0105民特1号"}, NotVisible
    )
    done = fire(
        session,
        case_id=case.id,
        trigger=T.COURT_CONFIRM,
        actor=actor(session, "court1"),
        payload={"ruling_no": "（2026）浙0106民特1号"},
        now=NOW,
    )
    assert done.state == State.CONFIRMED


@pytest.mark.parametrize("who", [OTHER_WINDOW, OTHER_SUPERVISOR], ids=lambda a: a.name)
def test_centre_staff_outside_the_cases_region_cannot_see_it(session, who):
    case = make_case(session, state=State.INTAKE)
    refused_without_change(session, NOW, case, T.DIVERT, who, {"org_code": MEDIATION_ORG}, NotVisible)


def test_centre_staff_with_a_region_that_only_shares_a_prefix_cannot_see_the_case(session):
    """330106001 (北山街道) must not see 330106002… (西溪街道)."""
    case = make_case(session, state=State.INTAKE, region="330106002002")
    town = Actor("window-beishan", Role.INTAKE, "CN-ZJ-XH-CC-RTW", "330106001")
    refused_without_change(session, NOW, case, T.DIVERT, town, {"org_code": MEDIATION_ORG}, NotVisible)


def test_staff_without_any_region_see_nothing(session):
    case = make_case(session, state=State.INTAKE)
    refused_without_change(
        session,
        NOW,
        case,
        T.DIVERT,
        Actor("window-x", Role.INTAKE, None, None),
        {"org_code": MEDIATION_ORG},
        NotVisible,
    )


def test_a_city_level_supervisor_sees_the_cases_of_its_districts(session):
    """Regression (bug at 075e364): region scoping was a plain string prefix, so a city-level centre
    (330100, 杭州市) could not see cases of its own districts (330106…, 西湖区)."""
    case = make_case(session, state=State.INTAKE)  # 330106001001
    city = Actor("super-hangzhou", Role.SUPERVISOR, "CN-HZ-ZZZX", "330100")
    done = fire(session, case_id=case.id, trigger=T.DIVERT, actor=city, payload={"org_code": MEDIATION_ORG}, now=NOW)
    assert done.state == State.DIVERSION


def test_a_province_level_supervisor_sees_the_cases_of_its_cities(session):
    case = make_case(session, state=State.INTAKE)
    province = Actor("super-zhejiang", Role.SUPERVISOR, "CN-ZJ-ZZZX", "330000")
    done = fire(
        session, case_id=case.id, trigger=T.DIVERT, actor=province, payload={"org_code": MEDIATION_ORG}, now=NOW
    )
    assert done.state == State.DIVERSION


@pytest.mark.parametrize("region", ["330200", "320100", "310000"], ids=["ningbo", "nanjing", "shanghai"])
def test_a_supervisor_of_another_city_or_province_cannot_see_the_case(session, region):
    case = make_case(session, state=State.INTAKE)
    other = Actor("super-elsewhere", Role.SUPERVISOR, "CN-XX-ZZZX", region)
    refused_without_change(session, NOW, case, T.DIVERT, other, {"org_code": MEDIATION_ORG}, NotVisible)


def test_a_case_that_does_not_exist_is_not_visible(session):
    with pytest.raises(NotVisible):
        fire(
            session,
            case_id=uuid.UUID(int=7),
            trigger=T.DIVERT,
            actor=actor(session, "window1"),
            payload={"org_code": MEDIATION_ORG},
            now=NOW,
        )
    with pytest.raises(NotVisible):
        fire(session, case_id="not-a-uuid", trigger=T.DIVERT, actor=actor(session, "window1"), payload={}, now=NOW)


def test_an_unknown_trigger_is_refused_before_touching_the_case(session):
    case = make_case(session, state=State.INTAKE)
    err = refused_without_change(session, NOW, case, "teleport", actor(session, "window1"), {}, UnknownTrigger)
    assert status_for(err) == 404


# --- stale versions -------------------------------------------------------------------------------


def test_a_stale_expected_version_is_refused(session):
    case = make_case(session, state=State.MEDIATION)  # version 3: open, divert, accept
    assert case.version == 3
    err = refused_without_change(
        session,
        NOW,
        case,
        T.FAIL,
        actor(session, "mediator1"),
        {"reason": "分歧过大"},
        StaleVersion,
        expected_version=2,
    )
    assert (err.extra["expected"], err.extra["actual"]) == (2, 3)
    assert status_for(err) == 409


def test_the_current_expected_version_is_accepted(session):
    case = make_case(session, state=State.MEDIATION)
    done = fire(
        session,
        case_id=case.id,
        trigger=T.FAIL,
        actor=actor(session, "mediator1"),
        payload={"reason": "分歧过大"},
        expected_version=3,
        now=NOW,
    )
    assert (done.state, done.version) == (State.FAILED, 4)


def test_a_version_from_the_future_is_stale_too(session):
    case = make_case(session, state=State.MEDIATION)
    refused_without_change(
        session,
        NOW,
        case,
        T.FAIL,
        actor(session, "mediator1"),
        {"reason": "分歧过大"},
        StaleVersion,
        expected_version=4,
    )
