"""Loading organizations, courts, mediators and users from a seed file (CONTRACT §2).

The file is the truth for what it lists: each entry is matched by its code (users: username),
created when missing and brought up to date when present — a field the entry leaves out goes back
to its default. Rows the file does not mention are left alone.

The whole file is checked before anything is written (shape, vocabularies, references against the
file and the database), and the writes happen in one transaction, so a bad file changes nothing.
Errors name the entry, e.g. ``organizations[3] (CN-ZJ-XH-X): unknown kind 'foo' (expected one of: …)``;
indexes count from 0, as YAML lists do.
"""

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.db import write_transaction
from models.security import hash_password, needs_rehash, verify_password
from models.tables import Mediator, Organization, User
from models.types import utcnow
from states.enums import DisputeType, Role

ORG_KINDS: tuple[str, ...] = (
    "people_mediation", "labour_mediation", "medical_mediation", "traffic_mediation", "consumer_mediation",
    "property_mediation", "commercial_mediation", "court", "labour_arbitration", "land_arbitration",
    "commercial_arbitration", "agency",
)
LEVELS: tuple[str, ...] = ("village", "town", "county", "city")
STATIONINGS: tuple[str, ...] = ("resident", "rotating", "on_call")  # 常驻 | 轮驻 | 随叫随驻
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DISPUTE_TYPES: tuple[str, ...] = tuple(t.value for t in DisputeType)
USER_ROLES: tuple[str, ...] = tuple(r.value for r in Role if r is not Role.SYSTEM)
MEDIATION_ORG_KINDS: tuple[str, ...] = ORG_KINDS[:7]
LEVEL_RANK: dict[str, int] = {level: i for i, level in enumerate(LEVELS)}  # village 0 … city 3
REGION_LENGTHS = (6, 9, 12)  # county (and city), town, village administrative division codes

SECTIONS: tuple[str, ...] = ("organizations", "courts", "mediators", "users")
ORG_FIELDS = frozenset({"code", "name", "kind", "level", "region", "parent", "dispute_types", "stationing",
                        "duty_days", "capacity", "invited_by"})
MEDIATOR_FIELDS = frozenset({"code", "name", "org", "specialties", "part_time", "capacity"})
USER_FIELDS = frozenset({"username", "password", "role", "org", "mediator", "display_name"})


class SeedError(ValueError):
    """A seed that cannot be loaded; the message names the entry and the rule. Nothing was written."""

    def __init__(self, message: str, *, entry: str | None = None) -> None:
        super().__init__(message)
        self.entry = entry


@dataclass(slots=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass(slots=True)
class SeedReport:
    """What a load did, per section of the file."""

    organizations: Counts = field(default_factory=Counts)
    courts: Counts = field(default_factory=Counts)
    mediators: Counts = field(default_factory=Counts)
    users: Counts = field(default_factory=Counts)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.sections().values())

    def sections(self) -> dict[str, Counts]:
        return {name: getattr(self, name) for name in SECTIONS}

    def __str__(self) -> str:
        return "; ".join(f"{name}: {counts}" for name, counts in self.sections().items())


# --- the parsed file -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _OrgSpec:
    label: str
    section: str  # organizations | courts
    code: str
    name: str
    kind: str
    level: str
    region: str
    parent: str | None
    dispute_types: list[str]
    stationing: str
    duty_days: list[str]
    capacity: int | None
    invited_by: list[str] = field(default_factory=list)  # courts that invited it (特邀调解)

    def values(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "level": self.level, "region": self.region,
                "parent_code": self.parent, "dispute_types": list(self.dispute_types),
                "stationing": self.stationing, "duty_days": list(self.duty_days), "capacity": self.capacity,
                "invited_by": list(self.invited_by)}


@dataclass(frozen=True, slots=True)
class _MediatorSpec:
    label: str
    code: str
    name: str
    org: str
    specialties: list[str]
    part_time: bool
    capacity: int | None

    def values(self) -> dict[str, Any]:
        return {"name": self.name, "org_code": self.org, "specialties": list(self.specialties),
                "part_time": self.part_time, "capacity": self.capacity}


