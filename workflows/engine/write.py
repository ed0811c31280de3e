"""The two primitives every writer of a case uses: lock its row, append to its audit chain.

`fire` (transitions), intake (the opening event), the documents outbox (`document_generated`), the
court's receipt (`court_received`), the calendar recount and the deadline sweep all write a case
through these two functions, inside one write transaction (`models.db.write_transaction`):

    case = lock_case(conn, case_id)          # PostgreSQL: SELECT … FOR UPDATE; SQLite: BEGIN IMMEDIATE
    ... change the working copy `case` (and other rows) ...
    append_event(conn, case, actor=…, event=…, payload=…, at=…)

`append_event` inserts event `seq = event_seq + 1` onto the chain head, moves the head, bumps the
version unless the event is in UNVERSIONED_EVENTS, and writes every change made to the working copy
in one UPDATE guarded by the version read under the lock (or one INSERT for a new case).
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.db import is_sqlite
from models.rows import CaseRow
from models.tables import Case
from workflows.audit import chain as audit
from workflows.errors import StaleVersion

UNVERSIONED_EVENTS = frozenset({"document_generated", "court_received"})
"""Events that record background work on a case without changing what a client's `If-Match` guards
(its state, assignment, parties or clocks): they extend the audit chain but leave `version` alone, so
a PDF rendered after commit or a court's receipt never makes a mediator's next action stale. Every
other event (the opening, every transition, clock changes) bumps the version."""

CASES = Case.__table__  # type: ignore[attr-defined]

# Statements built once: constructing a statement costs more than running it on SQLite.
_SELECT_CASE = sa.select(CASES).where(CASES.c.id == sa.bindparam("b_id"))
_SELECT_CASE_FOR_UPDATE = _SELECT_CASE.with_for_update()
# UPDATE … SET <the keys of the parameters given> WHERE id = … AND version = …
_UPDATE_CASE = CASES.update().where(CASES.c.id == sa.bindparam("b_id"), CASES.c.version == sa.bindparam("b_version"))
_INSERT_CASE = CASES.insert()


def lock_case(conn: Connection, case_id: uuid.UUID) -> CaseRow | None:
    """Read a case under its lock, as a working copy; None when there is no such case.

    SQLite is already serialized by the write transaction's BEGIN IMMEDIATE; PostgreSQL locks the row
    (every writer takes the case row first, then its children, so writers never deadlock)."""
    stmt = _SELECT_CASE if is_sqlite(conn) else _SELECT_CASE_FOR_UPDATE
    row = conn.execute(stmt, {"b_id": case_id}).mappings().first()
    return None if row is None else CaseRow(row)


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
        updated = conn.execute(_UPDATE_CASE, {"b_id": case.id, "b_version": old_version, **case.changes()})
        if updated.rowcount != 1:  # the row lock makes this impossible; refuse rather than fork history
            raise StaleVersion(old_version, -1)
    audit.insert(conn, row)
    return case.event_head
