"""The two primitives every writer of a case uses: lock its row, append to its audit chain.

`fire` (transitions), intake (the opening event), the documents outbox (`document_generated`), the
court's receipt (`court_received`), the calendar recount and the deadline sweep all write a case
through these two functions, inside one write transaction (`models.db.write_transaction`):

    case = lock_case(conn, case_id)          # PostgreSQL: SELECT … FOR UPDATE; SQLite: BEGIN IMMEDIATE
    ... change the working copy `case` (and other rows) ...
    append_event(conn, case, actor=…, event=…, payload=…, at=…)

`lock_case_and_clocks` is `lock_case` that also reads the case's open deadlines, in the same query.

`append_event` inserts event `seq = event_seq + 1` onto the chain head, moves the head, bumps the
version unless the event is in UNVERSIONED_EVENTS, and writes every change made to the working copy
in one UPDATE guarded by the version read under the lock (or one INSERT for a new case).
"""

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from models.db import WRITE_OPTION, is_sqlite, write_transaction
from models.prepared import Prepared
from models.rows import CaseRow, DeadlineRow
from models.tables import Case
from models.types import JSONText
from workflows.audit import chain as audit
from workflows.clocks.deadlines import DEADLINES, IS_OPEN, load_open
from workflows.errors import StaleVersion
from workflows.notify.hooks import after_event

UNVERSIONED_EVENTS = frozenset({"document_generated", "court_received"})
"""Events that record background work on a case without changing what a client's `If-Match` guards
(its state, assignment, parties or clocks): they extend the audit chain but leave `version` alone, so
a PDF rendered after commit or a court's receipt never makes a mediator's next action stale. Every
other event (the opening, every transition, clock changes) bumps the version."""

CASES = Case.__table__  # type: ignore[attr-defined]

_SELECT_CASE = sa.select(CASES).where(CASES.c.id == sa.bindparam("b_id"))
_LOCK_CASE = {False: Prepared(_SELECT_CASE.with_for_update()), True: Prepared(_SELECT_CASE)}  # by is_sqlite
# UPDATE … SET <the keys of the parameters given> WHERE id = … AND version = …
_UPDATE_CASE = Prepared(
    CASES.update().where(CASES.c.id == sa.bindparam("b_id"), CASES.c.version == sa.bindparam("b_version"))
)
_INSERT_CASE = CASES.insert()

# The case row with its open deadlines, in one query: one row per deadline (one with NULLs when there is
# none), the case's JSON columns as text (parsed when used: the case's columns come once per deadline).
_CASE_NAMES = tuple(c.name for c in CASES.c)
_DEADLINE_NAMES = tuple(c.name for c in DEADLINES.c)
_WITH_CLOCKS = (
    sa.select(
        *(
            sa.type_coerce(sa.cast(c, sa.Text), JSONText()).label(c.name) if isinstance(c.type, sa.JSON) else c
            for c in CASES.c
        ),
        *(c.label(f"d_{c.name}") for c in DEADLINES.c),
    )
    .select_from(CASES.outerjoin(DEADLINES, sa.and_(DEADLINES.c.case_id == CASES.c.id, IS_OPEN)))
    .where(CASES.c.id == sa.bindparam("b_id"))
)
# PostgreSQL locks the case row alone. A lock that had to wait returns the row as its holder committed
# it, but the deadlines joined to it as they were when the statement began; `seen_seq`, the chain head
# as of then, tells that the case moved on meanwhile (every writer of its deadlines appends an event),
# and then its deadlines are read again, now under the lock.
_SEEN = CASES.alias("seen")
_SEEN_SEQ = sa.select(_SEEN.c.event_seq).where(_SEEN.c.id == sa.bindparam("b_id")).scalar_subquery()
_LOCK_WITH_CLOCKS = {
    True: Prepared(_WITH_CLOCKS),  # by is_sqlite: SQLite's BEGIN IMMEDIATE holds every other writer off
    False: Prepared(_WITH_CLOCKS.add_columns(_SEEN_SEQ.label("seen_seq")).with_for_update(of=CASES)),
}


