"""Request bodies are bounded (JIEFEN_MAX_BODY_BYTES): a body over the limit is answered 413 before it is
read — at once on its Content-Length, or as soon as a body sent without one (chunked) passes the limit —
on every path, the login forms included, ahead of the bearer check."""

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.app import create_app
from models.settings import DEFAULT_MAX_BODY_BYTES, get_settings
from tests.factories import case_payload
from workflows.stages.mediation import ReachAgreement

LIMIT = 64 * 1024
REFUSAL = {"detail": f"请求体过大：不得超过 {LIMIT} 字节"}
CJK = "王"  # 3 bytes in UTF-8, 6 as a JSON \u escape


@pytest.fixture
def small(engine: Engine) -> Iterator[TestClient]:
    """The app with a 64 KiB limit."""
    settings = get_settings().model_copy(update={"max_body_bytes": LIMIT})
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        sent += n
        yield b"a" * n


@pytest.mark.parametrize(
    "path", ["/api/v1/cases", "/api/v1/auth/token", "/login", "/cases/new", "/api/v1/cases/x/actions/divert"]
)
def test_a_declared_length_over_the_limit_is_413_before_anything_else(small: TestClient, path: str):
    # No token, no CSRF token, no valid body: the limit answers first, naming itself.
    r = small.post(path, content=b"x" * (LIMIT + 1), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert r.json() == REFUSAL
    assert r.headers["connection"] == "close"


def test_a_streamed_body_is_cut_off_with_413_when_it_passes_the_limit(small: TestClient):
    r = small.post(
        "/api/v1/auth/token",
        content=chunks(LIMIT + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413 and r.json() == REFUSAL


def test_a_streamed_login_form_under_the_limit_is_read_as_usual(small: TestClient):
    form = b"username=window1&password=wrong-password&pad=" + b"a" * (LIMIT - 100)

    def body() -> Iterator[bytes]:
        yield from (form[i : i + 4096] for i in range(0, len(form), 4096))

    r = small.post("/api/v1/auth/token", content=body(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 401  # read whole and judged: a wrong password


def test_a_body_of_exactly_the_limit_is_let_through(small: TestClient):
    form = b"username=window1&password=wrong-password&pad="
    r = small.post(
        "/api/v1/auth/token",
        content=form + b"a" * (LIMIT - len(form)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 401


def test_the_web_login_form_over_the_limit_is_413(small: TestClient):
    page = small.get("/login")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = small.post("/login", data={"username": "window1", "password": "x" * (LIMIT + 1), "csrf": csrf})
    assert r.status_code == 413 and r.json() == REFUSAL


def test_the_default_limit_admits_the_largest_valid_agreement():
    """reach_agreement at every bound (100 obligations of 5,000 characters, ASCII-escaped JSON: the largest
    body the schemas accept) fits under the default, so the limit never refuses a valid request."""
    ob = {
        "obligor": 1,
        "obligee": 0,
        "description": CJK * 5000,
        "amount": "99999999.99",
        "due_date": "2026-12-31",
        "payment_method": CJK * 200,
        "place": CJK * 200,
    }
    body = {"facts": CJK * 5000, "liability": CJK * 5000, "obligations": [ob] * 100, "signed_at": "2026-01-01"}
    ReachAgreement.model_validate(body)
    size = len(json.dumps(body).encode())
    assert 3_000_000 < size < DEFAULT_MAX_BODY_BYTES


def test_an_intake_with_two_hundred_parties_at_their_bounds_is_accepted(client: TestClient, login):
    """The largest intake the schema allows (200 parties, every text at its maximum) passes the default
    limit and is opened."""
    assert client.app.state.settings.max_body_bytes == DEFAULT_MAX_BODY_BYTES  # type: ignore[attr-defined]
    payload = case_payload(summary=CJK * 5000)
    parties = payload["parties"][:2]
    for _ in range(198):
        parties.append(
            {"role": "third_party", "kind": "person", "name": CJK * 200, "address": CJK * 300, "agent": CJK * 200}
        )
    body = json.dumps({**payload, "parties": parties}).encode()  # ASCII-escaped: the larger encoding
    assert len(body) > 800_000
    r = client.post("/api/v1/cases", content=body, headers={**login("window1"), "Content-Type": "application/json"})
    assert r.status_code == 201, r.text[:500]
    assert len(r.json()["parties"]) == 200