@dataclass(frozen=True, slots=True)
class _UserSpec:
    label: str
    username: str
    password: str
    role: str
    org: str | None
    mediator: str | None
    display_name: str | None

    def values(self) -> dict[str, Any]:
        return {"role": self.role, "org_code": self.org, "mediator_code": self.mediator,
                "display_name": self.display_name}


@dataclass(frozen=True, slots=True)
class _Plan:
    orgs: list[_OrgSpec]
    mediators: list[_MediatorSpec]
    users: list[_UserSpec]


def _what(value: Any) -> str:
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


def _one_of(choices: Iterable[str]) -> str:
    return f"(expected one of: {', '.join(choices)})"


class _Entry:
    """One entry of a section, with typed accessors that fail naming the entry."""

    def __init__(self, section: str, index: int, raw: Any, id_key: str, allowed: frozenset[str]) -> None:
        self.label = f"{section}[{index}]"
        if not isinstance(raw, Mapping):
            self.fail(f"expected a mapping of fields, got {_what(raw)}")
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
            self.fail(f"{key} must be a string, got {_what(value)} (quote it in YAML)")
        value = value.strip()
        if not value:
            if required:
                self.fail(f"{key} is required")
            return None
        if len(value) > max_len:
            self.fail(f"{key} is longer than {max_len} characters")
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
                self.fail(f"{key} is required {_one_of(choices)}")
            return default
        if not isinstance(value, str) or value not in choices:
            self.fail(f"unknown {key} {value!r} {_one_of(choices)}")
        return value

    def choices(self, key: str, choices: tuple[str, ...], *, item: str) -> list[str]:
        value = self.raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"{key} must be a list, got {_what(value)}")
        seen: list[str] = []
        for v in value:
            if not isinstance(v, str) or v not in choices:
                self.fail(f"unknown {item} {v!r} in {key} {_one_of(choices)}")
            if v in seen:
                self.fail(f"{item} {v!r} is listed twice in {key}")
            seen.append(v)
        return seen

    def region(self, key: str) -> str:
        value = self.raw.get(key)
        if value is None:
            self.fail(f"{key} is required (an administrative division code of 6, 9 or 12 digits)")
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.fail(f"{key} must be a code of 6, 9 or 12 digits, got {_what(value)}")
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
            self.fail(f"{key} must be a list of codes, got {_what(value)}")
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


