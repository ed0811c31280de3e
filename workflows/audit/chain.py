"""The audit log: a per-case hash chain of events.

hash = SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of the event's content
together with prev_hash. The first event of a case has prev_hash = 64 zeros.
"""

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from models.tables import CaseEvent

GENESIS = "0" * 64


def _utc_text(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(event: dict[str, Any]) -> bytes:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def event_hash(
    *,
    case_id: uuid.UUID,
    seq: int,
    at: datetime,
    actor: str,
    trigger: str,
    from_state: str | None,
    to_state: str,
    payload: dict[str, Any],
    prev_hash: str,
) -> str:
    body = {
        "case_id": str(case_id),
        "seq": seq,
        "at": _utc_text(at),
        "actor": actor,
        "trigger": trigger,
        "from_state": from_state,
        "to_state": to_state,
        "payload": payload,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


EVENTS = CaseEvent.__table__  # type: ignore[attr-defined]
_INSERT_EVENT = EVENTS.insert()


def entry(
    *,
    case_id: uuid.UUID,
    seq: int,
    prev_hash: str,
    actor: str,
    trigger: str,
    from_state: str | None,
    to_state: str,
    payload: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    """Event `seq` of a case's chain as the row to insert, its `hash` computed over exactly what will
    be stored and re-read (the payload goes through canonical JSON first)."""
    payload = json.loads(canonical(payload))
    h = event_hash(
        case_id=case_id,
        seq=seq,
        at=at,
        actor=actor,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        payload=payload,
        prev_hash=prev_hash,
    )
    return {
        "case_id": case_id,
        "seq": seq,
        "at": at,
        "actor": actor,
        "trigger": str(trigger),
        "from_state": None if from_state is None else str(from_state),
        "to_state": str(to_state),
        "payload": payload,
        "prev_hash": prev_hash,
        "hash": h,
    }


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(_INSERT_EVENT, row)
