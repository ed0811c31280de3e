"""docs/contract.md §3 (v2): `GET|POST /api/v1/users`, `PATCH /api/v1/users/{username}` for administrators.
Passwords are never returned; a password an administrator sets must be changed at the next login (the API
answers 403 until then, but for the password change); a reset or disabling ends every session; bad input
is 422 naming the field, a username taken 409; every change is in the administrative change log."""

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.deps import MUST_CHANGE_PASSWORD
from tests.api.accounts_support import CENTRE, PASSWORD, TOKEN_URL, api_token, app_with, bearer, fresh_user
from workflows import changelog

USERS = "/api/v1/users"
CASES = "/api/v1/cases"
CHANGE = "/api/v1/auth/password"
GIVEN = "given-by-the-admin-42"
OWN = "my-own-passphrase-2027"


def new_name() -> str:
    return f"u-{uuid.uuid4().hex[:10]}"


def body(**over):
    data = {"username": new_name(), "password": GIVEN, "role": "intake", "org": CENTRE, "display_name": "陈静"}
    data.update(over)
    return data


def field_of(r) -> list[str]:
    assert r.status_code == 422, r.text
    return [e["field"] for e in r.json()["detail"]]


def test_an_admin_creates_lists_and_reads_an_account_without_its_password(client, login):
    admin = login("admin")
    data = body()
    r = client.post(USERS, json=data, headers=admin)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"{USERS}/{data['username']}"
    made = r.json()
    assert made["role"] == "intake" and made["org"] == CENTRE and made["display_name"] == "陈静"
    assert made["active"] is True and made["must_change_password"] is True
    listed = client.get(USERS, headers=admin)
    assert listed.status_code == 200
    assert data["username"] in {u["username"] for u in listed.json()}
    for text in (r.text, listed.text, client.get(f"{USERS}/{data['username']}", headers=admin).text):
        assert GIVEN not in text and "password_hash" not in text and "$argon2" not in text


@pytest.mark.parametrize("who", ["window1", "mediator1", "super1", "court1"])
def test_other_roles_are_refused_403(client, login, who):
    headers = login(who)
    assert client.get(USERS, headers=headers).status_code == 403
    assert client.post(USERS, json=body(), headers=headers).status_code == 403
    r = client.patch(f"{USERS}/window1", json={"active": False}, headers=headers)
    assert r.status_code == 403 and "管理员" in r.json()["detail"]
    assert client.post(TOKEN_URL, data={"username": "window1", "password": "jiefen-demo-2026"}).status_code == 200


@pytest.mark.parametrize(
    "over, field",
    [
        ({"org": "NO-SUCH-ORG"}, "org"),
        ({"org": None}, "org"),
        ({"role": "boss"}, "role"),
        ({"role": "system"}, "role"),
        ({"role": "court"}, "org"),  # a court user of a body that is not a court
        ({"role": "mediator", "org": "CN-ZJ-XH-CC-RTW"}, "mediator"),  # no mediator named
        ({"role": "mediator", "org": "CN-ZJ-XH-CC-RTW", "mediator": "M-0004"}, "mediator"),  # another org's
        ({"role": "mediator", "org": "CN-ZJ-XH-CC-RTW", "mediator": "M-9999"}, "mediator"),
        ({"mediator": "M-0001"}, "mediator"),  # an intake user linked to a mediator
        ({"password": ""}, "password"),
        ({"username": ""}, "username"),
        ({"shoe_size": 42}, "shoe_size"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, login, over, field):
    r = client.post(USERS, json=body(**over), headers=login("admin"))
    assert field in field_of(r)


def test_a_username_taken_is_409(client, login):
    r = client.post(USERS, json=body(username="window1"), headers=login("admin"))
    assert r.status_code == 409 and "window1" in r.json()["detail"] and r.json()["field"] == "username"


def test_a_mediator_account_is_linked_to_a_mediator_of_its_own_organization(client, login):
    r = client.post(USERS, json=body(role="mediator", org="CN-ZJ-XH-LDTJ", mediator="M-0004"), headers=login("admin"))
    assert r.status_code == 201, r.text
    assert (r.json()["org"], r.json()["mediator"]) == ("CN-ZJ-XH-LDTJ", "M-0004")


@pytest.mark.parametrize("weak", ["short-1", "password1234"])
def test_production_refuses_a_weak_password_naming_the_field(engine, weak):
    with TestClient(app_with(engine, env="production")) as client:
        admin = bearer(api_token(client, "admin", "jiefen-demo-2026"))
        r = client.post(USERS, json=body(password=weak), headers=admin)
        assert field_of(r) == ["password"] and weak not in r.text
        r = client.patch(f"{USERS}/window1", json={"password": weak}, headers=admin)
        assert field_of(r) == ["password"]


def test_a_new_account_must_change_its_password_before_anything_else(client, login):
    data = body()
    assert client.post(USERS, json=data, headers=login("admin")).status_code == 201
    token = api_token(client, data["username"], GIVEN)

    r = client.get(CASES, headers=bearer(token))
    assert r.status_code == 403 and r.json()["detail"] == MUST_CHANGE_PASSWORD
    assert client.get("/api/v1/organizations", headers=bearer(token)).status_code == 403

    r = client.post(CHANGE, headers=bearer(token), json={"old_password": GIVEN, "new_password": OWN})
    assert r.status_code == 200, r.text
    fresh = api_token(client, data["username"], OWN)
    assert client.get(CASES, headers=bearer(fresh)).status_code == 200
    assert client.get(f"{USERS}/{data['username']}", headers=login("admin")).json()["must_change_password"] is False


def test_a_reset_ends_every_session_and_the_user_must_change_it(client, login, engine):
    user = fresh_user(engine)
    token = api_token(client, user)
    assert client.get(CASES, headers=bearer(token)).status_code == 200

    r = client.patch(f"{USERS}/{user}", json={"password": GIVEN}, headers=login("admin"))

    assert r.status_code == 200 and r.json()["must_change_password"] is True and GIVEN not in r.text
    assert client.get(CASES, headers=bearer(token)).status_code == 401
    assert client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}).status_code == 401
    assert client.get(CASES, headers=bearer(api_token(client, user, GIVEN))).status_code == 403


