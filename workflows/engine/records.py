"""Working copies of rows for the write path: attribute access over a dict that remembers changes.

The engine reads a case and its open deadlines with Core, lets the effects change these copies, and
writes back only what changed — the ORM's unit of work costs several times the SQL it sends.
"""

from collections.abc import Mapping
from typing import Any

_MISSING = object()


class Record:
    __slots__ = ("_values", "_changed", "_new")

    def __init__(self, values: Mapping[str, Any], *, new: bool = False) -> None:
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_changed", set())
        object.__setattr__(self, "_new", new)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if self._values.get(name, _MISSING) is value:
            return
        self._values[name] = value
        self._changed.add(name)

    @property
    def is_new(self) -> bool:
        return self._new

    def changes(self) -> dict[str, Any]:
        return {k: self._values[k] for k in self._changed}

    def values(self) -> dict[str, Any]:
        return dict(self._values)

    def __repr__(self) -> str:
        return f"Record({self._values!r})"
