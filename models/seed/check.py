"""Checking a seed file (docs/contract.md §2) before anything is written: shape, vocabularies, references.
Errors name the entry from 0, e.g. ``organizations[3] (CN-ZJ-XH-X): unknown kind 'foo' (expected one of: …)``.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from models.org_schemas import OrganizationCreate
from models.seed.entry import Entry, SeedError, what
from models.tables import Mediator, Organization
from states.enums import MEDIATION_KINDS, CourtLevel, DisputeType, Level, OrgKind, Role, Stationing, Weekday

ORG_KINDS: tuple[str, ...] = tuple(OrgKind)
LEVELS: tuple[str, ...] = tuple(Level)
STATIONINGS: tuple[str, ...] = tuple(Stationing)
WEEKDAYS: tuple[str, ...] = tuple(Weekday)
DISPUTE_TYPES: tuple[str, ...] = tuple(DisputeType)
USER_ROLES: tuple[str, ...] = tuple(r for r in Role if r not in (Role.SYSTEM, Role.PARTY))

SECTIONS: tuple[str, ...] = ("organizations", "courts", "mediators", "users")
# An organization's keys are the API's (models/org_schemas.py), but `parent` names parent_code. A court's
# level and webhook (URL and signing secret together) are set only where the entry gives them: a seed
# loaded again leaves what an administrator set on the screens alone.
_SEED_KEY = {"parent_code": "parent"}
ORG_FIELDS = frozenset(_SEED_KEY.get(f, f) for f in OrganizationCreate.model_fields)
COURT_LEVELS: tuple[str, ...] = tuple(CourtLevel)
WEBHOOK_SECRET_MIN = 16
MEDIATOR_FIELDS = frozenset({"code", "name", "org", "specialties", "part_time", "capacity"})
USER_FIELDS = frozenset({"username", "password", "role", "org", "mediator", "display_name"})


# --- the parsed file -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrgSpec:
    label: str
    section: str  # organizations | courts
    code: str
    values: dict[str, Any]  # the organization's columns but its code

    @property
    def kind(self) -> str:
        return self.values["kind"]

    @property
    def parent(self) -> str | None:
        return self.values["parent_code"]

    @property
    def invited_by(self) -> list[str]:
        return self.values["invited_by"]


@dataclass(frozen=True, slots=True)
class MediatorSpec:
    label: str
    code: str
    org: str
    values: dict[str, Any]  # the mediator's columns but its code


@dataclass(frozen=True, slots=True)
class UserSpec:
    label: str
    username: str
    password: str
    role: str
    org: str | None
    mediator: str | None
    values: dict[str, Any]  # the user's columns but its username and password


@dataclass(frozen=True, slots=True)
class Plan:
    orgs: list[OrgSpec]
    mediators: list[MediatorSpec]
    users: list[UserSpec]


def _section(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{name}: expected a list of entries, got {what(value)}", entry=name)
    return value


def _parse_org(section: str, index: int, raw: Any) -> OrgSpec:
    e = Entry(section, index, raw, "code", ORG_FIELDS)
    code = e.code("code")
    name = e.name("name", max_len=200)
    if section == "courts":
        kind = OrgKind.COURT.value if raw.get("kind") is None else raw["kind"]
        if kind != OrgKind.COURT:
            e.fail(
                f"kind {kind!r} in courts: entries there are courts (leave kind out or put them under organizations)"
            )
    else:
        kind = e.choice("kind", ORG_KINDS)
    level = e.choice("level", LEVELS)
    region = e.region("region")
    parent = e.code("parent", required=False)
    if parent == code:
        e.fail("parent is the organization itself")
    dispute_types = e.choices("dispute_types", DISPUTE_TYPES, item="dispute type")
    stationing = e.choice("stationing", STATIONINGS, default=Stationing.RESIDENT.value)
    duty_days = e.choices("duty_days", WEEKDAYS, item="duty day")
    if duty_days and stationing != Stationing.ROTATING:
        e.fail(f"duty_days are only for rotating stationing, not {stationing!r}")
    if stationing == Stationing.ROTATING and not duty_days:
        e.fail("rotating stationing needs duty_days (mon … sun)")
    invited_by = e.codes("invited_by")
    if invited_by and kind not in MEDIATION_KINDS:
        e.fail(f"invited_by is for mediation organizations (特邀调解组织), not kind {kind!r}")
    assert code is not None and name is not None
    court: dict[str, Any] = {}
    if raw.get("court_level") is not None:
        court["court_level"] = e.choice("court_level", COURT_LEVELS)
    if raw.get("webhook_url") is not None or raw.get("webhook_secret") is not None:
        url = e.text("webhook_url", max_len=500)
        secret = e.text("webhook_secret", max_len=200)
        assert url is not None and secret is not None
        if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
            e.fail("webhook_url must be an http(s) URL")
        if len(secret) < WEBHOOK_SECRET_MIN:
            e.fail(f"webhook_secret must be at least {WEBHOOK_SECRET_MIN} characters")
        court |= {"webhook_url": url, "webhook_secret": secret}
    if court and kind != OrgKind.COURT:
        e.fail(f"{', '.join(court)} are for courts only, not kind {kind!r}")
    return OrgSpec(
        label=e.label,
        section=section,
        code=code,
        values={
            "name": name,
            "kind": kind,
            "level": level,
            "region": region,
            "parent_code": parent,
            "dispute_types": dispute_types,
            "stationing": stationing,
            "duty_days": duty_days,
            "capacity": e.count("capacity"),
            "invited_by": invited_by,
            **court,
        },
    )


def _parse_mediator(index: int, raw: Any) -> MediatorSpec:
    e = Entry("mediators", index, raw, "code", MEDIATOR_FIELDS)
    code = e.code("code")
    name = e.name("name", max_len=100)
    org = e.code("org")
    assert code is not None and name is not None and org is not None
    return MediatorSpec(
        label=e.label,
        code=code,
        org=org,
        values={
            "name": name,
            "org_code": org,
            "specialties": e.choices("specialties", DISPUTE_TYPES, item="dispute type"),
            "part_time": e.flag("part_time"),
            "capacity": e.count("capacity"),
        },
    )


def _parse_user(index: int, raw: Any) -> UserSpec:
    e = Entry("users", index, raw, "username", USER_FIELDS)
    username = e.code("username")
    password = raw.get("password")
    if password is None or password == "":
        e.fail("password is required")
    if not isinstance(password, str):
        e.fail(f"password must be a string, got {what(password)} (quote it in YAML)")
    role = e.choice("role", USER_ROLES)
    org = e.code("org", required=role != Role.ADMIN)
    mediator = e.code("mediator", required=False)
    if role == Role.MEDIATOR and mediator is None:
        e.fail("a mediator user must name its mediator (mediator: M-…)")
    if role != Role.MEDIATOR and mediator is not None:
        e.fail(f"mediator is for mediator users only, not role {role!r}")
    assert username is not None
    return UserSpec(
        label=e.label,
        username=username,
        password=password,
        role=role,
        org=org,
        mediator=mediator,
        values={
            "role": role,
            "org_code": org,
            "mediator_code": mediator,
            "display_name": e.name("display_name", max_len=100, required=False),
        },
    )


def parse(data: Any) -> Plan:
    """The seed's entries, each checked on its own and against the others of the file."""
    if not isinstance(data, Mapping):
        raise SeedError(f"a seed is a mapping with the sections {', '.join(SECTIONS)}; got {what(data)}")
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
    return Plan(orgs, mediators, users)


