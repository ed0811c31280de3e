"""Logging that never writes an identity number or a phone: every record is scrubbed on its way out.

As text (uvicorn's lines) by default; with JIEFEN_LOG_FORMAT=json, one JSON object per line: `time` (UTC,
ISO 8601), `level`, `logger`, `message`, `request_id` while a request is being served (api.metrics gives
each request one), the access line's fields (`client`, `method`, `path`, `http_version`, `status`) on
uvicorn's access records, and `exception` for a traceback. The scrub filter runs before either formatter,
so the JSON holds the masked text."""

import contextvars
import copy
import json
import logging
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.types import Scope
from uvicorn.config import LOGGING_CONFIG

from models.privacy import scrub

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("jiefen_request_id", default=None)
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_from(scope: Scope) -> str:
    """The client's (or its proxy's) X-Request-ID when it is a short plain token; else a new id."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _CLIENT_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def _scrub_arg(arg: object) -> object:
    """A string argument masked; any other whose text would show a number whole (an int phone) becomes
    its masked text; the rest unchanged, so a format such as %d still gets a number."""
    if isinstance(arg, str):
        return scrub(arg)
    text = str(arg)
    cleaned = scrub(text)
    return arg if cleaned == text else cleaned


class ScrubFilter(logging.Filter):
    """Masks the message and each of its arguments in place. The arguments keep their shape (a tuple of
    as many items, or a mapping): uvicorn's access formatter unpacks them into the request line's parts."""

    def filter(self, record: logging.LogRecord) -> bool:
        original = record.args
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(original, Mapping):
            record.args = {k: _scrub_arg(v) for k, v in original.items()}
        elif original:
            record.args = tuple(_scrub_arg(a) for a in original)
        try:
            record.getMessage()
        except (TypeError, ValueError):
            # A number that had to become masked text no longer fits its placeholder (%d): the line is
            # formatted with the original arguments and masked whole.
            record.args = original
            record.msg, record.args = scrub(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            # Formatters print exc_text when it is set: the traceback's text, masked.
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")
"""uvicorn's access record arguments, in order (uvicorn/protocols/http/*_impl.py)."""


class JsonFormatter(logging.Formatter):
    """One JSON object per line (non-ASCII as is: Chinese messages stay readable)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            line["request_id"] = request_id
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == len(ACCESS_FIELDS):
            line.update(zip(ACCESS_FIELDS, args, strict=True))
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(self.formatException(record.exc_info))
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


def log_config(level: str = "INFO", fmt: str = "text") -> dict[str, Any]:
    """uvicorn's logging configuration with the scrub filter on every handler, and jiefen's own logger;
    `fmt` "json" writes every line as a JSON object (JsonFormatter)."""
    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg.setdefault("filters", {})["scrub"] = {"()": "api.logs.ScrubFilter"}
    for handler in cfg["handlers"].values():
        handler.setdefault("filters", []).append("scrub")
    if fmt == "json":
        for name in cfg["formatters"]:
            cfg["formatters"][name] = {"()": "api.logs.JsonFormatter"}
    cfg["loggers"]["jiefen"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return cfg
