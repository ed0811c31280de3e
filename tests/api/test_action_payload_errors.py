"""Firing with a bad payload or a bad If-Match over HTTP: 422 naming the field, 409 for a stale version (docs/contract.md §5)."""

import uuid

import pytest
from sqlmodel import Session, func, select

from models.tables import Case, CaseEvent
from states.enums import State
from tests.api.steps import act, case_in, fire, open_case, today
from tests.factories import MEDIATION_ORG, agreement_payload, joint_application, make_case

JOINT = joint_application(signed_on=today())

CASE_ROUTES = ["", "/actions", "/events", "/deadlines", "/documents"]


def _events(engine, case_id) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == uuid.UUID(case_id))).one()


def _version(engine, case_id) -> int:
    with Session(engine) as s:
        return s.get(Case, uuid.UUID(case_id)).version


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
