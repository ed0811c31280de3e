"""docs/contract.md §3: `POST /api/v1/auth/password` {"old_password", "new_password"} changes one's own
password; a wrong old password is 403 (and counts as a failed login), a weak new one 422 in production;
success revokes every token of the user, the one used included."""

import pytest
from fastapi.testclient import TestClient

from tests.api.accounts_support import (
    PASSWORD,
    TOKEN_URL,
    api_token,
    app_with,
    bearer,
    fresh_user,
    web_login,
)

CHANGE = "/api/v1/auth/password"
CASES = "/api/v1/cases"
NEW = "another-long-passphrase-9"


def test_changing_ones_password_revokes_every_token_and_the_new_one_logs_in(client, engine):
    user = fresh_user(engine)
    used, other = api_token(client, user), api_token(client, user)
    cookie = web_login(client, user)
    client.cookies.clear()

    r = client.post(CHANGE, headers=bearer(used), json={"old_password": PASSWORD, "new_password": NEW})

    assert r.status_code == 200, r.text
    assert "重新登录" in r.json()["detail"]
    assert client.get(CASES, headers=bearer(used)).status_code == 401
    assert client.get(CASES, headers=bearer(other)).status_code == 401
    client.cookies.set("jiefen_session", cookie)
    assert client.get("/cases", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}).status_code == 401
    assert client.get(CASES, headers=bearer(api_token(client, user, NEW))).status_code == 200


def test_a_wrong_old_password_is_403_and_changes_nothing(client, engine):
    user = fresh_user(engine)
    token = api_token(client, user)

    r = client.post(CHANGE, headers=bearer(token), json={"old_password": "not-it", "new_password": NEW})

    assert r.status_code == 403
    assert r.json()["detail"] == "原密码不正确"
    assert client.get(CASES, headers=bearer(token)).status_code == 200
    assert client.post(TOKEN_URL, data={"username": user, "password": NEW}).status_code == 401


def test_wrong_old_passwords_count_towards_the_lockout(engine):
    """A stolen token must not become a way round the throttle to guess the password behind it."""
    with TestClient(app_with(engine, login_failures_per_user=2)) as client:
        user = fresh_user(engine)
        token = api_token(client, user)
        for n in range(2):
            r = client.post(CHANGE, headers=bearer(token), json={"old_password": f"guess-{n}", "new_password": NEW})
            assert r.status_code == 403

        locked = client.post(CHANGE, headers=bearer(token), json={"old_password": PASSWORD, "new_password": NEW})

        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
        assert client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}).status_code == 429


def test_the_new_password_may_not_be_the_old_one(client, engine):
    token = api_token(client, fresh_user(engine))

    r = client.post(CHANGE, headers=bearer(token), json={"old_password": PASSWORD, "new_password": PASSWORD})

    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "new_password"
    assert client.get(CASES, headers=bearer(token)).status_code == 200


@pytest.mark.parametrize(
    "weak, rule",
    [("short-1", "密码过短：至少 12 个字符"), ("password1234", "常见"), ("qwertyuiop123", "常见")],
    ids=["too-short", "common", "keyboard-walk"],
)
def test_production_refuses_a_weak_new_password_naming_the_rule(engine, weak, rule):
    with TestClient(app_with(engine, env="production")) as client:
        token = api_token(client, fresh_user(engine))

        r = client.post(CHANGE, headers=bearer(token), json={"old_password": PASSWORD, "new_password": weak})

        assert r.status_code == 422
        [error] = r.json()["detail"]
        assert error["field"] == "new_password" and rule in error["msg"]
        assert weak not in r.text
        assert client.get(CASES, headers=bearer(token)).status_code == 200


def test_outside_production_a_short_new_password_is_accepted(client, engine):
    user = fresh_user(engine)
    token = api_token(client, user)

    r = client.post(CHANGE, headers=bearer(token), json={"old_password": PASSWORD, "new_password": "short"})

    assert r.status_code == 200
    assert client.post(TOKEN_URL, data={"username": user, "password": "short"}).status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"new_password": NEW}, "old_password"),
        ({"old_password": PASSWORD}, "new_password"),
        ({"old_password": PASSWORD, "new_password": ""}, "new_password"),
        ({"old_password": PASSWORD, "new_password": "x" * 257}, "new_password"),
        ({"old_password": PASSWORD, "new_password": NEW, "username": "admin"}, "username"),
    ],
    ids=["no-old", "no-new", "empty-new", "too-long", "unknown-field"],
)
def test_a_malformed_change_is_422_naming_the_field(client, engine, body, field):
    token = api_token(client, fresh_user(engine))

    r = client.post(CHANGE, headers=bearer(token), json=body)

    assert r.status_code == 422
    assert [e["field"] for e in r.json()["detail"]] == [field]


def test_changing_a_password_needs_a_token(client):
    r = client.post(CHANGE, json={"old_password": PASSWORD, "new_password": NEW})

    assert r.status_code == 401
