"""Typed working copies of rows for the write path: attribute access over a dict that remembers changes.

The engine reads a case and its open deadlines with Core, lets the stages change these copies, and
writes back only what changed — the ORM's unit of work costs several times the SQL it sends. The
classes declare the columns (from `models.tables`), so the type checker sees what a stage touches.

A row read with `Record.read` converts a column from what the driver returned (JSON text, a date
string on SQLite …) the first time it is used: a transition reads a dozen of a case's thirty columns.
"""

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

import sqlalchemy as sa

from models.prepared import Prepared
from models.tables import Party

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_MISSING = object()


class Record:
    """A row as a dict with attribute access; `changes()` is what was set since it was read."""

    __slots__ = ("_before", "_new", "_raw", "_values")
    _values: dict[str, Any]
    _before: dict[str, Any]  # the value each changed column had when read
    _new: bool
    _raw: dict[str, tuple[Callable[[Any], Any], Any]] | None  # not yet converted: (converter, driver's value)

    def __init__(self, values: Mapping[Any, Any], *, new: bool = False) -> None:
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_before", {})
        object.__setattr__(self, "_new", new)
        object.__setattr__(self, "_raw", None)

    @classmethod
    def read(cls, names: Sequence[str], row: Sequence[Any], converters: Sequence[Callable[[Any], Any] | None]) -> Self:
        """A row as the driver returned it, each column converted by its converter when first used."""
        record = cls({})
        values, raw = record._values, {}
        for name, value, convert in zip(names, row, converters, strict=True):
            if convert is None or value is None:
                values[name] = value
            else:
                raw[name] = (convert, value)
        object.__setattr__(record, "_raw", raw or None)
        return record

    def _convert(self, name: str) -> Any:
        raw = self._raw
        if raw is None or name not in raw:
            raise AttributeError(name)
        convert, value = raw.pop(name)
        self._values[name] = converted = convert(value)
        return converted

    if not TYPE_CHECKING:  # the type checker sees only the declared columns of the subclasses

        def __getattr__(self, name: str) -> Any:
            try:
                return self._values[name]
            except KeyError:
                return self._convert(name)

    def __setattr__(self, name: str, value: Any) -> None:
        old = self._values.get(name, _MISSING)
        if old is _MISSING and self._raw is not None and name in self._raw:
            old = self._convert(name)
        if old is value:
            return
        self._before.setdefault(name, old)
        self._values[name] = value

    @property
    def is_new(self) -> bool:
        return bool(self._new)

    def changes(self) -> dict[str, Any]:
        return {k: self._values[k] for k in self._before}

    def before(self, name: str) -> Any:
        """The column's value as read (before this transaction changed it)."""
        old = self._before.get(name, _MISSING)
        return getattr(self, name) if old is _MISSING else old

    def values(self) -> dict[str, Any]:
        for name in list(self._raw or ()):
            self._convert(name)
        return dict(self._values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.values()!r})"


class CaseRow(Record):
    """A `cases` row on the write path (columns as in `models.tables.Case`)."""

    __slots__ = ()

    id: uuid.UUID
    case_no: str
    region: str
    dispute_type: str
    channel: str
    summary: str
    state: str
    version: int
    org_code: str | None
    mediator_code: str | None
    court_code: str | None
    arbitration_body_code: str | None
    claim_amount: Decimal | None
    occurred_on: date | None
    arbitration_agreement: bool
    status_matter: bool
    referral: dict[str, Any] | None
    agreement: dict[str, Any] | None
    arbitrated: bool
    flags: list[str]
    event_seq: int
    event_head: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    next_duty_day: date | None
    passed_org_codes: list[str]
    arbitration: dict[str, Any] | None
    confirmation: dict[str, Any] | None
    commercial_mediation_chosen: bool
    land_requisition: bool
    domestic_violence: bool
    public_code: str | None


class DeadlineRow(Record):
    """A `deadlines` row on the write path (columns as in `models.tables.Deadline`)."""

    __slots__ = ()

    id: uuid.UUID
    case_id: uuid.UUID
    kind: str
    profile: str
    start_date: date
    days: int
    working_days: bool
    last_day: date
    due_at: datetime
    status: str
    basis: str
    provisional: bool
    on_expiry: str | None
    remaining_seconds: int | None
    created_at: datetime
    updated_at: datetime
    reminder_lead_seconds: int | None
    remind_at: datetime | None
    reminded_at: datetime | None
    counted_from: date | None
    counted_days: int | None
    paused_on: date | None
    remaining_days: int | None
    ref: str | None
    interrupted_on: date | None
    extended_days: int


class PartyRow(Record):
    """A `parties` row read on the write path (columns as in `models.tables.Party`): stages read, never change it."""

    __slots__ = ()

    id: uuid.UUID
    case_id: uuid.UUID
    position: int
    role: str
    kind: str
    name: str
    id_number: str | None
    uscc: str | None
    phone: str | None
    address: str | None
    legal_representative: str | None
    agent: str | None


def read_parties(conn: "Connection", case_id: uuid.UUID) -> list[PartyRow]:
    """A case's parties in their order, as working copies (one Prepared statement)."""
    rows, converters = _PARTIES.fetch(conn, {"b_case": case_id})
    return [PartyRow.read(_PARTY_NAMES, r, converters) for r in rows]


_PARTY_TABLE = Party.__table__  # type: ignore[attr-defined]
_PARTY_NAMES = tuple(c.name for c in _PARTY_TABLE.c)
_PARTIES = Prepared(
    sa.select(_PARTY_TABLE).where(_PARTY_TABLE.c.case_id == sa.bindparam("b_case")).order_by(_PARTY_TABLE.c.position)
)
