"""docs/contract.md §5: "Every status an operation can answer (401, 403, 404, 409, 413, 422, 429) is
declared in the OpenAPI document", each with the error body {"detail": …}.

The document is walked here; tests/api/test_fuzz.py checks every answer the fuzzer gets against it."""

import re
import uuid

import pytest

from api.app import create_app

METHODS = ("get", "put", "post", "delete", "patch")
PUBLIC = {"/api/v1/documents/verify/{code}", "/healthz"}

# What only the service behind an operation refuses with: a role (403), a conflict with what is stored (409),
# a query naming nothing (404). Written out here, independently of api/responses.py.
SPECIFIC: dict[tuple[str, str], set[int]] = {
    ("post", "/api/v1/auth/token"): {401, 429},
    ("post", "/api/v1/cases"): {403},
    ("post", "/api/v1/cases/{case_id}/actions/{trigger}"): {403, 409},
    ("get", "/api/v1/court/confirmations"): {403},
    ("get", "/api/v1/court/confirmations/{handoff_id}"): {403},
    ("post", "/api/v1/court/confirmations/{handoff_id}/receive"): {403, 409},
    ("get", "/api/v1/documents/{doc_id}/pdf"): {409},
    ("post", "/api/v1/organizations"): {403, 409},
    ("put", "/api/v1/organizations/{code}"): {403},
    ("patch", "/api/v1/organizations/{code}"): {403},
    ("delete", "/api/v1/organizations/{code}"): {403, 409},
    ("get", "/api/v1/supervision/overdue"): {403, 404},
    ("get", "/api/v1/supervision/undelivered"): {403},
    ("get", "/api/v1/reports/statistics"): {403},
    ("get", "/api/v1/reports/statistics.xlsx"): {403},
    ("get", "/api/v1/reports/statistics.csv"): {403},
    ("get", "/api/v1/users"): {403},
    ("post", "/api/v1/users"): {403, 409},
    ("get", "/api/v1/users/{username}"): {403},
    ("patch", "/api/v1/users/{username}"): {403, 409},
    ("post", "/api/v1/mediators"): {403, 409},
    ("patch", "/api/v1/mediators/{code}"): {403, 409},
}
# Answered to a user who must still change a password an administrator set: everything is 403 to them but
# these (api/deps.py).
OWN_CREDENTIAL = {"/api/v1/auth/logout", "/api/v1/auth/password"}


@pytest.fixture(scope="module")
def document():
    return create_app().openapi()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def expected(method: str, path: str, operation: dict) -> set[int]:
    codes = set(SPECIFIC.get((method, path), set()))
    if path.startswith("/api/v1/") and path not in PUBLIC and path != "/api/v1/auth/token":
        codes.add(401)
        if path not in OWN_CREDENTIAL:
            codes.add(403)
    if "{" in path:
        codes.add(404)
    if "requestBody" in operation:
        codes |= {413, 422}
    if operation.get("parameters"):
        codes.add(422)
    return codes


def test_every_operation_declares_every_status_it_can_answer(document):
    missing = {
        f"{method.upper()} {path}": sorted(want - {int(c) for c in operation["responses"]})
        for method, path, operation in operations(document)
        if (want := expected(method, path, operation)) - {int(c) for c in operation["responses"]}
    }
    assert missing == {}


def test_every_declared_error_has_the_detail_body(document):
    schemas = document["components"]["schemas"]
    assert schemas["ErrorBody"]["required"] == ["detail"]
    wrong = [
        f"{method.upper()} {path} {code}"
        for method, path, operation in operations(document)
        for code, response in operation["responses"].items()
        if code.startswith(("4", "5"))
        and response.get("content", {}).get("application/json", {}).get("schema")
        != {"$ref": "#/components/schemas/ErrorBody"}
    ]
    assert wrong == []
    assert "HTTPValidationError" not in schemas


def test_every_operation_that_takes_a_body_declares_413_and_the_login_declares_429(document):
    bodies = [(m, p) for m, p, op in operations(document) if "requestBody" in op]
    assert len(bodies) >= 6
    assert all("413" in document["paths"][p][m]["responses"] for m, p in bodies)
    login = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"401", "422", "429"} <= set(login) and "Retry-After" in login["429"]["headers"]


def test_an_operation_called_without_a_token_answers_401_as_declared(client, document):
    answered = {}
    for method, path, operation in operations(document):
        if path in PUBLIC or path == "/api/v1/auth/token":
            continue
        url = re.sub(r"\{[^}]+\}", lambda m: "divert" if m.group(0) == "{trigger}" else str(uuid.uuid4()), path)
        r = client.request(method.upper(), url, json={} if "requestBody" in operation else None)
        answered[f"{method.upper()} {path}"] = (r.status_code, "401" in operation["responses"], r.json())
    assert len(answered) >= 20
    assert {op: a[:2] for op, a in answered.items() if a[:2] != (401, True)} == {}
    assert all(isinstance(a[2]["detail"], str) for a in answered.values())


def test_links_lead_from_a_new_case_to_its_views_and_transitions(document):
    links = document["paths"]["/api/v1/cases"]["post"]["responses"]["201"]["links"]
    assert {"GetCase", "ListActions", "FireAction", "ListEvents", "ListDeadlines", "ListDocuments"} <= set(links)
    for link in (
        link
        for item in document["paths"].values()
        for op in item.values()
        for r in op["responses"].values()
        for link in r.get("links", {}).values()
    ):
        path, method = link["operationRef"].removeprefix("#/paths/").rsplit("/", 1)
        assert method in document["paths"][path.replace("~1", "/").replace("~0", "~")], link
    assert "200" in document["paths"]["/api/v1/cases"]["post"]["responses"]  # an Idempotency-Key replayed
