"""Audit events that change no state (e.g. `document_generated`), appended with fire's discipline:
lock the case row, append seq = event_seq + 1 onto the chain head, move the head — one transaction."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.tables import Case
from workflows.engine import audit

CASES = Case.__table__  # type: ignore[attr-defined]
_HEAD = sa.select(CASES.c.state, CASES.c.event_seq, CASES.c.event_head).where(CASES.c.id == sa.bindparam("b_id"))
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_MOVE_HEAD = CASES.update().where(CASES.c.id == sa.bindparam("b_id"))


def record_event(conn: Connection, *, case_id: uuid.UUID, trigger: str, actor: str, payload: dict[str, Any],
                 at: datetime) -> tuple[int, str]:
    """Append an event to a case's chain inside the caller's write transaction (which on SQLite is
    BEGIN IMMEDIATE, so already serialized; on PostgreSQL the case row is locked here).
    The case's state is unchanged: from_state = to_state = its current state. Returns (seq, hash)."""
    sqlite = conn.dialect.name == "sqlite"
    row = conn.execute(_HEAD if sqlite else _HEAD_FOR_UPDATE, {"b_id": case_id}).first()
    if row is None:
        raise LookupError(f"case {case_id} does not exist")
    seq = row.event_seq + 1
    head = audit.append(conn, case_id=case_id, seq=seq, prev_hash=row.event_head or audit.GENESIS, actor=actor,
                        trigger=trigger, from_state=row.state, to_state=row.state, payload=payload, at=at)
    conn.execute(_MOVE_HEAD, {"b_id": case_id, "event_seq": seq, "event_head": head})
    return seq, head
