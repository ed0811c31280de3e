"""docs/contract.md §3: sessions that end. Logout revokes the token it is given (API) or the session
cookie (web); a password change or reset and disabling the user revoke every token of the user; the
web session and the API token are different credentials."""

from datetime import UTC, datetime, timedelta

import jwt
from fastapi.testclient import TestClient

from api.security import ALGORITHM, AUDIENCE
from models.settings import get_settings
from tests.api.accounts_support import api_token, bearer, fresh_user, page_csrf, web_login

CASES = "/api/v1/cases"
LOGOUT = "/api/v1/auth/logout"


def _web_page(client: TestClient, cookie: str) -> int:
    """GET /cases with only this session cookie: 200 when it is a live session, 303 to login otherwise."""
    client.cookies.clear()
    client.cookies.set("jiefen_session", cookie)
    r = client.get("/cases", follow_redirects=False)
    client.cookies.clear()
    if r.status_code == 303:
        assert r.headers["location"].startswith("/login")
    return r.status_code


def test_api_logout_revokes_the_presented_token_and_only_it(client, engine):
    user = fresh_user(engine)
    first, second = api_token(client, user), api_token(client, user)
    assert client.get(CASES, headers=bearer(first)).status_code == 200

    out = client.post(LOGOUT, headers=bearer(first))

    assert out.status_code == 204 and out.content == b""
    refused = client.get(CASES, headers=bearer(first))
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
    assert client.post(LOGOUT, headers=bearer(first)).status_code == 401
    assert client.get(CASES, headers=bearer(second)).status_code == 200


def test_web_logout_revokes_the_session_cookie_not_just_deletes_it(client, engine):
    user = fresh_user(engine)
    cookie = web_login(client, user)
    csrf = page_csrf(client)

    r = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)

    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert _web_page(client, cookie) == 303  # the copied cookie is dead, not merely deleted


def test_a_web_session_cookie_is_not_a_bearer_token(client, engine):
    cookie = web_login(client, fresh_user(engine))
    client.cookies.clear()

    r = client.get(CASES, headers=bearer(cookie))

    assert r.status_code == 401 and r.json() == {"detail": "未登录或登录已失效，请重新登录"}


def test_an_api_token_is_not_a_web_session(client, engine):
    token = api_token(client, fresh_user(engine))

    assert _web_page(client, token) == 303


def test_logging_out_of_the_api_leaves_the_web_session_alone_and_the_other_way_round(client, engine):
    user = fresh_user(engine)
    token = api_token(client, user)
    cookie = web_login(client, user)
    client.cookies.clear()

    assert client.post(LOGOUT, headers=bearer(token)).status_code == 204
    assert _web_page(client, cookie) == 200


def test_a_token_without_an_id_or_epoch_is_refused(client, engine):
    """Tokens signed before revocation existed (no jti, no epoch) cannot be revoked, so they are not accepted."""
    user = fresh_user(engine)
    now = datetime.now(UTC)
    claims = {"sub": user, "role": "intake", "aud": AUDIENCE, "iat": now, "exp": now + timedelta(hours=1)}
    old_style = jwt.encode(claims, get_settings().secret_key.get_secret_value(), algorithm=ALGORITHM)

    assert client.get(CASES, headers=bearer(old_style)).status_code == 401
