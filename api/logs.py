"""Logging that never writes an identity number or a phone: every record is scrubbed on its way out."""

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from models.privacy import scrub


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's logging configuration with the scrub filter on every handler, and jiefen's own logger."""
    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg.setdefault("filters", {})["scrub"] = {"()": "api.logs.ScrubFilter"}
    for handler in cfg["handlers"].values():
        handler.setdefault("filters", []).append("scrub")
    cfg["loggers"]["jiefen"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return cfg
