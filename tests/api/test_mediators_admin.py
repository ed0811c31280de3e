"""docs/contract.md §5 (v2): `POST /api/v1/mediators`, `PATCH /api/v1/mediators/{code}` for administrators:
create, specialties, part-time, move between mediation bodies, retire — refused (409, the open cases
listed) while the mediator holds open cases. A retired mediator takes no new case."""

import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from states.enums import State
from tests.factories import make_case
from workflows import changelog

BASE = "/api/v1/mediators"


@pytest.fixture(autouse=True)
def scratch_mediators(engine):
    """Mediators made here (codes MT-…) are removed afterwards: the demo committees' lists stay as seeded."""
    yield
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM mediators WHERE code LIKE 'MT-%'"))


def new_code() -> str:
    return f"MT-{uuid.uuid4().hex[:8]}"


def body(**over):
    data = {"code": new_code(), "name": "吴晓燕", "org_code": "CN-ZJ-XH-CC-RTW", "specialties": ["family"]}
    data.update(over)
    return data


def test_an_admin_creates_changes_moves_and_retires_a_mediator(client, login, engine):
    admin = login("admin")
    data = body()
    r = client.post(BASE, json=data, headers=admin)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"{BASE}/{data['code']}"
    assert (r.json()["part_time"], r.json()["active"]) == (False, True)

    r = client.patch(
        f"{BASE}/{data['code']}", json={"specialties": ["family", "neighbour"], "part_time": True}, headers=admin
    )
    assert r.status_code == 200 and r.json()["specialties"] == ["family", "neighbour"] and r.json()["part_time"]

    r = client.patch(f"{BASE}/{data['code']}", json={"org_code": "CN-ZJ-XH-BS-RTW"}, headers=admin)
    assert r.status_code == 200 and r.json()["org_code"] == "CN-ZJ-XH-BS-RTW"

    r = client.patch(f"{BASE}/{data['code']}", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    listed = {m["code"]: m for m in client.get(BASE, headers=login("window1")).json()}
    assert listed[data["code"]]["active"] is False

    with Session(engine) as s:
        log = changelog.recent(s, entity="mediator", key=data["code"])
    assert [c.action for c in log] == ["retire", "move", "update", "create"]
    assert (log[1].before, log[1].after) == ({"org_code": "CN-ZJ-XH-CC-RTW"}, {"org_code": "CN-ZJ-XH-BS-RTW"})


@pytest.mark.parametrize("who", ["window1", "mediator1", "super1", "court1"])
def test_other_roles_are_refused_403(client, login, who):
    headers = login(who)
    assert client.post(BASE, json=body(), headers=headers).status_code == 403
    assert client.patch(f"{BASE}/M-0001", json={"part_time": False}, headers=headers).status_code == 403


@pytest.mark.parametrize(
    "over, field",
    [
        ({"org_code": "NO-SUCH-ORG"}, "org_code"),
        ({"org_code": "CN-ZJ-XH-FY"}, "org_code"),  # a court
        ({"org_code": "CN-ZJ-XH-LDZC"}, "org_code"),  # an arbitration body
        ({"specialties": ["astrology"]}, "specialties.0"),
        ({"specialties": ["family", "family"]}, "specialties"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, login, over, field):
    r = client.post(BASE, json=body(**over), headers=login("admin"))
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["detail"]]


def test_a_code_taken_is_409_and_an_unknown_one_404(client, login):
    admin = login("admin")
    r = client.post(BASE, json=body(code="M-0001"), headers=admin)
    assert r.status_code == 409 and r.json()["field"] == "code"
    assert (
        client.patch(f"{BASE}/M-NOPE-{uuid.uuid4().hex[:4]}", json={"part_time": True}, headers=admin).status_code
        == 404
    )


def test_retiring_or_moving_a_mediator_with_open_cases_is_refused_listing_them(client, login, session):
    case = make_case(session, state=State.MEDIATION)
    assert case.mediator_code
    admin = login("admin")

    r = client.patch(f"{BASE}/{case.mediator_code}", json={"active": False}, headers=admin)

    assert r.status_code == 409, r.text
    assert case.case_no in r.json()["detail"] and r.json()["cases"] == [case.case_no]
    assert r.json()["field"] == "active"
    r = client.patch(f"{BASE}/{case.mediator_code}", json={"org_code": "CN-ZJ-XH-BS-RTW"}, headers=admin)
    assert r.status_code == 409 and case.case_no in r.json()["detail"]
    listed = {m["code"]: m for m in client.get(BASE, headers=admin).json()}
    assert listed[case.mediator_code]["active"] is True


def test_a_retired_mediator_is_not_accepted_on_a_case(client, login, session):
    admin = login("admin")
    data = body()
    client.post(BASE, json=data, headers=admin)
    client.patch(f"{BASE}/{data['code']}", json={"active": False}, headers=admin)
    case = make_case(session, state=State.DIVERSION)
    assert case.org_code == data["org_code"]

    r = client.post(
        f"/api/v1/cases/{case.id}/actions/accept", json={"mediator_code": data["code"]}, headers=login("mediator1")
    )

    assert r.status_code == 422 and "已退出" in r.text
