"""docs/contract.md §5: "Errors are JSON {"detail": …}; no request, however malformed, gets a 5xx."
Each request here is answered 4xx with a JSON detail, and changes nothing."""

import asyncio
import uuid

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models.tables import Case, CaseEvent
from tests.api.steps import case_in, fire, open_case
from tests.factories import ID_A, MEDIATION_ORG, case_payload


@pytest.fixture
def lenient(app):
    """A client that shows a 500 as a response instead of raising the server's exception."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _json_error(r: httpx2.Response, status: int) -> list | str:
    assert r.status_code == status, f"{r.status_code} {r.text[:300]}"
    assert r.headers["content-type"].startswith("application/json")
    return r.json()["detail"]


def _case_count(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Case)).one()


def _event_count(engine, case_id: str) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == uuid.UUID(case_id))).one()


JSON = {"Content-Type": "application/json"}

BAD_BODIES = {
    "not_json": b"{dispute_type: neighbour",
    "json_array": b'[{"dispute_type": "neighbour"}]',
    "json_string": b'"neighbour"',
    "json_number": b"42",
    "json_null": b"null",
    "empty": b"",
    "truncated": b'{"dispute_type": "neighbour", "parties": [',
    # Not UTF-8: FastAPI's JSON reading fails before parsing and answered 400 in English (found while building the fuzz tests).
    "not_utf8": b'{"summary": "\xff\xfe"}',
    "not_utf8_at_all": b"\xff\xfe\x00",
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_an_intake_body_that_is_not_a_json_object_is_422(lenient, login, engine, name):
    r = lenient.post("/api/v1/cases", content=BAD_BODIES[name], headers={**login("window1"), **JSON})

    detail = _json_error(r, 422)
    assert detail[0]["loc"][0] == "body"
    assert _case_count(engine) == 0


def test_an_intake_sent_as_a_form_is_422(lenient, login, engine):
    r = lenient.post("/api/v1/cases", data={"dispute_type": "neighbour", "summary": "漏水"}, headers=login("window1"))

    _json_error(r, 422)
    assert _case_count(engine) == 0


@pytest.mark.parametrize("body", [b'{"summary": "\xff\xfe"}', b"[" * 50000 + b"]" * 50000])
def test_undecodable_or_absurdly_nested_bodies_are_refused_without_5xx(lenient, login, engine, body):
    r = lenient.post("/api/v1/cases", content=body, headers={**login("window1"), **JSON})

    assert 400 <= r.status_code < 500
    assert "detail" in r.json()
    assert _case_count(engine) == 0


@pytest.mark.parametrize("name", ["not_json", "json_array", "json_string", "json_number", "truncated"])
def test_a_trigger_body_that_is_not_a_json_object_is_422_and_fires_nothing(lenient, client, login, engine, name):
    case = case_in(client, login, "diversion")

    r = lenient.post(
        f"/api/v1/cases/{case['id']}/actions/decline", content=BAD_BODIES[name], headers={**login("mediator1"), **JSON}
    )

    _json_error(r, 422)
    assert _event_count(engine, case["id"]) == 2


@pytest.mark.parametrize("body", [b"null", b""])
def test_an_empty_trigger_body_is_an_empty_payload(lenient, client, login, body):
    case = case_in(client, login, "diversion")

    r = lenient.post(
        f"/api/v1/cases/{case['id']}/actions/decline", content=body, headers={**login("mediator1"), **JSON}
    )

    assert [e["field"] for e in _json_error(r, 422)] == ["reason"]


def test_a_text_plain_trigger_body_is_422(lenient, client, login):
    case = case_in(client, login, "diversion")

    r = lenient.post(
        f"/api/v1/cases/{case['id']}/actions/decline",
        content="不属于本调委会受理范围".encode(),
        headers={**login("mediator1"), "Content-Type": "text/plain; charset=utf-8"},
    )

    _json_error(r, 422)


def test_a_trigger_payload_with_nested_garbage_is_422_naming_the_field(lenient, client, login):
    case = case_in(client, login, "diversion")

    r = fire(lenient, login("mediator1"), case["id"], "decline", {"reason": {"$ne": None}})

    assert [e["field"] for e in _json_error(r, 422)] == ["reason"]


# --- regressions: each was an xfail(strict) bug until fixed ------------------------------------------


def _post_raw_header(app, path: str, headers: dict[str, str | bytes], body: dict) -> httpx2.Response:
    """Send header bytes as a real HTTP client would (TestClient re-encodes non-ASCII header values)."""

    async def go() -> httpx2.Response:
        transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as ac:
            return await ac.post(path, json=body, headers=headers)

    return asyncio.run(go())


# Regression: If-Match '²' (latin-1 0xB2) passes str.isdigit() but int() refuses it → ValueError → 500
#  (api/routers/cases.py _version)
@pytest.mark.parametrize("if_match", [b"\xb2", b"\xb9\xb3"])
def test_if_match_with_superscript_digits_is_422_not_500(app, client, login, engine, if_match):
    window = login("window1")
    case = open_case(client, window)

    r = _post_raw_header(
        app, f"/api/v1/cases/{case['id']}/actions/divert", {**window, "If-Match": if_match}, {"org_code": MEDIATION_ORG}
    )

    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == "If-Match"
    assert _event_count(engine, case["id"]) == 1


# Regression: text fields accept NUL (U+0000): SQLite stores it, PostgreSQL refuses it with DataError → 500
#  (models/schemas.py Text/ShortText/Code)
@pytest.mark.parametrize(
    "changes, field",
    [
        ({"summary": "楼上漏水\x00"}, "summary"),
        (
            {
                "parties": [
                    {"role": "applicant", "kind": "person", "name": "张\x00三"},
                    {"role": "respondent", "kind": "person", "name": "李四"},
                ]
            },
            "parties.0.name",
        ),
    ],
)
def test_a_nul_byte_in_intake_text_is_422_naming_the_field(lenient, login, engine, changes, field):
    r = lenient.post("/api/v1/cases", json=case_payload(**changes), headers=login("window1"))

    assert [e["field"] for e in _json_error(r, 422)] == [field]
    assert _case_count(engine) == 0


# Regression: trigger payload text accepts NUL (U+0000): SQLite stores it, PostgreSQL refuses it with DataError → 500
#  (models/payloads.py via models/schemas.Text)
def test_a_nul_byte_in_a_reason_is_422_naming_the_field(lenient, client, login, engine):
    case = case_in(client, login, "diversion")

    r = fire(lenient, login("mediator1"), case["id"], "decline", {"reason": "不属于\x00受理范围"})

    assert [e["field"] for e in _json_error(r, 422)] == ["reason"]
    assert _event_count(engine, case["id"]) == 2


NUL_REQUESTS = {
    "list_q": ("GET", "/api/v1/cases", {"params": {"q": "张\x00"}}),
    "list_org_code": ("GET", "/api/v1/cases", {"params": {"org_code": "CN\x00"}}),
    "mediators_org_code": ("GET", "/api/v1/mediators", {"params": {"org_code": "CN\x00"}}),
}


@pytest.mark.parametrize("name", list(NUL_REQUESTS))
def test_a_nul_byte_in_a_query_parameter_is_not_a_5xx(lenient, login, name):
    # Regression: a NUL byte in a query parameter reaches PostgreSQL → DataError → 500 (api/routers/cases.py,
    #  misc.py: no DataError handler, no NUL check)
    method, path, kw = NUL_REQUESTS[name]

    r = lenient.request(method, path, headers=login("window1"), **kw)

    assert r.status_code in (200, 422), r.text


def test_a_nul_byte_in_a_login_username_is_401_not_500(lenient):
    # Regression: a NUL byte in the login username reaches PostgreSQL → DataError → 500 (api/routers/auth.py)
    r = lenient.post("/api/v1/auth/token", data={"username": "window1\x00", "password": "jiefen-demo-2026"})

    assert r.status_code in (401, 422), r.text


def test_a_nul_byte_in_a_code_of_a_trigger_payload_is_422(lenient, client, login):
    # Regression: a NUL byte in org_code reaches PostgreSQL → DataError → 500 (workflows/engine.py _org)
    case = open_case(client, login("window1"))

    r = fire(lenient, login("window1"), case["id"], "divert", {"org_code": "CN-ZJ\x00"})

    assert [e["field"] for e in _json_error(r, 422)] == ["org_code"]


# Regression: a PayloadInvalid message quotes the code as typed and api/errors.py does not scrub() it, so a phone or
#  identity number typed into a code field is echoed back
@pytest.mark.parametrize("typed", ["13812345678", ID_A])
def test_a_phone_or_identity_number_typed_into_a_code_field_is_not_echoed(client, login, typed):
    window = login("window1")
    case = open_case(client, window)

    r = fire(client, window, case["id"], "divert", {"org_code": typed})

    assert [e["field"] for e in _json_error(r, 422)] == ["org_code"]
    assert typed not in r.text


def test_a_login_form_that_cannot_be_parsed_is_422_naming_the_body(lenient):
    # Found while building the fuzz tests: a multipart body without its boundary answered 400 in English.
    r = lenient.post("/api/v1/auth/token", content=b"--x\r\nbroken", headers={"Content-Type": "multipart/form-data"})

    detail = _json_error(r, 422)
    assert detail[0]["loc"] == ["body"] and "无法解析" in detail[0]["msg"]


def test_an_action_body_that_is_not_utf8_is_422_and_changes_nothing(lenient, client, login, engine):
    case = open_case(client, login("window1"))

    r = lenient.post(
        f"/api/v1/cases/{case['id']}/actions/divert",
        content=b'{"org_code": "\xff"}',
        headers={**login("window1"), **JSON},
    )

    assert _json_error(r, 422)[0]["loc"] == ["body"]
    assert _event_count(engine, case["id"]) == 1
