"""Routing rules as data: the YAML profile (workflows/rules/routing.yaml, or JIEFEN_ROUTING_RULES),
parsed and checked at load. A bad file is refused whole, naming its line and the reason, e.g.
``rules.yaml:42: rules[3] (labour): unknown kind 'labor_mediation' (expected one of: …)``.
"""

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml

from states.enums import MEDIATION_KINDS, Channel, DisputeType, Level, OrgKind, State
from states.labels import ROUTING_FACT_LABELS
from workflows.routing.yamlcheck import Checker, Loader, Map, RulesError, Seq

DEFAULT_RULES = Path(__file__).resolve().parents[1] / "rules" / "routing.yaml"
ENV_VAR = "JIEFEN_ROUTING_RULES"

DISPUTE_TYPES = tuple(t.value for t in DisputeType)
CHANNELS = tuple(c.value for c in Channel)
STATES = tuple(s.value for s in State)
LEVELS = tuple(level.value for level in Level)
MEDIATION_KIND_NAMES = tuple(k.value for k in OrgKind if k in MEDIATION_KINDS)  # a target's kinds
FACT_NAMES = tuple(ROUTING_FACT_LABELS)  # the yes/no facts of a case a rule may test (`when: facts:`)
AREAS = ("case", "any")
INVITED = ("referring_court",)
_ID = re.compile(r"[a-z0-9][a-z0-9_.\-]{0,63}")

TOP_KEYS = frozenset({"profile", "version", "description", "settings", "rules"})
SETTINGS_KEYS = frozenset({"open_states", "part_time_capacity", "duplicate_window_days"})
RULE_KEYS = frozenset({"id", "reason", "basis", "when", "target", "note", "otherwise"})
WHEN_KEYS = frozenset({"dispute_types", "channels", "regions", "min_parties", "claim_above", "facts", "any"})
OTHERWISE_KEYS = frozenset({"reason", "basis"})
TARGET_KEYS = frozenset({"kinds", "levels", "area", "invited_by"})


# --- the compiled profile ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleCondition:
    """When a rule applies: every condition given holds (and one of `any_of`, if any)."""

    dispute_types: frozenset[str] | None = None
    channels: frozenset[str] | None = None
    regions: tuple[str, ...] | None = None  # region prefixes
    min_parties: int | None = None
    claim_above: Decimal | None = None
    facts: tuple[tuple[str, bool], ...] = ()  # (fact name, the value it must have)
    any_of: tuple["RuleCondition", ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    kinds: tuple[str, ...] | None = None  # preference order
    levels: tuple[str, ...] | None = None  # preference order
    area: str = "case"
    invited_by_referring_court: bool = False


@dataclass(frozen=True, slots=True)
class Otherwise:
    """What a rule says when it applies but finds no organization: routing stops here (never falls
    through to a later rule) with this reason and basis — e.g. a medical dispute goes to the health
    department, never to a village committee."""

    reason: str
    basis: str


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    reason: str
    basis: str
    when: RuleCondition
    target: Target
    line: int
    otherwise: Otherwise | None = None


@dataclass(frozen=True, slots=True)
class RoutingSettings:
    """The profile's `settings:`: which states count as open (for capacities), the default cap of a
    part-time mediator, and how far back intake looks for possible duplicates."""

    open_states: tuple[str, ...] = (State.DIVERSION, State.MEDIATION)
    part_time_capacity: int = 5
    duplicate_window_days: int = 90


@dataclass(frozen=True, slots=True)
class RuleSet:
    profile: str
    version: int
    source: str
    sha256: str
    rules: tuple[Rule, ...]
    settings: RoutingSettings = field(default_factory=RoutingSettings)
    # dispute type -> positions of the rules that may apply to it, in order (rules without a
    # dispute-type condition are in every list): a decision looks only at these.
    by_type: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.profile}@{self.version}"


