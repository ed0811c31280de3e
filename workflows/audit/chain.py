"""The audit log: a per-case hash chain of events, keyed.

hash = HMAC-SHA256, with the audit key (workflows/audit/keys.py, a file outside the database), over
the canonical JSON (sorted keys, no spaces, UTF-8) of the event's content together with prev_hash;
the event's `key_id` names the key. The first event of a case has prev_hash = 64 zeros. Events written
before the chain was keyed have key_id NULL and hash = plain SHA-256 over the same text (`legacy_hash`).
"""

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy.engine import Connection

from models.prepared import Prepared
from models.tables import CaseEvent
from workflows.audit.keys import AuditKey, load_keys

GENESIS = "0" * 64


def _utc_text(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(event: dict[str, Any]) -> bytes:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


class EventFields(TypedDict):
    """What an event's hash covers."""

    case_id: uuid.UUID
    seq: int
    at: datetime
    actor: str
    trigger: str
    from_state: str | None
    to_state: str
    payload: dict[str, Any]
    prev_hash: str


def _body(fields: EventFields) -> bytes:
    return canonical(
        {
            **fields,
            "case_id": str(fields["case_id"]),
            "at": _utc_text(fields["at"]),
        }
    )


def event_hash(*, key: AuditKey | None = None, **fields: Unpack[EventFields]) -> str:
    """The event's hash with `key` (default: the current audit key)."""
    return (key or load_keys().current).mac(_body(fields))


def legacy_hash(**fields: Unpack[EventFields]) -> str:
    """The hash of an event written before the chain was keyed (key_id NULL): plain SHA-256."""
    return hashlib.sha256(_body(fields)).hexdigest()


EVENTS = CaseEvent.__table__  # type: ignore[attr-defined]
_INSERT_EVENT = Prepared(EVENTS.insert().inline())


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
    key = load_keys().current
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
        key=key,
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
        "key_id": key.kid,
    }


def insert(conn: Connection, row: dict[str, Any]) -> None:
    _INSERT_EVENT.execute(conn, row)
