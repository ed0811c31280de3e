"""One entry of a seed file's section, read with typed accessors that fail naming the entry and the rule."""

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from models.fields import plain_name

REGION_LENGTHS = (6, 9, 12)  # county (and city), town, village administrative division codes


class SeedError(ValueError):
    """A seed that cannot be loaded; the message names the entry and the rule. Nothing was written."""

    def __init__(self, message: str, *, entry: str | None = None) -> None:
        super().__init__(message)
        self.entry = entry


def what(value: Any) -> str:
    """A short description of a YAML value's type, for messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def one_of(choices: Iterable[str]) -> str:
    return f"(expected one of: {', '.join(choices)})"


class Entry:
    """One entry of a section, with typed accessors that fail naming the entry."""

    def __init__(self, section: str, index: int, raw: Any, id_key: str, allowed: frozenset[str]) -> None:
        self.label = f"{section}[{index}]"
        if not isinstance(raw, Mapping):
            self.fail(f"expected a mapping of fields, got {what(raw)}")
        ident = raw.get(id_key)
        if isinstance(ident, str) and ident.strip():
            self.label += f" ({ident.strip()})"
        self.raw = raw
        unknown = sorted(str(k) for k in raw if k not in allowed)
        if unknown:
            self.fail(f"unknown field {', '.join(repr(k) for k in unknown)} (allowed: {', '.join(sorted(allowed))})")

    def fail(self, message: str) -> NoReturn:
        raise SeedError(f"{self.label}: {message}", entry=self.label)

    def text(self, key: str, *, max_len: int, required: bool = True) -> str | None:
        value = self.raw.get(key)
        if value is None:
            if required:
                self.fail(f"{key} is required")
            return None
        if not isinstance(value, str):
            self.fail(f"{key} must be a string, got {what(value)} (quote it in YAML)")
        value = value.strip()
        if not value:
            if required:
                self.fail(f"{key} is required")
            return None
        if len(value) > max_len:
            self.fail(f"{key} is longer than {max_len} characters")
        return value

    def name(self, key: str, *, max_len: int, required: bool = True) -> str | None:
        """A name people read: no invisible format character (models/fields.py plain_name)."""
        value = self.text(key, max_len=max_len, required=required)
        if value is not None:
            try:
                plain_name(value)
            except ValueError as e:
                self.fail(f"{key}: {e}")
        return value

    def code(self, key: str, *, required: bool = True) -> str | None:
        value = self.text(key, max_len=64, required=required)
        if value is not None and any(c.isspace() for c in value):
            self.fail(f"{key} {value!r} must not contain spaces")
        return value

    def choice(self, key: str, choices: tuple[str, ...], *, default: str | None = None) -> str:
        value = self.raw.get(key)
        if value is None:
            if default is None:
                self.fail(f"{key} is required {one_of(choices)}")
            return default
        if not isinstance(value, str) or value not in choices:
            self.fail(f"unknown {key} {value!r} {one_of(choices)}")
        return value

    def choices(self, key: str, choices: tuple[str, ...], *, item: str) -> list[str]:
        value = self.raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"{key} must be a list, got {what(value)}")
        seen: list[str] = []
        for v in value:
            if not isinstance(v, str) or v not in choices:
                self.fail(f"unknown {item} {v!r} in {key} {one_of(choices)}")
            if v in seen:
                self.fail(f"{item} {v!r} is listed twice in {key}")
            seen.append(v)
        return seen

    def region(self, key: str) -> str:
        value = self.raw.get(key)
        if value is None:
            self.fail(f"{key} is required (an administrative division code of 6, 9 or 12 digits)")
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.fail(f"{key} must be a code of 6, 9 or 12 digits, got {what(value)}")
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and len(text) in REGION_LENGTHS):
            self.fail(f"region {value!r} must be an administrative division code of 6, 9 or 12 digits")
        return text

    def flag(self, key: str, *, default: bool = False) -> bool:
        value = self.raw.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(f"{key} must be true or false, got {value!r}")
        return value

    def codes(self, key: str) -> list[str]:
        value = self.raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"{key} must be a list of codes, got {what(value)}")
        seen: list[str] = []
        for v in value:
            if not isinstance(v, str) or not v.strip() or any(c.isspace() for c in v.strip()):
                self.fail(f"{key}: {v!r} is not a code")
            if v.strip() in seen:
                self.fail(f"{v.strip()!r} is listed twice in {key}")
            seen.append(v.strip())
        return seen

    def count(self, key: str) -> int | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(f"{key} must be a whole number of at least 1, got {value!r}")
        return value
