"""Firing triggers that must be refused (docs/contract.md §5): 404 unknown/invisible, 403 role, 409 state,
guard and version, 422 payload — each with the shape a client relies on, and never a 5xx."""

import uuid
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from models.schemas import CaseCreate
from models.settings import get_settings
from models.tables import Case, CaseEvent
from states.enums import Role, State
from tests.api.steps import act, case_in, confirmation_request, fire, open_case, today
from tests.factories import COURT, MEDIATION_ORG, agreement_payload, case_payload, joint_application, make_case
from workflows.access import Actor
from workflows.intake import open_case as open_case_in_service

CASE_ROUTES = ["", "/actions", "/events", "/deadlines", "/documents"]
JOINT = joint_application(signed_on=today())


def _events(engine, case_id) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == uuid.UUID(case_id))).one()


def _version(engine, case_id) -> int:
    with Session(engine) as s:
        return s.get(Case, uuid.UUID(case_id)).version


# --- 404 -------------------------------------------------------------------------------------------


def test_an_unknown_trigger_is_404(client, login):
    window = login("window1")
    case = open_case(client, window)

    r = fire(client, window, case["id"], "approve_everything", {})

    assert r.status_code == 404
    assert "未知的操作" in r.json()["detail"]


@pytest.mark.parametrize("case_id", ["42", "not-a-uuid", "（2026）330106调0001号", str(uuid.UUID(int=0))])
def test_a_case_id_that_names_no_case_is_404_on_every_case_route(client, login, case_id):
    window = login("window1")
    for suffix in CASE_ROUTES:
        r = client.get(f"/api/v1/cases/{case_id}{suffix}", headers=window)
        assert r.status_code == 404, (suffix, r.text)
        assert r.json() == {"detail": "案件不存在"}
    r = fire(client, window, case_id, "divert", {"org_code": MEDIATION_ORG})
    assert r.status_code == 404


def test_a_mediator_of_another_organization_gets_404_not_403(client, login, engine):
    case = case_in(client, login, "diversion")
    labour_mediator = login("mediator2")

    for suffix in CASE_ROUTES:
        assert client.get(f"/api/v1/cases/{case['id']}{suffix}", headers=labour_mediator).status_code == 404
    r = fire(client, labour_mediator, case["id"], "accept", {"mediator_code": "M-0004"})

    assert r.status_code == 404
    assert r.json() == {"detail": "案件不存在"}
    assert _version(engine, case["id"]) == 2


def test_a_court_sees_nothing_of_a_case_not_addressed_to_it(client, login):
    case = case_in(client, login, "mediation")
    court = login("court1")

    for suffix in CASE_ROUTES:
        assert client.get(f"/api/v1/cases/{case['id']}{suffix}", headers=court).status_code == 404
    assert fire(client, court, case["id"], "court_confirm", {"ruling_no": "（2026）浙0106民特9号"}).status_code == 404
    assert client.get("/api/v1/cases", headers=court).json() == {
        "data": [],
        "count": 0,
        "count_exact": True,
        "next_cursor": None,
    }


def test_intake_outside_the_centres_region_is_422_naming_region(client, login):
    r = client.post("/api/v1/cases", json=case_payload(region="330105001"), headers=login("window1"))

    assert r.status_code == 422
    [error] = r.json()["detail"]
    assert error["field"] == "region" and error["loc"] == ["body", "region"]
    assert "330106" in error["msg"]


def test_a_case_of_another_centres_region_is_404_to_this_centres_window(client, login, session):
    other_centre = Actor("window-gongshu", Role.INTAKE, "CN-ZJ-GS-ZZZX", "330105")
    case, _ = open_case_in_service(
        session, data=CaseCreate.model_validate(case_payload(region="330105001")), actor=other_centre
    )

    for who in ("window1", "super1"):
        headers = login(who)
        for suffix in CASE_ROUTES:
            assert client.get(f"/api/v1/cases/{case.id}{suffix}", headers=headers).status_code == 404
        assert fire(client, headers, str(case.id), "divert", {"org_code": MEDIATION_ORG}).status_code == 404
        assert client.get("/api/v1/cases", headers=headers).json()["count"] == 0
    assert client.get(f"/api/v1/cases/{case.id}", headers=login("admin")).status_code == 200


# --- 403 -------------------------------------------------------------------------------------------


def test_the_window_may_not_reach_an_agreement_on_a_mediation_case(client, login, engine):
    case = case_in(client, login, "mediation")

    r = fire(client, login("window1"), case["id"], "reach_agreement", agreement_payload())

    assert r.status_code == 403
    assert "intake" in r.json()["detail"]
    assert _version(engine, case["id"]) == case["version"]


def test_a_mediator_may_not_decide_for_the_court(client, login, session):
    case = make_case(session, state=State.JUDICIAL_CONFIRMATION)

    r = fire(client, login("mediator1"), str(case.id), "court_confirm", {"ruling_no": "（2026）浙0106民特1号"})

    assert r.status_code == 403


@pytest.mark.parametrize("trigger", ["diversion_timeout", "mediation_timeout", "court_overdue"])
def test_system_timeouts_cannot_be_fired_by_a_person(client, login, session, trigger):
    case = make_case(session, state=State.MEDIATION)

    for who in ("mediator1", "window1", "super1"):
        assert fire(client, login(who), str(case.id), trigger, {}).status_code == 403


