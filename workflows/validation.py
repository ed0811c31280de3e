"""Validation errors made safe to show: they name the field and the rule, never the value given."""

from collections.abc import Iterable, Sequence
from typing import Any

_PREFIXES = ("Value error, ", "Assertion failed, ")
_LOCATIONS = ("body", "query", "header", "path")


def scrub_errors(errors: Iterable[Any], prefix: Sequence[str | int] = ()) -> list[dict[str, Any]]:
    """pydantic/FastAPI errors -> [{loc, field, msg, type}] without `input` or `ctx`."""
    out = []
    for e in errors:
        loc = list(e.get("loc", ()))
        if prefix and loc[: len(prefix)] != list(prefix):
            loc = [*prefix, *loc]
        msg = str(e.get("msg", ""))
        for p in _PREFIXES:
            if msg.startswith(p):
                msg = msg[len(p) :]
        field = ".".join(str(p) for p in loc if p not in _LOCATIONS)
        out.append({"loc": loc, "field": field, "msg": msg, "type": e.get("type", "value_error")})
    return out