def test_disabling_ends_every_session_and_enabling_lets_the_user_log_in_again(client, login, engine):
    user = fresh_user(engine)
    token = api_token(client, user)
    admin = login("admin")

    r = client.patch(f"{USERS}/{user}", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get(CASES, headers=bearer(token)).status_code == 401
    assert client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}).status_code == 401

    assert client.patch(f"{USERS}/{user}", json={"active": True}, headers=admin).status_code == 200
    assert client.get(CASES, headers=bearer(token)).status_code == 401  # the old session stays ended
    assert client.get(CASES, headers=bearer(api_token(client, user))).status_code == 200


def test_role_organization_and_mediator_change_together_and_are_checked(client, login, engine):
    user = fresh_user(engine)
    admin = login("admin")
    r = client.patch(f"{USERS}/{user}", json={"role": "mediator"}, headers=admin)
    assert field_of(r) == ["mediator"]
    r = client.patch(
        f"{USERS}/{user}", json={"role": "mediator", "org": "CN-ZJ-XH-BS-RTW", "mediator": "M-0003"}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert (r.json()["role"], r.json()["org"], r.json()["mediator"]) == ("mediator", "CN-ZJ-XH-BS-RTW", "M-0003")
    r = client.patch(f"{USERS}/{user}", json={"role": "supervisor", "org": CENTRE}, headers=admin)
    assert r.status_code == 200 and r.json()["mediator"] is None
    assert (
        client.patch(f"{USERS}/nobody-{uuid.uuid4().hex[:6]}", json={"active": False}, headers=admin).status_code == 404
    )


def test_an_admin_cannot_disable_or_demote_themselves(client, login):
    admin = login("admin")
    r = client.patch(f"{USERS}/admin", json={"active": False}, headers=admin)
    assert r.status_code == 409 and r.json()["field"] == "active"
    r = client.patch(f"{USERS}/admin", json={"role": "intake", "org": CENTRE}, headers=admin)
    assert r.status_code == 409 and r.json()["field"] == "role"
    assert client.get(USERS, headers=admin).status_code == 200


def test_every_change_is_logged_with_who_before_and_after_but_never_a_password(client, login, engine):
    admin = login("admin")
    data = body()
    user = data["username"]
    client.post(USERS, json=data, headers=admin)
    client.patch(f"{USERS}/{user}", json={"display_name": "陈静静", "password": "another-given-77"}, headers=admin)
    client.patch(f"{USERS}/{user}", json={"active": False}, headers=admin)

    with Session(engine) as s:
        log = changelog.recent(s, entity="user", key=user)
    assert [c.action for c in log] == ["disable", "reset_password", "create"]
    assert all(c.actor == "admin" for c in log)
    disable, reset, create = log
    assert (disable.before, disable.after) == ({"active": True}, {"active": False})
    assert reset.before == {"display_name": "陈静", "password": None}
    assert reset.after == {"display_name": "陈静静", "password": "（已设置）"}
    assert create.after is not None and create.after["role"] == "intake" and "password" not in create.after
    text = repr([(c.before, c.after) for c in log])
    assert GIVEN not in text and "another-given-77" not in text


def test_a_user_who_must_change_the_password_may_still_log_out(client, login):
    data = body()
    client.post(USERS, json=data, headers=login("admin"))
    token = api_token(client, data["username"], GIVEN)

    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get(CASES, headers=bearer(token)).status_code == 401
