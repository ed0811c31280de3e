"""Organizations as a hierarchy over HTTP: admins create, replace, patch and delete; others get 403;
bad data is 422 naming the field; the lists everyone uses keep working."""

import pytest
import sqlalchemy as sa

BASE = "/api/v1/organizations"


@pytest.fixture
def scratch(engine):
    """Organizations made here (codes T4-…, county 330112) are removed afterwards."""

    def wipe():
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM organizations WHERE code LIKE 'T4-%' AND parent_code IS NOT NULL"))
            conn.execute(sa.text("DELETE FROM organizations WHERE code LIKE 'T4-%'"))

    wipe()
    yield
    wipe()


def county(**over):
    body = {
        "code": "T4-CTY",
        "name": "试验县人民调解委员会",
        "kind": "people_mediation",
        "level": "county",
        "region": "330112",
        "dispute_types": ["neighbour", "family", "other"],
        "stationing": "resident",
        "capacity": 50,
        "invited_by": ["CN-ZJ-XH-FY"],
    }
    body.update(over)
    return body


def town(**over):
    body = {
        "code": "T4-TWN",
        "name": "试验镇人民调解委员会",
        "kind": "people_mediation",
        "level": "town",
        "region": "330112001",
        "parent_code": "T4-CTY",
        "dispute_types": ["neighbour"],
        "stationing": "rotating",
        "duty_days": ["tue"],
    }
    body.update(over)
    return body


def test_an_admin_builds_a_hierarchy_and_everyone_sees_it(client, login, scratch):
    admin = login("admin")
    r = client.post(BASE, json=county(), headers=admin)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"{BASE}/T4-CTY"
    assert (r.json()["invited_by"], r.json()["capacity"]) == (["CN-ZJ-XH-FY"], 50)
    r = client.post(BASE, json=town(), headers=admin)
    assert r.status_code == 201, r.text
    listed = {o["code"]: o for o in client.get(BASE, headers=login("window1")).json()}
    assert listed["T4-TWN"]["parent_code"] == "T4-CTY" and listed["T4-TWN"]["duty_days"] == ["tue"]
    assert client.get(f"{BASE}/T4-TWN", headers=login("mediator1")).json()["level"] == "town"


def test_put_replaces_and_patch_changes_only_what_is_given(client, login, scratch):
    admin = login("admin")
    client.post(BASE, json=county(), headers=admin)
    client.post(BASE, json=town(), headers=admin)
    r = client.patch(f"{BASE}/T4-TWN", json={"stationing": "on_call"}, headers=admin)
    assert r.status_code == 200, r.text
    assert (r.json()["stationing"], r.json()["duty_days"], r.json()["dispute_types"]) == ("on_call", [], ["neighbour"])
    r = client.put(f"{BASE}/T4-TWN", json=town(name="试验镇人民调解委员会（新）", capacity=5), headers=admin)
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["capacity"], r.json()["stationing"]) == (
        "试验镇人民调解委员会（新）",
        5,
        "rotating",
    )
    r = client.patch(f"{BASE}/T4-TWN", json={"capacity": None}, headers=admin)
    assert r.json()["capacity"] is None


@pytest.mark.parametrize("username", ["window1", "mediator1", "court1", "super1"])
def test_only_admins_may_change_organizations(client, login, scratch, username):
    headers = login(username)
    assert client.post(BASE, json=county(), headers=headers).status_code == 403
    assert client.patch(f"{BASE}/CN-ZJ-XH-RTW", json={"capacity": 1}, headers=headers).status_code == 403
    assert client.put(f"{BASE}/CN-ZJ-XH-RTW", json=county(code=None), headers=headers).status_code == 403
    assert client.delete(f"{BASE}/CN-ZJ-XH-RTW", headers=headers).status_code == 403
    assert client.get(f"{BASE}/CN-ZJ-XH-RTW", headers=headers).json()["capacity"] == 60


def test_without_a_token_it_is_401(client, scratch):
    assert client.post(BASE, json=county()).status_code == 401


