"""docs/contract.md §3: repeated wrong passwords for a username or from an address → 429 with
Retry-After, counted in the database (every process sees the same count) and checked before the
password is hashed."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session

from api.app import create_app
from models.settings import get_settings
from models.tables import LoginFailure
from tests.api.accounts_support import PASSWORD, TOKEN_URL, app_with, fresh_user, login_csrf

WINDOW = 15 * 60  # the default window (JIEFEN_LOGIN_FAILURE_WINDOW_SECONDS)
PER_USER = 5  # JIEFEN_LOGIN_FAILURES_PER_USER
PER_ADDRESS = 20  # JIEFEN_LOGIN_FAILURES_PER_ADDRESS
DETAIL = re.compile(r"^登录尝试过多，请 (\d+) 秒后再试$")


def _throttled(r) -> int:
    """The Retry-After seconds of a throttled answer, checked against its detail."""
    assert r.status_code == 429, r.text
    seconds = int(r.headers["Retry-After"])
    assert 0 < seconds <= WINDOW
    m = DETAIL.match(r.json()["detail"])
    assert m and abs(int(m.group(1)) - seconds) <= 1
    return seconds


@pytest.fixture
def spy_hashing(monkeypatch) -> Iterator[list[str]]:
    """Counts the Argon2 verifications logins ask for (the real function still runs)."""
    import api.security

    calls: list[str] = []
    real = api.security.verify_password

    def counted(hash_: str, password: str) -> bool:
        calls.append(password)
        return real(hash_, password)

    monkeypatch.setattr(api.security, "verify_password", counted)
    yield calls


def test_300_wrong_passwords_are_429_after_the_threshold_and_cost_no_hashing(client, engine, spy_hashing):
    user = fresh_user(engine)

    answers = [client.post(TOKEN_URL, data={"username": user, "password": f"guess-{n}"}) for n in range(300)]

    assert [r.status_code for r in answers[:PER_USER]] == [401] * PER_USER
    for r in answers[PER_USER:]:
        _throttled(r)
    assert len(spy_hashing) == PER_USER  # the 295 refused attempts were never hashed


def test_the_right_password_during_a_lockout_is_still_429(client, engine):
    user = fresh_user(engine)
    for n in range(PER_USER):
        assert client.post(TOKEN_URL, data={"username": user, "password": f"guess-{n}"}).status_code == 401

    _throttled(client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}))


def test_another_process_sees_the_same_lockout(client, engine):
    """A second app on the same database is what another worker process sees: nothing is kept in memory."""
    user = fresh_user(engine)
    for n in range(PER_USER):
        assert client.post(TOKEN_URL, data={"username": user, "password": f"guess-{n}"}).status_code == 401

    with TestClient(create_app(get_settings(), engine=engine)) as other:
        _throttled(other.post(TOKEN_URL, data={"username": user, "password": PASSWORD}))


def test_the_address_limit_holds_across_many_usernames(engine):
    with TestClient(app_with(engine, login_failures_per_address=6)) as client:
        user = fresh_user(engine)
        for n in range(6):
            r = client.post(TOKEN_URL, data={"username": f"nobody-{n}", "password": "guess"})
            assert r.status_code == 401, n

        _throttled(client.post(TOKEN_URL, data={"username": "nobody-else", "password": "guess"}))
        _throttled(client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}))
        with TestClient(client.app, client=("192.0.2.7", 50000)) as elsewhere:  # another address: not locked out
            assert elsewhere.post(TOKEN_URL, data={"username": user, "password": PASSWORD}).status_code == 200


def test_the_address_limit_defaults_to_20_failures(client, engine):
    """The default threshold, counted without hashing: the 20 failures are written as another process would."""
    from workflows.accounts.throttle import record_failure

    with Session(engine) as s:
        for n in range(PER_ADDRESS):
            record_failure(
                s, username=f"nobody-{n}", address="testclient", settings=get_settings(), now=datetime.now(UTC)
            )

    _throttled(client.post(TOKEN_URL, data={"username": fresh_user(engine), "password": PASSWORD}))


def test_a_success_clears_the_username_count(engine):
    with TestClient(app_with(engine, login_failures_per_user=2)) as client:
        user = fresh_user(engine)
        assert client.post(TOKEN_URL, data={"username": user, "password": "guess"}).status_code == 401
        assert client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}).status_code == 200

        again = [client.post(TOKEN_URL, data={"username": user, "password": f"again-{n}"}) for n in range(2)]

        assert [r.status_code for r in again] == [401, 401]
        _throttled(client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}))


def test_the_lockout_ends_with_its_window(client, engine):
    user = fresh_user(engine)
    for n in range(PER_USER):
        client.post(TOKEN_URL, data={"username": user, "password": f"guess-{n}"})
    _throttled(client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}))

    with Session(engine) as s:  # as if the window had passed
        s.exec(update(LoginFailure).values(window_start=datetime.now(UTC) - timedelta(seconds=WINDOW + 1)))
        s.commit()

    assert client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}).status_code == 200


def test_the_web_login_is_throttled_too_and_says_so_on_the_page(client, engine):
    user = fresh_user(engine)
    for n in range(PER_USER):
        r = client.post("/login", data={"username": user, "password": f"guess-{n}", "csrf": login_csrf(client)})
        assert r.status_code == 401

    r = client.post(
        "/login", data={"username": user, "password": PASSWORD, "csrf": login_csrf(client)}, follow_redirects=False
    )

    assert r.status_code == 429
    assert 0 < int(r.headers["Retry-After"]) <= WINDOW
    assert re.search(r"登录尝试过多，请 \d+ 秒后再试", r.text)
    assert "jiefen_session" not in r.headers.get("set-cookie", "")


def test_api_and_web_logins_share_one_count(client, engine):
    user = fresh_user(engine)
    for n in range(PER_USER):
        client.post("/login", data={"username": user, "password": f"guess-{n}", "csrf": login_csrf(client)})

    _throttled(client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}))


def test_an_operator_unlocks_a_username_locked_out_on_purpose(client, engine):
    """Anyone who knows a username can lock it out; `jiefen users unlock` (unlock_user) lets its owner in."""
    from workflows.accounts import unlock_user

    user = fresh_user(engine)
    for n in range(PER_USER):
        client.post(TOKEN_URL, data={"username": user, "password": f"guess-{n}"})
    _throttled(client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}))

    with Session(engine) as s:
        unlock_user(s, username=user)

    assert client.post(TOKEN_URL, data={"username": user, "password": PASSWORD}).status_code == 200
