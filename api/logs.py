"""Logging that never writes an identity number or a phone: every record is scrubbed on its way out."""

import copy
import logging
from collections.abc import Mapping
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from models.privacy import scrub


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


def log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's logging configuration with the scrub filter on every handler, and jiefen's own logger."""
    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg.setdefault("filters", {})["scrub"] = {"()": "api.logs.ScrubFilter"}
    for handler in cfg["handlers"].values():
        handler.setdefault("filters", []).append("scrub")
    cfg["loggers"]["jiefen"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return cfg