@contextmanager
def core_write_transaction(session: Session) -> Iterator[Connection]:
    """`models.db.write_transaction` for a writer that goes through Core: the same transaction (BEGIN
    IMMEDIATE on SQLite; commit on success, rollback on any exception) on the session's database, and
    the session's own read transaction ended first — without starting the session's unit of work,
    which costs more than the statements of a transition. A session bound to a connection (a worker
    holding one) writes on that connection; otherwise one is taken from the pool for the transaction.
    Whoever needs the ORM inside makes a session on the yielded connection (`stages.Context.session`)."""
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("write_transaction: the session has unflushed changes")
        session.rollback()
    bind = session.get_bind()
    if isinstance(bind, Connection) and bind.in_transaction():  # a transaction of the caller's: join it
        with write_transaction(session) as conn:
            yield conn
        return
    conn = bind if isinstance(bind, Connection) else bind.connect()
    was = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.execution_options(**{WRITE_OPTION: True})  # BEGIN IMMEDIATE (models.db)
    try:
        with conn.begin():
            yield conn
    finally:
        if conn is bind:
            conn.execution_options(**{WRITE_OPTION: was})
        else:
            conn.close()


def lock_case(conn: Connection, case_id: uuid.UUID) -> CaseRow | None:
    """Read a case under its lock, as a working copy; None when there is no such case.

    SQLite is already serialized by the write transaction's BEGIN IMMEDIATE; PostgreSQL locks the row
    (every writer takes the case row first, then its children, so writers never deadlock)."""
    rows, converters = _LOCK_CASE[is_sqlite(conn)].fetch(conn, {"b_id": case_id})
    return CaseRow.read(_CASE_NAMES, rows[0], converters) if rows else None


def lock_case_and_clocks(conn: Connection, case_id: uuid.UUID) -> tuple[CaseRow | None, list[DeadlineRow]]:
    """`lock_case` and the case's open deadlines (`load_open`), in one query."""
    sqlite = is_sqlite(conn)
    rows, converters = _LOCK_WITH_CLOCKS[sqlite].fetch(conn, {"b_id": case_id})
    if not rows:
        return None, []
    n, m = len(_CASE_NAMES), len(_DEADLINE_NAMES)
    case = CaseRow.read(_CASE_NAMES, rows[0][:n], converters[:n])
    if not sqlite and rows[0][n + m] != case.event_seq:
        return case, load_open(conn, case_id)
    d_id, d_converters = n + _DEADLINE_NAMES.index("id"), converters[n : n + m]
    return case, [DeadlineRow.read(_DEADLINE_NAMES, r[n : n + m], d_converters) for r in rows if r[d_id] is not None]


def append_event(
    conn: Connection, case: CaseRow, *, actor: str, event: str, payload: Mapping[str, Any], at: datetime
) -> str:
    """Append `event` to the case's audit chain and write the case row; returns the event's hash.

    `case` is a working copy read by `lock_case` in this transaction, or a new one (`is_new`: intake).
    The event goes from the state the row had when read (None for a new case) to `case.state` now."""
    seq = case.event_seq + 1
    row = audit.entry(
        case_id=case.id,
        seq=seq,
        prev_hash=case.event_head or audit.GENESIS,
        actor=actor,
        trigger=event,
        from_state=None if case.is_new else case.before("state"),
        to_state=case.state,
        payload=dict(payload),
        at=at,
    )
    old_version = case.version
    case.event_seq = seq
    case.event_head = row["hash"]
    if case.is_new:
        conn.execute(_INSERT_CASE, case.values())
    else:
        if event not in UNVERSIONED_EVENTS:
            case.version = old_version + 1
            case.updated_at = at
        updated = _UPDATE_CASE.execute(conn, {"b_id": case.id, "b_version": old_version, **case.changes()})
        if updated != 1:  # the row lock makes this impossible; refuse rather than fork history
            raise StaleVersion(old_version, -1)
    audit.insert(conn, row)
    if not case.is_new:  # intake calls the hook itself, once the new case's parties are written
        after_event(conn, case, event=event, seq=seq, payload=payload, at=at)
    return case.event_head
