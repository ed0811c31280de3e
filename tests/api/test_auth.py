"""docs/contract.md §3: OAuth2 password tokens; every /api/v1 call but the token endpoint needs a bearer token."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import yaml
from sqlalchemy import update
from sqlmodel import Session

from api.security import ALGORITHM, AUDIENCE, issue_token
from models.settings import get_settings
from models.tables import User
from tests.api.conftest import demo_password
from tests.conftest import DEMO_SEED

SEED_USERS = yaml.safe_load(DEMO_SEED.read_text(encoding="utf-8"))["users"]
TOKEN_URL = "/api/v1/auth/token"


@pytest.mark.parametrize("user", SEED_USERS, ids=[u["username"] for u in SEED_USERS])
def test_every_demo_user_gets_a_bearer_token_that_names_them(client, login, user):
    # `login` posts the OAuth2 password form to /api/v1/auth/token (and caches the token per backend:
    # Argon2 verification costs ~0.4 s a login).
    token = login(user["username"])["Authorization"].removeprefix("Bearer ")

    claims = jwt.decode(token, get_settings().secret_key.get_secret_value(), algorithms=[ALGORITHM], audience=AUDIENCE)
    assert claims["sub"] == user["username"]
    assert claims["role"] == user["role"]
    assert claims["exp"] > claims["iat"]
    listed = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200, listed.text


def test_the_token_endpoint_answers_the_oauth2_shape(client):
    r = client.post(TOKEN_URL, data={"username": "window1", "password": demo_password("window1")})

    assert r.status_code == 200
    assert set(r.json()) == {"access_token", "token_type"}
    assert r.json()["token_type"] == "bearer"


@pytest.mark.parametrize(
    "username, password",
    [
        ("window1", "wrong-password"),
        ("nobody", "jiefen-demo-2026"),
        ("WINDOW1", "jiefen-demo-2026"),
    ],
)
def test_wrong_credentials_are_refused_with_401(client, username, password):
    r = client.post(TOKEN_URL, data={"username": username, "password": password})

    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json()["detail"] == "用户名或密码错误"
    assert "access_token" not in r.text


@pytest.mark.parametrize("form", [{"username": "window1"}, {"username": "window1", "password": ""}])
def test_token_request_without_a_password_is_422_naming_it(client, form):
    r = client.post(TOKEN_URL, data=form)

    assert r.status_code == 422
    assert [e["field"] for e in r.json()["detail"]] == ["password"]


def _expired_token() -> str:
    s = get_settings()
    return issue_token(
        s, username="window1", role="intake", epoch=0, now=datetime.now(UTC) - timedelta(minutes=s.token_minutes + 1)
    )


def _token_signed_with(secret: str, **claims) -> str:
    now = datetime.now(UTC)
    body = {"sub": "window1", "role": "intake", "aud": AUDIENCE, "iat": now, "exp": now + timedelta(hours=1)}
    body.update(claims)
    return jwt.encode(body, secret, algorithm=ALGORITHM)


def _own_secret() -> str:
    return get_settings().secret_key.get_secret_value()


BAD_AUTHORIZATIONS = {
    "missing": None,
    "empty_bearer": "Bearer ",
    "garbage": "Bearer not-a-jwt-at-all",
    "basic_scheme": "Basic d2luZG93MTpqaWVmZW4tZGVtby0yMDI2",
    "expired": f"Bearer {_expired_token()}",
    "other_secret": "Bearer " + _token_signed_with("a-completely-different-secret-of-enough-length-42"),
    "wrong_audience": "Bearer " + _token_signed_with(_own_secret(), aud="someone-else"),
    "unknown_user": "Bearer " + _token_signed_with(_own_secret(), sub="ghost"),
    "unsigned_alg_none": "Bearer "
    + jwt.encode({"sub": "window1", "aud": AUDIENCE, "iat": 1, "exp": 4102444800}, key=None, algorithm="none"),
}


def _api_calls(app) -> list[tuple[str, str]]:
    """(method, concrete path) for every /api/v1 operation the app publishes, except the token endpoint."""
    calls = []
    for template, operations in app.openapi()["paths"].items():
        if not template.startswith("/api/v1") or template == TOKEN_URL:
            continue
        if template.startswith("/api/v1/documents/verify/"):  # public by design: tests/api/test_documents.py
            continue
        path = template.replace("{trigger}", "divert")
        for name in ("case_id", "doc_id"):
            path = path.replace("{" + name + "}", str(uuid.UUID(int=7)))
        calls += [(method.upper(), path) for method in sorted(operations)]
    return calls


def test_the_route_table_covers_every_contract_endpoint(app):
    paths = {p for _, p in _api_calls(app)}
    some = str(uuid.UUID(int=7))
    assert paths >= {
        "/api/v1/cases",
        f"/api/v1/cases/{some}",
        f"/api/v1/cases/{some}/actions",
        f"/api/v1/cases/{some}/actions/divert",
        f"/api/v1/cases/{some}/events",
        f"/api/v1/cases/{some}/deadlines",
        f"/api/v1/cases/{some}/documents",
        f"/api/v1/documents/{some}",
        f"/api/v1/documents/{some}/pdf",
        "/api/v1/court/confirmations",
        "/api/v1/organizations",
        "/api/v1/mediators",
    }


@pytest.mark.parametrize("kind", list(BAD_AUTHORIZATIONS))
def test_every_api_endpoint_answers_401_with_www_authenticate_without_a_valid_token(client, app, kind):
    auth = BAD_AUTHORIZATIONS[kind]
    headers = {"Authorization": auth} if auth is not None else {}
    for method, path in _api_calls(app):
        body = {} if method == "POST" else None
        r = client.request(method, path, headers=headers, json=body)
        assert r.status_code == 401, f"{method} {path}: {r.status_code} {r.text}"
        assert r.headers.get("WWW-Authenticate") == "Bearer", f"{method} {path}"
        assert r.json() == {"detail": "未登录或登录已失效，请重新登录"}


# Regression: FastAPI parses a JSON body before running dependencies; the bearer middleware answers 401 first.
@pytest.mark.parametrize("path", ["/api/v1/cases", f"/api/v1/cases/{uuid.UUID(int=7)}/actions/divert"])
def test_an_unauthenticated_request_with_a_malformed_body_is_401(client, path):
    r = client.post(path, content=b"{not json", headers={"Content-Type": "application/json"})

    assert r.status_code == 401
    assert r.headers.get("WWW-Authenticate") == "Bearer"


def test_a_deactivated_user_can_neither_log_in_nor_use_an_earlier_token(client, engine, login):
    headers = login("mediator6")
    try:
        with Session(engine) as s:
            s.exec(update(User).where(User.username == "mediator6").values(is_active=False))
            s.commit()
        again = client.post(TOKEN_URL, data={"username": "mediator6", "password": demo_password("mediator6")})
        used = client.get("/api/v1/cases", headers=headers)
    finally:
        with Session(engine) as s:
            s.exec(update(User).where(User.username == "mediator6").values(is_active=True))
            s.commit()

    assert again.status_code == 401
    assert used.status_code == 401
    assert used.headers["WWW-Authenticate"] == "Bearer"


def test_healthz_answers_ok_without_authentication(client):
    r = client.get("/healthz")

    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