# --- 409: state --------------------------------------------------------------------------------------


def test_diverting_twice_is_409_listing_what_is_allowed(client, login, engine):
    window = login("window1")
    case = case_in(client, login, "diversion")

    r = fire(client, window, case["id"], "divert", {"org_code": MEDIATION_ORG})

    assert r.status_code == 409
    body = r.json()
    assert "diversion" in body["detail"]
    assert body["allowed"] == client.get(f"/api/v1/cases/{case['id']}/actions", headers=window).json()["allowed"]
    assert set(body["allowed"]) == {"transfer_out", "withdraw"}
    assert _events(engine, case["id"]) == 2


def test_following_up_a_case_that_is_not_closed_is_409(client, login):
    case = case_in(client, login, "mediation")

    r = fire(client, login("mediator1"), case["id"], "record_followup", {"satisfaction": 5, "performed": True})

    assert r.status_code == 409
    assert {"reach_agreement", "fail", "extend"} <= set(r.json()["allowed"])


# --- 409: legal guards -----------------------------------------------------------------------------


def _rules(r) -> list[str]:
    return [x["rule"] for x in r.json()["rules"]]


def test_a_family_status_agreement_cannot_go_to_judicial_confirmation(client, login, engine):
    case = case_in(client, login, "agreement", dispute_type="family", status_matter=True)

    r = fire(client, login("mediator1"), case["id"], "request_confirmation", confirmation_request())

    assert r.status_code == 409
    body = r.json()
    assert _rules(r) == ["not_a_status_matter"]
    assert "身份关系" in body["detail"] and "民诉法解释 第355条" in body["detail"]
    assert "request_confirmation" in body["allowed"]
    assert _events(engine, case["id"]) == 4


def test_an_oral_agreement_cannot_go_to_judicial_confirmation(client, login):
    mediator = login("mediator1")
    case = case_in(client, login, "mediation")
    oral = {
        **agreement_payload(),
        "form": "oral",
        "signed_at": (datetime.now(get_settings().tz) - timedelta(hours=1)).isoformat(),
    }
    act(client, mediator, case["id"], "reach_agreement", oral)

    r = fire(client, mediator, case["id"], "request_confirmation", confirmation_request())

    assert r.status_code == 409
    assert _rules(r) == ["written_agreement"]
    assert "人民调解法 第29条" in r.json()["detail"]


def test_confirmation_after_the_thirty_day_window_is_refused(client, login, session):
    # The request comes now (HTTP uses the real clock), so the agreement is dated 45 days back: its
    # 30-day window has closed.
    mediator = login("mediator1")
    case = make_case(session, state=State.MEDIATION)
    long_ago = datetime.now(get_settings().tz) - timedelta(days=45)
    act(client, mediator, str(case.id), "reach_agreement", {**agreement_payload(), "signed_at": long_ago.isoformat()})

    r = fire(client, mediator, str(case.id), "request_confirmation", confirmation_request())

    assert r.status_code == 409
    assert _rules(r) == ["within_confirmation_window"]
    assert "人民调解法 第33条" in r.json()["detail"]


def test_a_labour_dispute_must_be_arbitrated_before_litigation(client, login, session):
    case = make_case(session, state=State.FAILED, dispute_type="labour")

    r = fire(client, login("mediator1"), str(case.id), "refer_litigation", {"court_code": COURT})

    assert r.status_code == 409
    assert _rules(r) == ["labour_litigation_grounds"]
    assert "劳动争议调解仲裁法 第5条" in r.json()["detail"]
    assert "refer_arbitration" in r.json()["allowed"]


def test_a_family_dispute_is_never_referred_to_arbitration(client, login, session):
    case = make_case(session, state=State.FAILED, dispute_type="family")

    r = fire(client, login("mediator1"), str(case.id), "refer_arbitration", {"body_code": "CN-HZ-ZCW"})

    assert r.status_code == 409
    assert "arbitrable" in _rules(r)
    assert "仲裁法 第3条" in r.json()["detail"]


def test_a_neighbour_dispute_without_an_arbitration_agreement_is_not_arbitrated(client, login, session):
    case = make_case(session, state=State.FAILED, arbitration_agreement=False)

    r = fire(client, login("mediator1"), str(case.id), "refer_arbitration", {"body_code": "CN-HZ-ZCW"})

    assert r.status_code == 409
    assert _rules(r) == ["arbitrable"]
    assert "仲裁协议" in r.json()["detail"]


def test_the_top_committee_escalating_without_naming_where_to_returns_the_case_to_intake(client, login):
    # At the top of the chain: back to intake, flagged for the supervisor.
    window, county_mediator = login("window1"), login("mediator5")
    case = open_case(client, window)
    act(client, window, case["id"], "divert", {"org_code": "CN-ZJ-XH-RTW"})

    r = fire(client, county_mediator, case["id"], "escalate", {"reason": "案情复杂"})

    assert r.status_code == 200
    assert (r.json()["state"], r.json()["org_code"]) == ("intake", None)
    assert "escalation_exhausted" in r.json()["flags"]


def test_resuming_a_clock_that_runs_is_409(client, login, session):
    case = make_case(session, state=State.MEDIATION)

    r = fire(client, login("mediator1"), str(case.id), "resume_clock", {"reason": "鉴定结束"})

    assert r.status_code == 409
    assert _rules(r) == ["clock_paused"]
