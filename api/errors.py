"""Domain errors mapped to HTTP in one place. Errors are JSON {"detail": …}."""

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import responses
from api.limits import BUSY
from models.privacy import scrub
from workflows.errors import (
    ClockOutOfRange,
    Conflict,
    DocumentNotReady,
    Forbidden,
    GuardRefused,
    IllegalTransition,
    JiefenError,
    NotVisible,
    PayloadInvalid,
    StaleVersion,
    TooManyAttempts,
    UnknownAccount,
    UnknownTrigger,
    ValidationFailed,
)
from workflows.validation import scrub_errors

log = logging.getLogger("jiefen.api")

STATUS: dict[type[JiefenError], int] = {
    NotVisible: 404,
    UnknownTrigger: 404,
    Forbidden: 403,
    StaleVersion: 409,
    IllegalTransition: 409,
    GuardRefused: 409,
    PayloadInvalid: 422,
    ValidationFailed: 422,
    ClockOutOfRange: 422,
    DocumentNotReady: 409,
    Conflict: 409,
    UnknownAccount: 404,
    TooManyAttempts: 429,
}


# A path id that is not a UUID names nothing: the same 404 and detail as an id naming no record.
MALFORMED_ID: dict[str, str] = {
    "case_id": "案件不存在",
    "doc_id": "文书不存在",
    "handoff_id": "司法确认申请不存在",
}


UNPARSABLE_BODY = {
    "loc": ["body"],
    "field": "body",
    "msg": "请求体无法解析：应为 UTF-8 编码的 JSON 或表单",
    "type": "body_unparsable",
}


def status_for(exc: JiefenError) -> int:
    """The HTTP status a domain error answers with (the web screens use it too)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _malformed_id(error: Mapping[str, Any]) -> str | None:
    """The detail for a validation error on a UUID path id, or None for any other error."""
    loc = error.get("loc", ())
    if len(loc) == 2 and loc[0] == "path":
        return MALFORMED_ID.get(str(loc[1]))
    return None


def install(app: FastAPI) -> None:
    responses.install(app)  # every status declared in the OpenAPI document, with this body

    @app.exception_handler(JiefenError)
    async def domain_error(_: Request, exc: JiefenError) -> JSONResponse:
        if isinstance(exc, ValidationFailed):
            return JSONResponse({"detail": exc.errors}, status_code=422)
        if isinstance(exc, PayloadInvalid):
            field = ".".join(str(p) for p in exc.loc if p not in ("body", "header", "query"))
            body = [
                {
                    "loc": exc.loc if exc.loc[0] in ("header", "query") else ["body", *exc.loc],
                    "field": field,
                    "msg": scrub(exc.msg),
                    "type": "value_error",
                }
            ]
            return JSONResponse({"detail": body}, status_code=422)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
        return JSONResponse({"detail": scrub(exc.detail), **exc.extra}, status_code=status_for(exc), headers=headers)

    @app.exception_handler(sa_exc.TimeoutError)
    async def pool_exhausted(_: Request, exc: sa_exc.TimeoutError) -> JSONResponse:
        """No database connection came in time (api.limits keeps this from happening; a pool shared with
        something else still could): busy, try again — never a 500."""
        return JSONResponse({"detail": BUSY}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        others = [e for e in errors if _malformed_id(e) is None]
        if errors and not others:  # only the id is wrong: as if it named no record
            return JSONResponse({"detail": _malformed_id(errors[0])}, status_code=404)
        # Other errors too: those alone are reported, as for a well-formed id that names nothing.
        return JSONResponse({"detail": scrub_errors(others)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI and Starlette answer 400 (in English) when a body cannot even be read: JSON that is not UTF-8,
        # a multipart form without its boundary. Nothing in jiefen raises 400: it is bad input like any other,
        # so 422 on `body`.
        if exc.status_code == 400:
            return JSONResponse({"detail": [UNPARSABLE_BODY]}, status_code=422)
        return await http_exception_handler(request, exc)

    @app.exception_handler(DataError)
    async def data_refused(_: Request, exc: DataError) -> JSONResponse:
        # The database refused a value that validation let through: still the client's data, never a 500.
        log.warning("database refused a value: %s", scrub(str(exc.orig))[:300])
        return JSONResponse({"detail": "请求中含有数据库无法保存的数据"}, status_code=422)

    @app.middleware("http")
    async def refuse_nul(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if "%00" in request.url.query or "\x00" in request.url.path or "%00" in request.url.path:
            return JSONResponse(
                {
                    "detail": [
                        {
                            "loc": ["query"],
                            "field": "query",
                            "msg": "请求地址含有不允许的控制字符（NUL）",
                            "type": "value_error",
                        }
                    ]
                },
                status_code=422,
            )
        return await call_next(request)

    @app.exception_handler(OperationalError)
    async def database_busy(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database error: %s", scrub(str(exc.orig))[:500])
        return JSONResponse({"detail": "数据库暂时繁忙，请稍后重试"}, status_code=503, headers={"Retry-After": "1"})
