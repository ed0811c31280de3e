"""Every status an operation can answer, declared in the OpenAPI document with its body {"detail": …}
(docs/contract.md §5: 401, 403, 404, 409, 413, 422, 429 — and 503 when the database is busy).

Two sources, merged into the document once when it is first built (`install`):
- the rules every operation follows, read from the operation itself: a call under /api/v1 without a valid
  bearer token is 401 (api/app.py), and 403 while the caller must change a password an administrator set
  (api/deps.py), a path id that names nothing is 404, a body may be too large (413,
  JIEFEN_MAX_BODY_BYTES) or invalid (422), any parameter may be invalid (422), the token endpoint is
  throttled (429), and every call that reads the database may find it busy (503, api/errors.py);
- what only the service behind a route knows — a role refused (403), a conflict with what is stored
  (409) — declared on the route itself with `responses=errors(403, 409)`.

It also declares the OpenAPI links between operations (`LINKS`): where the id a response carries can be
used next (a new case → its page, actions, events, deadlines, documents, routing record and transitions).
Clients may follow them; the stateful fuzz tests do.

A test walks the document (tests/api/test_openapi_statuses.py) and the fuzz tests check every answer
against it (tests/api/test_fuzz.py).
"""

import json
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

# Operations that answer without a bearer token: the bearer check (api/app.py) lets them through by is_public.
PUBLIC_PATHS = frozenset({"/api/v1/auth/token"})
PUBLIC_PREFIXES = ("/api/v1/documents/verify/",)
# Operations that refuse repeated failed attempts with 429 and Retry-After (the login throttle).
THROTTLED_PATHS = frozenset({"/api/v1/auth/token"})
# Logins: a wrong username or password is 401 there too (api/routers/auth.py).
LOGIN_PATHS = frozenset({"/api/v1/auth/token"})
# Served to a user whose password an administrator set and who has not changed it yet (api/deps.py): every
# other authenticated operation answers them 403.
OWN_CREDENTIAL_PATHS = frozenset({"/api/v1/auth/logout", "/api/v1/auth/password"})

DESCRIPTIONS: dict[int, str] = {
    401: "未登录或登录已失效（Unauthorized）",
    403: "当前角色无权执行此操作（Forbidden）",
    404: "记录不存在或无权查看（Not Found）",
    409: "与当前状态冲突：状态不允许、法定条件不满足、版本已变化或记录仍被引用（Conflict）",
    413: "请求体超过 JIEFEN_MAX_BODY_BYTES（Content Too Large）",
    422: "请求数据不符合要求，逐项说明字段与规则（Unprocessable Content）",
    429: "尝试过于频繁，请按 Retry-After 稍后再试（Too Many Requests）",
    503: "系统繁忙（同时处理的请求已满，或数据库暂时繁忙），请按 Retry-After 稍后再试（Service Unavailable）",
}
RETRY_AFTER = {"Retry-After": {"description": "秒数：多久之后可以再试", "schema": {"type": "string"}}}


class FieldError(BaseModel):
    """One refused field: where (`loc`, `field`), the rule (`msg`), the kind of error (`type`)."""

    loc: list[str | int]
    field: str
    msg: str
    type: str


class GuardRule(BaseModel):
    """A legal guard that refused a transition: its name, the reason and the article it rests on."""

    rule: str
    reason: str
    basis: str


class ErrorBody(BaseModel):
    """An error: `detail` is a sentence, or (422) one entry per refused field. A refused transition (409)
    also lists the triggers `allowed` now and the `rules` that refused it; other keys may follow."""

    model_config = ConfigDict(extra="allow")

    detail: str | list[FieldError]
    allowed: list[str] | None = None
    rules: list[GuardRule] | None = None


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status with its description and the error body."""
    return {code: {"model": ErrorBody, "description": DESCRIPTIONS[code]} for code in codes}


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def statuses_by_rule(path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation answers whatever it does (see the module docstring)."""
    if not path.startswith("/api/"):
        return set()
    params = operation.get("parameters", [])
    has_body = "requestBody" in operation
    codes = {503}
    if not is_public(path) or path in LOGIN_PATHS:
        codes.add(401)
    if not is_public(path) and path not in OWN_CREDENTIAL_PATHS:
        codes.add(403)  # the password an administrator set must be changed first
    if any(p.get("in") == "path" for p in params):
        codes.add(404)
    if has_body:
        codes |= {413, 422}  # 422 also for a body that cannot be read at all (api/errors.py)
    if params:
        codes.add(422)
    if path in THROTTLED_PATHS:
        codes.add(429)
    return codes


