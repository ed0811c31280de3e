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
    assert client.get("/api/v1/cases", headers=court).json() == {"data": [], "count": 0}


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


# --- 422: payloads ---------------------------------------------------------------------------------


def _fields(r) -> list[str]:
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert all(set(e) == {"loc", "field", "msg", "type"} for e in detail), detail
    return [e["field"] for e in detail]


@pytest.mark.parametrize(
    "state, username, trigger, payload, field",
    [
        ("diversion", "mediator1", "decline", {}, "reason"),
        ("diversion", "mediator1", "decline", {"reason": "   "}, "reason"),
        ("mediation", "mediator1", "fail", {"reason": None}, "reason"),
        ("mediation", "mediator1", "extend", {"days": 15, "reason": "等待鉴定", "consent": False}, "consent"),
        ("mediation", "mediator1", "extend", {"days": 15, "reason": "等待鉴定", "consent": "true"}, "consent"),
        ("mediation", "mediator1", "extend", {"days": 0, "reason": "等待鉴定", "consent": True}, "days"),
        ("mediation", "mediator1", "extend", {"days": "15", "reason": "等待鉴定", "consent": True}, "days"),
        ("intake", "window1", "divert", {"org_code": "CN-NOWHERE"}, "org_code"),
        ("intake", "window1", "divert", {"org_code": "CN-ZJ-XH-FY"}, "org_code"),
        ("intake", "window1", "transfer_out", {"reason": "属行政争议"}, "agency"),
        ("diversion", "mediator1", "accept", {"mediator_code": "M-0004"}, "mediator_code"),
        ("diversion", "mediator1", "accept", {"mediator_code": "M-9999"}, "mediator_code"),
        ("agreement", "mediator1", "request_confirmation", {"joint_application": JOINT}, "court_code"),
        (
            "agreement",
            "mediator1",
            "request_confirmation",
            {"court_code": MEDIATION_ORG, "joint_application": JOINT},
            "court_code",
        ),
    ],
)
def test_a_bad_payload_is_422_naming_the_field(client, login, engine, state, username, trigger, payload, field):
    case = case_in(client, login, state)

    r = fire(client, login(username), case["id"], trigger, payload)

    assert _fields(r) == [field]
    assert _version(engine, case["id"]) == case["version"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"obligations": [{"obligor": 2, "obligee": 0, "description": "赔偿"}]}, "obligations.0.obligor"),
        (
            {
                "obligations": [
                    {"obligor": 1, "obligee": 0, "description": "赔偿"},
                    {"obligor": 1, "obligee": 5, "description": "道歉"},
                ]
            },
            "obligations.1.obligee",
        ),
        ({"obligations": [{"obligor": -1, "obligee": 0, "description": "赔偿"}]}, "obligations.0.obligor"),
        ({"obligations": [{"obligor": "1", "obligee": 0, "description": "赔偿"}]}, "obligations.0.obligor"),
        (
            {"obligations": [{"obligor": 1, "obligee": 0, "description": "赔偿", "amount": "1.005"}]},
            "obligations.0.amount",
        ),
        ({"obligations": []}, "obligations"),
        ({"obligations": None}, "obligations"),
        ({"facts": ""}, "facts"),
        ({"signed_at": "2026-02-30T10:00:00+08:00"}, "signed_at"),
        ({"signed_at": "2999-01-01T10:00:00+08:00"}, "signed_at"),
        ({"form": "telepathic"}, "form"),
    ],
)
def test_a_bad_agreement_is_422_naming_the_field(client, login, session, change, field):
    case = make_case(session, state=State.MEDIATION)
    body = {**agreement_payload(), **change}

    r = fire(client, login("mediator1"), str(case.id), "reach_agreement", body)

    assert _fields(r) == [field]


def test_an_obligor_who_is_also_the_obligee_is_422_naming_the_obligation(client, login, session):
    case = make_case(session, state=State.MEDIATION)
    body = {**agreement_payload(), "obligations": [{"obligor": 1, "obligee": 1, "description": "赔偿"}]}

    r = fire(client, login("mediator1"), str(case.id), "reach_agreement", body)

    assert _fields(r) == ["obligations.0"]
    assert "obligor" in r.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"satisfaction": 0, "performed": True}, "satisfaction"),
        ({"satisfaction": 6, "performed": True}, "satisfaction"),
        ({"satisfaction": 4.5, "performed": True}, "satisfaction"),
        ({"satisfaction": "5", "performed": True}, "satisfaction"),
        ({"satisfaction": 5, "performed": "yes"}, "performed"),
        ({"satisfaction": 5}, "performed"),
    ],
)
def test_a_followup_outside_one_to_five_or_without_a_boolean_is_422(client, login, session, payload, field):
    case = make_case(session, state=State.CLOSED)

    r = fire(client, login("mediator1"), str(case.id), "record_followup", payload)

    assert _fields(r) == [field]


@pytest.mark.parametrize("satisfaction", [1, 5])
def test_a_followup_at_either_end_of_the_scale_is_recorded(client, login, session, satisfaction):
    case = make_case(session, state=State.CLOSED)

    body = act(
        client, login("mediator1"), str(case.id), "record_followup", {"satisfaction": satisfaction, "performed": False}
    )

    assert body["state"] == "closed"


# --- If-Match ----------------------------------------------------------------------------------------


def test_if_match_with_a_stale_version_is_409_and_changes_nothing(client, login, engine):
    window = login("window1")
    case = open_case(client, window)

    r = fire(client, window, case["id"], "divert", {"org_code": MEDIATION_ORG}, extra_headers={"If-Match": "0"})

    assert r.status_code == 409
    assert (r.json()["expected"], r.json()["actual"]) == (0, 1)
    assert _events(engine, case["id"]) == 1 and _version(engine, case["id"]) == 1


@pytest.mark.parametrize("if_match", ["abc", "1.0", "-1", "", "v1"])
def test_if_match_that_is_not_a_version_is_422_naming_the_header(client, login, if_match):
    window = login("window1")
    case = open_case(client, window)

    r = fire(client, window, case["id"], "divert", {"org_code": MEDIATION_ORG}, extra_headers={"If-Match": if_match})

    assert _fields(r) == ["If-Match"]
    assert r.json()["detail"][0]["loc"] == ["header", "If-Match"]


@pytest.mark.parametrize("if_match", ["1", '"1"', 'W/"1"'])
def test_if_match_with_the_current_version_or_its_etag_fires(client, login, if_match):
    window = login("window1")
    case = open_case(client, window)
    etag = client.get(f"/api/v1/cases/{case['id']}", headers=window).headers["ETag"]
    assert etag == '"1"'

    r = fire(client, window, case["id"], "divert", {"org_code": MEDIATION_ORG}, extra_headers={"If-Match": if_match})

    assert r.status_code == 200
    assert r.json()["version"] == 2 and r.headers["ETag"] == '"2"'


def test_the_second_of_two_edits_from_the_same_version_loses(client, login):
    window = login("window1")
    case = open_case(client, window)
    act(client, window, case["id"], "divert", {"org_code": MEDIATION_ORG})

    r = fire(client, window, case["id"], "withdraw", {"reason": "当事人撤回"}, extra_headers={"If-Match": "1"})

    assert r.status_code == 409
    assert r.json()["actual"] == 2