def _section(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{name}: expected a list of entries, got {_what(value)}", entry=name)
    return value


def _parse_org(section: str, index: int, raw: Any) -> _OrgSpec:
    e = _Entry(section, index, raw, "code", ORG_FIELDS)
    code = e.code("code")
    name = e.text("name", max_len=200)
    if section == "courts":
        kind = "court" if raw.get("kind") is None else raw["kind"]
        if kind != "court":
            e.fail(f"kind {kind!r} in courts: entries there are courts (leave kind out or put them under organizations)")
    else:
        kind = e.choice("kind", ORG_KINDS)
    level = e.choice("level", LEVELS)
    region = e.region("region")
    parent = e.code("parent", required=False)
    if parent == code:
        e.fail("parent is the organization itself")
    dispute_types = e.choices("dispute_types", DISPUTE_TYPES, item="dispute type")
    stationing = e.choice("stationing", STATIONINGS, default="resident")
    duty_days = e.choices("duty_days", WEEKDAYS, item="duty day")
    if duty_days and stationing != "rotating":
        e.fail(f"duty_days are only for rotating stationing, not {stationing!r}")
    if stationing == "rotating" and not duty_days:
        e.fail("rotating stationing needs duty_days (mon … sun)")
    invited_by = e.codes("invited_by")
    if invited_by and kind not in MEDIATION_ORG_KINDS:
        e.fail(f"invited_by is for mediation organizations (特邀调解组织), not kind {kind!r}")
    assert code is not None and name is not None
    return _OrgSpec(label=e.label, section=section, code=code, name=name, kind=kind, level=level, region=region,
                    parent=parent, dispute_types=dispute_types, stationing=stationing, duty_days=duty_days,
                    capacity=e.count("capacity"), invited_by=invited_by)


def _parse_mediator(index: int, raw: Any) -> _MediatorSpec:
    e = _Entry("mediators", index, raw, "code", MEDIATOR_FIELDS)
    code = e.code("code")
    name = e.text("name", max_len=100)
    org = e.code("org")
    assert code is not None and name is not None and org is not None
    return _MediatorSpec(label=e.label, code=code, name=name, org=org,
                         specialties=e.choices("specialties", DISPUTE_TYPES, item="dispute type"),
                         part_time=e.flag("part_time"), capacity=e.count("capacity"))


def _parse_user(index: int, raw: Any) -> _UserSpec:
    e = _Entry("users", index, raw, "username", USER_FIELDS)
    username = e.code("username")
    password = raw.get("password")
    if password is None or password == "":
        e.fail("password is required")
    if not isinstance(password, str):
        e.fail(f"password must be a string, got {_what(password)} (quote it in YAML)")
    role = e.choice("role", USER_ROLES)
    org = e.code("org", required=role != Role.ADMIN)
    mediator = e.code("mediator", required=False)
    if role == Role.MEDIATOR and mediator is None:
        e.fail("a mediator user must name its mediator (mediator: M-…)")
    if role != Role.MEDIATOR and mediator is not None:
        e.fail(f"mediator is for mediator users only, not role {role!r}")
    assert username is not None
    return _UserSpec(label=e.label, username=username, password=password, role=role, org=org, mediator=mediator,
                     display_name=e.text("display_name", max_len=100, required=False))


def _parse(data: Any) -> _Plan:
    if not isinstance(data, Mapping):
        raise SeedError(f"a seed is a mapping with the sections {', '.join(SECTIONS)}; got {_what(data)}")
    unknown = sorted(str(k) for k in data if k not in SECTIONS)
    if unknown:
        raise SeedError(f"unknown section {', '.join(repr(k) for k in unknown)} (expected: {', '.join(SECTIONS)})")

    orgs = [_parse_org("organizations", i, raw) for i, raw in enumerate(_section(data, "organizations"))]
    orgs += [_parse_org("courts", i, raw) for i, raw in enumerate(_section(data, "courts"))]
    mediators = [_parse_mediator(i, raw) for i, raw in enumerate(_section(data, "mediators"))]
    users = [_parse_user(i, raw) for i, raw in enumerate(_section(data, "users"))]

    _no_duplicates(((o.code, o.label) for o in orgs), "code")
    _no_duplicates(((m.code, m.label) for m in mediators), "code")
    _no_duplicates(((u.username, u.label) for u in users), "username")
    return _Plan(orgs, mediators, users)


def _no_duplicates(items: Iterable[tuple[str, str]], what: str) -> None:
    first: dict[str, str] = {}
    for key, label in items:
        if key in first:
            raise SeedError(f"{label}: duplicate {what} {key!r} (first used by {first[key]})", entry=label)
        first[key] = label


# --- references, against the file and the database -------------------------------------------------


def _check_references(plan: _Plan, db_orgs: Mapping[str, Organization], db_mediators: Mapping[str, Mediator]) -> None:
    def fail(label: str, message: str) -> NoReturn:
        raise SeedError(f"{label}: {message}", entry=label)

    kinds = {code: o.kind for code, o in db_orgs.items()} | {o.code: o.kind for o in plan.orgs}
    parents = {code: o.parent_code for code, o in db_orgs.items()} | {o.code: o.parent for o in plan.orgs}

    for o in plan.orgs:
        if o.parent is not None and o.parent not in kinds:
            fail(o.label, f"unknown parent {o.parent!r} (neither in this file nor in the database)")
        for court in o.invited_by:
            if kinds.get(court) != "court":
                fail(o.label, f"invited_by {court!r} is not a court (neither in this file nor in the database)")
        chain, code = [o.code], o.parent
        while code is not None:
            chain.append(code)
            if code == o.code:
                fail(o.label, f"parent chain loops: {' → '.join(chain)}")
            if len(chain) > len(parents) + 1:  # a loop above this entry, reported at its own entry
                break
            code = parents.get(code)

    med_orgs = {code: m.org_code for code, m in db_mediators.items()} | {m.code: m.org for m in plan.mediators}
    for m in plan.mediators:
        if m.org not in kinds:
            fail(m.label, f"unknown organization {m.org!r} (neither in this file nor in the database)")

    for u in plan.users:
        if u.org is not None and u.org not in kinds:
            fail(u.label, f"unknown organization {u.org!r} (neither in this file nor in the database)")
        if u.role == Role.COURT and kinds.get(u.org or "") != "court":
            fail(u.label, f"a court user's org must be a court; {u.org!r} is {kinds.get(u.org or '')!r}")
        if u.role == Role.MEDIATOR:
            assert u.mediator is not None
            if u.mediator not in med_orgs:
                fail(u.label, f"unknown mediator {u.mediator!r} (neither in this file nor in the database)")
            if med_orgs[u.mediator] != u.org:
                fail(u.label, f"mediator {u.mediator!r} belongs to {med_orgs[u.mediator]!r}, not to the user's org {u.org!r}")


# --- writing ----------------------------------------------------------------------------------------


def _update(row: Any, values: Mapping[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _apply(session: Session, plan: _Plan) -> SeedReport:
    report = SeedReport()
    db_orgs = {o.code: o for o in session.exec(select(Organization)).all()}
    med_codes = {m.code for m in plan.mediators} | {u.mediator for u in plan.users if u.mediator}
    db_mediators = (
        {m.code: m for m in session.exec(select(Mediator).where(Mediator.code.in_(sorted(med_codes)))).all()}  # type: ignore[attr-defined]
        if med_codes else {}
    )
    usernames = sorted(u.username for u in plan.users)
    db_users = (
        {u.username: u for u in session.exec(select(User).where(User.username.in_(usernames))).all()}  # type: ignore[attr-defined]
        if usernames else {}
    )
    _check_references(plan, db_orgs, db_mediators)

    now = utcnow()
    for spec in plan.orgs:
        counts: Counts = getattr(report, spec.section)
        org = db_orgs.get(spec.code)
        if org is None:
            session.add(Organization(code=spec.code, created_at=now, updated_at=now, **spec.values()))
            counts.created += 1
        elif _update(org, spec.values()):
            org.updated_at = now
            counts.updated += 1
        else:
            counts.unchanged += 1
    session.flush()  # organizations before the mediators and users that refer to them

    for spec in plan.mediators:
        med = db_mediators.get(spec.code)
        if med is None:
            session.add(Mediator(code=spec.code, created_at=now, **spec.values()))
            report.mediators.created += 1
        elif _update(med, spec.values()):
            report.mediators.updated += 1
        else:
            report.mediators.unchanged += 1
    session.flush()

    for spec in plan.users:
        user = db_users.get(spec.username)
        if user is None:
            session.add(User(username=spec.username, password_hash=hash_password(spec.password), created_at=now,
                             **spec.values()))
            report.users.created += 1
            continue
        changed = _update(user, spec.values())
        if not verify_password(user.password_hash, spec.password) or needs_rehash(user.password_hash):
            user.password_hash = hash_password(spec.password)
            changed = True
        if changed:
            report.users.updated += 1
        else:
            report.users.unchanged += 1
    session.flush()
    return report


# --- entry points -----------------------------------------------------------------------------------


def load_seed(session: Session, data: Mapping[str, Any]) -> SeedReport:
    """Load a parsed seed (the mapping a seed file holds) in one write transaction.

    Raises SeedError, naming the entry, if anything in it is invalid; then nothing is written.
    """
    plan = _parse(data)
    try:
        with write_transaction(session):
            return _apply(session, plan)
    except IntegrityError as e:  # a concurrent writer got there first; the transaction was rolled back
        raise SeedError(f"the database refused the seed: {e.orig}") from e


def load_seed_file(session: Session, path: str | os.PathLike[str]) -> SeedReport:
    """Read a YAML seed file (yaml.safe_load) and load it with `load_seed`; errors name the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise SeedError(f"{path}: not UTF-8 text (byte {e.start})") from e
    except OSError as e:
        raise SeedError(f"{path}: cannot read: {e.strerror or e}") from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SeedError(f"{path}: {_yaml_problem(e)}") from e
    if data is None:
        raise SeedError(f"{path}: the seed file is empty")
    try:
        return load_seed(session, data)
    except SeedError as e:
        raise SeedError(f"{path}: {e}", entry=e.entry) from e


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or getattr(error, "context", None) or str(error)
    if mark is None:
        return f"YAML syntax error: {problem}"
    return f"YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: {problem}"