def _no_duplicates(items: Iterable[tuple[str, str]], what: str) -> None:
    first: dict[str, str] = {}
    for key, label in items:
        if key in first:
            raise SeedError(f"{label}: duplicate {what} {key!r} (first used by {first[key]})", entry=label)
        first[key] = label


# --- references, against the file and the database -------------------------------------------------


def check_references(plan: Plan, db_orgs: Mapping[str, Organization], db_mediators: Mapping[str, Mediator]) -> None:
    """Parents, inviting courts, organizations and mediators named by the file exist, in it or in the
    database; parent chains do not loop; court users belong to courts, mediator users to their mediator's org."""

    def fail(label: str, message: str) -> NoReturn:
        raise SeedError(f"{label}: {message}", entry=label)

    kinds = {code: o.kind for code, o in db_orgs.items()} | {o.code: o.kind for o in plan.orgs}
    parents = {code: o.parent_code for code, o in db_orgs.items()} | {o.code: o.parent for o in plan.orgs}

    for o in plan.orgs:
        if o.parent is not None and o.parent not in kinds:
            fail(o.label, f"unknown parent {o.parent!r} (neither in this file nor in the database)")
        for court in o.invited_by:
            if kinds.get(court) != OrgKind.COURT:
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
        if u.role == Role.COURT and kinds.get(u.org or "") != OrgKind.COURT:
            fail(u.label, f"a court user's org must be a court; {u.org!r} is {kinds.get(u.org or '')!r}")
        if u.role == Role.MEDIATOR:
            assert u.mediator is not None
            if u.mediator not in med_orgs:
                fail(u.label, f"unknown mediator {u.mediator!r} (neither in this file nor in the database)")
            if med_orgs[u.mediator] != u.org:
                fail(
                    u.label,
                    f"mediator {u.mediator!r} belongs to {med_orgs[u.mediator]!r}, not to the user's org {u.org!r}",
                )