INVALID = [
    # id, body (after the county exists), field named
    ("unknown-kind", town(kind="mediation"), "kind"),
    ("unknown-level", town(level="province"), "level"),
    ("bad-region", town(region="33011"), "region"),
    ("unknown-stationing", town(stationing="sometimes"), "stationing"),
    ("bad-weekday", town(duty_days=["tuesday"]), "duty_days.0"),
    ("zero-capacity", town(capacity=0), "capacity"),
    ("unknown-dispute-type", town(dispute_types=["neighbor"]), "dispute_types.0"),
    ("unknown-field", town(priority=1), "priority"),
    ("rotating-without-duty-days", town(duty_days=[]), "duty_days"),
    ("duty-days-when-resident", town(stationing="resident"), "duty_days"),
    ("unknown-parent", town(parent_code="T4-NOPE"), "parent_code"),
    ("parent-not-above", town(level="county", region="330112"), "parent_code"),
    ("outside-the-parent-area", town(region="330113001"), "region"),
    ("invited-by-a-non-court", town(invited_by=["CN-ZJ-XH-RTW"]), "invited_by"),
    ("no-code", town(code=None), "code"),
    ("name-missing", {k: v for k, v in town().items() if k != "name"}, "name"),
]


@pytest.mark.parametrize("body,field", [i[1:] for i in INVALID], ids=[i[0] for i in INVALID])
def test_bad_organization_data_is_422_naming_the_field(client, login, scratch, body, field):
    admin = login("admin")
    assert client.post(BASE, json=county(), headers=admin).status_code == 201
    r = client.post(BASE, json=body, headers=admin)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["detail"]], r.json()


def test_a_loop_in_the_hierarchy_is_422(client, login, scratch):
    admin = login("admin")
    client.post(BASE, json=county(level="city", region="330100"), headers=admin)
    client.post(BASE, json=town(level="county", region="330112"), headers=admin)
    r = client.patch(f"{BASE}/T4-CTY", json={"parent_code": "T4-TWN"}, headers=admin)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "parent_code"


def test_conflicts_and_unknown_codes(client, login, scratch):
    admin = login("admin")
    assert client.post(BASE, json=county(), headers=admin).status_code == 201
    r = client.post(BASE, json=county(), headers=admin)
    assert r.status_code == 409 and "已存在" in r.json()["detail"]
    assert client.get(f"{BASE}/T4-NOPE", headers=admin).status_code == 404
    assert client.patch(f"{BASE}/T4-NOPE", json={"capacity": 3}, headers=admin).status_code == 404
    r = client.put(f"{BASE}/T4-CTY", json=county(code="T4-OTHER"), headers=admin)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "code"
    # A level below its children is refused when changed.
    client.post(BASE, json=town(), headers=admin)
    r = client.patch(f"{BASE}/T4-CTY", json={"level": "town"}, headers=admin)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "level"


def test_delete_refuses_what_is_still_referred_to(client, login, scratch):
    admin = login("admin")
    client.post(BASE, json=county(), headers=admin)
    client.post(BASE, json=town(), headers=admin)
    r = client.delete(f"{BASE}/T4-CTY", headers=admin)
    assert r.status_code == 409 and "下级组织" in r.json()["detail"]
    assert client.delete(f"{BASE}/CN-ZJ-XH-CC-RTW", headers=admin).status_code == 409  # mediators, users
    assert client.delete(f"{BASE}/T4-TWN", headers=admin).status_code == 204
    assert client.delete(f"{BASE}/T4-CTY", headers=admin).status_code == 204
    assert client.get(f"{BASE}/T4-CTY", headers=admin).status_code == 404


def test_mediators_list_still_works(client, login):
    r = client.get("/api/v1/mediators", params={"org_code": "CN-ZJ-XH-CC-RTW"}, headers=login("window1"))
    assert [m["code"] for m in r.json()] == ["M-0001", "M-0002"]
