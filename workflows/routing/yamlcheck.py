"""Reading a rules file with the line of every key and item, and the checks that name them: what
workflows/routing/rules.py parses the profile with, so a refusal says `file:line: where: reason`."""

from typing import Any, NoReturn

import yaml


class RulesError(ValueError):
    """A routing rules file that cannot be used; `line` is 1-based (None when the file is unreadable)."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source, self.line, self.reason = source, line, message
        super().__init__(f"{source}:{line}: {message}" if line else f"{source}: {message}")


class Map(dict):
    line: int = 0
    lines: dict[Any, int]


class Seq(list):
    line: int = 0
    lines: list[int]


class Loader(yaml.SafeLoader):
    pass


def _construct_map(loader: Loader, node: yaml.MappingNode) -> Map:
    loader.flatten_mapping(node)
    out = Map()
    out.line, out.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise RulesError("", key_node.start_mark.line + 1, f"duplicate key {key!r}")
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _construct_seq(loader: Loader, node: yaml.SequenceNode) -> Seq:
    out = Seq(loader.construct_object(n, deep=True) for n in node.value)
    out.line, out.lines = node.start_mark.line + 1, [n.start_mark.line + 1 for n in node.value]
    return out


Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


class Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, line: int | None, where: str, message: str) -> NoReturn:
        raise RulesError(self.source, line, f"{where}: {message}" if where else message)

    def mapping(self, value: Any, line: int, where: str, allowed: frozenset[str]) -> Map:
        if not isinstance(value, Map):
            self.fail(line, where, f"expected a mapping, got {type(value).__name__}")
        for key in value:
            if key not in allowed:
                self.fail(value.lines[key], where, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        return value

    def line_of(self, m: Map, key: str) -> int:
        return m.lines.get(key, m.line)

    def text(self, m: Map, key: str, where: str, *, required: bool = True) -> str | None:
        value = m.get(key)
        if value is None:
            if required:
                self.fail(m.line, where, f"{key} is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(self.line_of(m, key), where, f"{key} must be a non-empty text")
        return value.strip()

    def choices(self, m: Map, key: str, where: str, allowed: tuple[str, ...], what: str) -> tuple[str, ...] | None:
        value = m.get(key)
        if value is None:
            return None
        line = self.line_of(m, key)
        if not isinstance(value, list) or not value:
            self.fail(line, where, f"{key} must be a non-empty list")
        seen: list[str] = []
        for i, v in enumerate(value):
            item_line = value.lines[i] if isinstance(value, Seq) else line
            if v not in allowed:
                self.fail(item_line, where, f"unknown {what} {v!r} in {key} (expected one of: {', '.join(allowed)})")
            if v in seen:
                self.fail(item_line, where, f"{what} {v!r} is listed twice in {key}")
            seen.append(v)
        return tuple(seen)

    def whole(self, m: Map, key: str, where: str, *, minimum: int) -> int | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(self.line_of(m, key), where, f"{key} must be a whole number of at least {minimum}, got {value!r}")
        return value