def _condition(c: Checker, raw: Any, line: int, where: str) -> RuleCondition:
    m = c.mapping(raw, line, where, WHEN_KEYS)
    claim = None
    if m.get("claim_above") is not None:
        v = m["claim_above"]
        try:
            if isinstance(v, bool):
                raise InvalidOperation
            claim = Decimal(str(v))
        except InvalidOperation:
            c.fail(c.line_of(m, "claim_above"), where, f"claim_above must be an amount in yuan, got {v!r}")
        if not claim.is_finite() or claim < 0:
            c.fail(c.line_of(m, "claim_above"), where, "claim_above must be an amount of at least 0")
    regions = None
    if m.get("regions") is not None:
        from workflows.access import region_prefix

        value = m["regions"]
        if not isinstance(value, list) or not value:
            c.fail(c.line_of(m, "regions"), where, "regions must be a non-empty list of administrative codes")
        out = []
        for i, v in enumerate(value):
            text = str(v) if isinstance(v, int | str) and not isinstance(v, bool) else ""
            if not (text.isascii() and text.isdigit() and len(text) in (6, 9, 12)):
                # `Loader` builds every YAML sequence as a `Seq`, which knows its items' lines.
                c.fail(
                    cast(Seq, value).lines[i],
                    where,
                    f"region {v!r} must be an administrative code of 6, 9 or 12 digits",
                )
            out.append(region_prefix(text))
        regions = tuple(out)
    any_of: list[RuleCondition] = []
    if m.get("any") is not None:
        value = m["any"]
        if not isinstance(value, list) or not value:
            c.fail(c.line_of(m, "any"), where, "any must be a non-empty list of conditions")
        any_of = [_condition(c, v, cast(Seq, value).lines[i], f"{where}.any[{i}]") for i, v in enumerate(value)]
    types = c.choices(m, "dispute_types", where, DISPUTE_TYPES, "dispute type")
    channels = c.choices(m, "channels", where, CHANNELS, "channel")
    return RuleCondition(
        dispute_types=frozenset(types) if types else None,
        channels=frozenset(channels) if channels else None,
        regions=regions,
        min_parties=c.whole(m, "min_parties", where, minimum=2),
        claim_above=claim,
        facts=_facts(c, m, where),
        any_of=tuple(any_of),
    )


def _facts(c: Checker, m: Map, where: str) -> tuple[tuple[str, bool], ...]:
    """`facts: {all_persons: true, commercial_mediation_chosen: false}`: each named fact has that value."""
    if m.get("facts") is None:
        return ()
    value = m["facts"]
    line = c.line_of(m, "facts")
    if not isinstance(value, Map) or not value:
        c.fail(line, where, "facts must be a non-empty mapping of fact: true|false")
    out = []
    for name, want in value.items():
        if name not in FACT_NAMES:
            c.fail(value.lines[name], where, f"unknown fact {name!r} (expected one of: {', '.join(FACT_NAMES)})")
        if not isinstance(want, bool):
            c.fail(value.lines[name], where, f"fact {name} must be true or false, got {want!r}")
        out.append((name, want))
    return tuple(out)


def _otherwise(c: Checker, m: Map, where: str) -> Otherwise | None:
    if m.get("otherwise") is None:
        return None
    o = c.mapping(m["otherwise"], c.line_of(m, "otherwise"), f"{where}.otherwise", OTHERWISE_KEYS)
    return Otherwise(c.text(o, "reason", f"{where}.otherwise") or "", c.text(o, "basis", f"{where}.otherwise") or "")


def _target(c: Checker, raw: Any, line: int, where: str) -> Target:
    m = c.mapping(raw, line, where, TARGET_KEYS)
    area = m.get("area", "case")
    if area not in AREAS:
        c.fail(c.line_of(m, "area"), where, f"unknown area {area!r} (expected one of: {', '.join(AREAS)})")
    invited = m.get("invited_by")
    if invited is not None and invited not in INVITED:
        c.fail(
            c.line_of(m, "invited_by"), where, f"unknown invited_by {invited!r} (expected one of: {', '.join(INVITED)})"
        )
    return Target(
        kinds=c.choices(m, "kinds", where, MEDIATION_KIND_NAMES, "kind"),
        levels=c.choices(m, "levels", where, LEVELS, "level"),
        area=area,
        invited_by_referring_court=invited == "referring_court",
    )


