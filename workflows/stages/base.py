"""What every stage entry is made of: the payload models' base, the context a stage works in, and
the `Stage` record that holds one trigger's whole behaviour beside its row in `states.table`."""

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Connection
from sqlmodel import Session

from models.fields import Text
from models.prepared import Prepared
from models.rows import CaseRow, PartyRow, read_parties
from models.settings import get_settings
from models.tables import Organization, Party
from states.enums import Trigger
from workflows.access import Actor
from workflows.clocks.deadlines import Deadlines
from workflows.errors import PayloadInvalid
from workflows.routing.directory import Orgs, organizations


class Payload(BaseModel):
    """A trigger's payload; field names match the table row's `required`/`optional`."""

    model_config = ConfigDict(extra="ignore")


class Reason(Payload):
    reason: Text


class OptionalReason(Payload):
    reason: Text | None = None


class Note(Payload):
    note: Text | None = None


class Empty(Payload):
    pass


PARTIES = Party.__table__  # type: ignore[attr-defined]
_PARTY_NAMES = tuple(c.name for c in PARTIES.c)
_PARTIES = Prepared(sa.select(PARTIES).where(PARTIES.c.case_id == sa.bindparam("b_case")).order_by(PARTIES.c.position))


@dataclass
class Context:
    """Everything a stage may use while its trigger fires, inside the engine's transaction.

    A stage changes `case` (a working copy) and `deadlines`, may add rows through `conn` (or the ORM,
    `session`), puts what it resolved in `refs` (guards read them) and extra facts for the audit event
    in `record`. It never commits."""

    conn: Connection
    case: CaseRow
    trigger: Trigger
    payload: Any  # the stage's own payload model, validated
    actor: Actor
    now: datetime
    deadlines: Deadlines
    refs: dict[str, Any] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    orm: Session | None = None  # the session on `conn`: the caller's, or one made when a stage first asks
    # What several steps of one transition read (the parties, the case's organization): read once.
    cache: dict[str, Any] = field(default_factory=dict)
    # An expiry trigger fired by the sweep: the due_at of the clock that ran out. `now` is when the
    # transition is written (and what it opens is received then); this is when the period legally ended,
    # whenever the sweep got to it (workflows/clocks/sweep.py).
    expired_at: datetime | None = None

    @property
    def session(self) -> Session:
        """The ORM on this transaction's connection. Made on first use: most triggers never need it,
        and a session costs more to start than a transition's SQL. The engine flushes it before commit."""
        if self.orm is None:
            self.orm = Session(bind=self.conn, expire_on_commit=False)
        return self.orm

    def parties(self) -> list[PartyRow]:
        """The case's parties in their order, read once per transition (stages do not change them)."""
        if "parties" not in self.cache:
            self.cache["parties"] = read_parties(self.conn, self.case.id)
        return cast(list[PartyRow], self.cache["parties"])

    def orgs(self) -> Orgs:
        """Every organization, as of this transaction (the process's cache, checked once per transition
        against the table's stamp): read-only objects, never added to a session."""
        if "orgs" not in self.cache:
            self.cache["orgs"] = organizations(self.conn)
        return cast(Orgs, self.cache["orgs"])

    def org(self, code: str | None) -> Organization | None:
        """The organization with `code`, or None."""
        return self.orgs().get(code)


Step = Callable[[Context], None]


@dataclass(frozen=True, slots=True)
class Stage:
    """One trigger's behaviour: what the table row (who, from where, when) does not say.

    - `payload`: the model the request body is validated against (422 naming the field);
    - `resolve`: looks up what the payload names (organizations, mediators, courts) and refuses with
      PayloadInvalid before anything is written; the guards see what it put in `ctx.refs`;
    - `effect`: changes the case, its clocks and the outboxes once the machine has allowed the move;
    - `documents`: the kinds of document the transition produces (pending rows, rendered after commit);
    - `after_documents`: work that names those documents (the court hand-off lists them).
    """

    trigger: Trigger
    payload: type[Payload]
    resolve: Step | None = None
    effect: Step | None = None
    documents: tuple[str, ...] = ()
    after_documents: Callable[[Context, list[uuid.UUID]], None] | None = None


def find_org(ctx: Context, code: str, field: str, kinds: Collection[str], what: str) -> Organization:
    """The organization a payload names, of one of `kinds`; 422 naming the field otherwise."""
    org = ctx.org(code)
    if org is None:
        raise PayloadInvalid(field, f"{field}：组织代码 {code} 不存在")
    if org.kind not in kinds:
        raise PayloadInvalid(field, f"{field}：{org.name}（{org.kind}）不是{what}")
    return org


def flag(case: CaseRow, name: str) -> None:
    if name not in (case.flags or []):
        case.flags = [*(case.flags or []), name]


def unflag(case: CaseRow, name: str) -> None:
    case.flags = [f for f in (case.flags or []) if f != name]


def aware(value: datetime) -> datetime:
    """A time without an offset is read in JIEFEN_TIMEZONE."""
    return value.replace(tzinfo=get_settings().tz) if value.tzinfo is None else value