def _error_response(code: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    if code in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def declare(document: dict[str, Any]) -> dict[str, Any]:
    """Add the statuses every operation answers by rule, with the error body; a status a route declared
    itself is kept. FastAPI's own 422 body (HTTPValidationError) is replaced: errors are ErrorBody."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, schema in error_schema.pop("$defs", {}).items():
        schemas.setdefault(name, schema)
    schemas.setdefault("ErrorBody", error_schema)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            responses = operation.setdefault("responses", {})
            for code in sorted(statuses_by_rule(path, operation)):
                current = responses.get(str(code))
                if current is None or _is_fastapi_validation_error(current):
                    responses[str(code)] = _error_response(code)
            for code in (429, 503):
                if str(code) in responses:
                    responses[str(code)].setdefault("headers", RETRY_AFTER)
    for unused in ("HTTPValidationError", "ValidationError"):
        if not _referenced(document, unused):
            schemas.pop(unused, None)
    return document


def _is_fastapi_validation_error(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref") == "#/components/schemas/HTTPValidationError"


def _referenced(document: dict[str, Any], name: str) -> bool:
    return f'"#/components/schemas/{name}"' in json.dumps({k: v for k, v in document.items() if k != "components"})


# --- links: where an id a response carries leads ---------------------------------------------------------

CASE = "/api/v1/cases/{case_id}"
ACTION = "/api/v1/cases/{case_id}/actions/{trigger}"
CASE_OPERATIONS = {
    "GetCase": ("get", CASE),
    "ListActions": ("get", f"{CASE}/actions"),
    "FireAction": ("post", ACTION),
    "ListEvents": ("get", f"{CASE}/events"),
    "ListDeadlines": ("get", f"{CASE}/deadlines"),
    "ListDocuments": ("get", f"{CASE}/documents"),
    "CaseRouting": ("get", f"{CASE}/routing"),
}
HANDOFF = "/api/v1/court/confirmations/{handoff_id}"
DOCUMENT = "/api/v1/documents/{doc_id}"
ORGANIZATION = "/api/v1/organizations/{code}"

# (source operation, status) -> {link name: (target operation, {parameter: runtime expression})}
LINKS: dict[tuple[str, str, str], dict[str, tuple[tuple[str, str], dict[str, str]]]] = {
    **{
        (method, path, status): {
            name: (target, {"case_id": "$response.body#/id"}) for name, target in CASE_OPERATIONS.items()
        }
        for method, path, status in (("post", "/api/v1/cases", "201"), ("get", CASE, "200"), ("post", ACTION, "200"))
    },
    ("get", "/api/v1/cases", "200"): {"GetFirstCase": (("get", CASE), {"case_id": "$response.body#/data/0/id"})},
    ("get", f"{CASE}/actions", "200"): {
        "FireFirstAllowed": (
            ("post", ACTION),
            {"case_id": "$request.path.case_id", "trigger": "$response.body#/allowed/0"},
        )
    },
    ("get", f"{CASE}/documents", "200"): {
        "GetFirstDocument": (("get", DOCUMENT), {"doc_id": "$response.body#/0/id"}),
        "GetFirstDocumentPdf": (("get", f"{DOCUMENT}/pdf"), {"doc_id": "$response.body#/0/id"}),
    },
    ("get", "/api/v1/court/confirmations", "200"): {
        "GetFirstConfirmation": (("get", HANDOFF), {"handoff_id": "$response.body#/0/id"}),
        "ReceiveFirstConfirmation": (("post", f"{HANDOFF}/receive"), {"handoff_id": "$response.body#/0/id"}),
    },
    ("post", f"{HANDOFF}/receive", "200"): {
        "GetConfirmedCase": (("get", CASE), {"case_id": "$response.body#/case_id"}),
        "FireOnConfirmedCase": (("post", ACTION), {"case_id": "$response.body#/case_id"}),
    },
    ("post", "/api/v1/organizations", "201"): {
        f"{verb}Organization": ((verb.lower(), ORGANIZATION), {"code": "$response.body#/code"})
        for verb in ("Get", "Put", "Patch", "Delete")
    },
}


def _pointer(method: str, path: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def declare_links(document: dict[str, Any]) -> dict[str, Any]:
    """Add `LINKS` to the responses they start from (operations absent from the document are skipped)."""
    paths = document.get("paths", {})
    for (method, path, status), links in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        for name, ((target_method, target_path), parameters) in links.items():
            if target_method in paths.get(target_path, {}):
                response.setdefault("links", {})[name] = {
                    "operationRef": _pointer(target_method, target_path),
                    "parameters": parameters,
                }
    return document


def install(app: FastAPI) -> None:
    """Declare the statuses and the links in the document the app serves, once, when it is first built."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_links(declare(build()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