def parse_rules(text: str, source: str = "<rules>") -> RuleSet:
    """Parse and check a rules file's text. Raises RulesError naming the line and the reason."""
    c = Checker(source)
    try:
        data = yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    except RulesError as e:
        raise RulesError(source, e.line, e.reason) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        problem = getattr(e, "problem", None) or getattr(e, "context", None) or str(e)
        raise RulesError(source, mark.line + 1 if mark else None, f"YAML syntax error: {problem}") from None
    if data is None:
        raise RulesError(source, None, "the rules file is empty")
    top = c.mapping(data, 1, "", TOP_KEYS)
    profile = c.text(top, "profile", "") or ""
    version = c.whole(top, "version", "", minimum=1)
    if version is None:
        c.fail(top.line, "", "version is required")

    settings = RoutingSettings()
    if top.get("settings") is not None:
        s = c.mapping(top["settings"], c.line_of(top, "settings"), "settings", SETTINGS_KEYS)
        settings = RoutingSettings(
            open_states=c.choices(s, "open_states", "settings", STATES, "state") or settings.open_states,
            part_time_capacity=c.whole(s, "part_time_capacity", "settings", minimum=1) or settings.part_time_capacity,
            duplicate_window_days=c.whole(s, "duplicate_window_days", "settings", minimum=1)
            or settings.duplicate_window_days,
        )

    raw_rules = top.get("rules")
    if not isinstance(raw_rules, Seq) or not raw_rules:
        c.fail(c.line_of(top, "rules"), "rules", "rules must be a non-empty list")
    rules: list[Rule] = []
    first_line: dict[str, int] = {}
    for i, raw in enumerate(raw_rules):
        line = raw_rules.lines[i]
        where = f"rules[{i}]"
        if isinstance(raw, Map) and isinstance(raw.get("id"), str):
            where += f" ({raw['id']})"
        m = c.mapping(raw, line, where, RULE_KEYS)
        rid = c.text(m, "id", where) or ""
        if not _ID.fullmatch(rid):
            c.fail(c.line_of(m, "id"), where, "id must be lower-case letters, digits, '_', '.', '-' (at most 64)")
        if rid in first_line:
            c.fail(c.line_of(m, "id"), where, f"duplicate id {rid!r} (first used at line {first_line[rid]})")
        first_line[rid] = c.line_of(m, "id")
        reason = c.text(m, "reason", where) or ""
        basis = c.text(m, "basis", where) or ""
        when = _condition(
            c, m.get("when") if m.get("when") is not None else _empty(m), c.line_of(m, "when"), f"{where}.when"
        )
        if m.get("target") is None:
            c.fail(m.line, where, "target is required")
        target = _target(c, m["target"], c.line_of(m, "target"), f"{where}.target")
        if target.invited_by_referring_court and (when.channels is None or when.channels != {Channel.COURT_REFERRAL}):
            c.fail(
                c.line_of(m, "target"),
                where,
                "target invited_by: referring_court needs when.channels: [court_referral]",
            )
        rules.append(Rule(rid, reason, basis, when, target, line, _otherwise(c, m, where)))

    by_type = {
        t: tuple(i for i, r in enumerate(rules) if r.when.dispute_types is None or t in r.when.dispute_types)
        for t in DISPUTE_TYPES
    }
    return RuleSet(
        profile=profile,
        version=version,
        source=source,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        rules=tuple(rules),
        settings=settings,
        by_type=by_type,
    )


def _empty(m: Map) -> Map:
    e = Map()
    e.line, e.lines = m.line, {}
    return e


def load_rules_file(path: str | os.PathLike[str]) -> RuleSet:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise RulesError(str(p), None, f"not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise RulesError(str(p), None, f"cannot read: {e.strerror or e}") from None
    return parse_rules(text, str(p))


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int, size: int) -> RuleSet:
    return load_rules_file(path)


def active_rules() -> RuleSet:
    """The profile in force: JIEFEN_ROUTING_RULES if set, else the one shipped with the package.
    Re-read when the file changes."""
    path = os.environ.get(ENV_VAR) or str(DEFAULT_RULES)
    try:
        st = os.stat(path)
    except OSError as e:
        raise RulesError(path, None, f"cannot read ({ENV_VAR}): {e.strerror or e}") from None
    return _cached(path, st.st_mtime_ns, st.st_size)
