"""What someone who can write the database (but holds neither the audit key nor the checkpoint store)
can do to a case, in plain SQL behind the engine's back: the tamper experiments of
tests/workflows/test_audit_tamper.py."""

import hashlib
import hmac
import json
import uuid
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from models.tables import Case, CaseCounter, CaseEvent, Party
from workflows.audit.chain import GENESIS, canonical

CASES = Case.__table__
EVENTS = CaseEvent.__table__
PARTIES = Party.__table__
COUNTERS = CaseCounter.__table__
# Every table whose rows may refer to a case (a foreign key to cases.id), those referring to others first.
CHILDREN = tuple(
    t.name
    for t in reversed(SQLModel.metadata.sorted_tables)
    if t.name != "cases" and any(fk.column.table.name == "cases" for fk in t.foreign_keys)
)


def events(engine: Engine, case_id: uuid.UUID) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(sa.select(EVENTS).where(EVENTS.c.case_id == case_id).order_by("seq")).mappings()
        ]


def _body(case_id: uuid.UUID, ev: dict[str, Any], prev_hash: str) -> bytes:
    at = ev["at"] if ev["at"].tzinfo else ev["at"].replace(tzinfo=UTC)
    return canonical(
        {
            "case_id": str(case_id),
            "seq": ev["seq"],
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": ev["actor"],
            "trigger": ev["trigger"],
            "from_state": ev["from_state"],
            "to_state": ev["to_state"],
            "payload": json.loads(canonical(ev["payload"])),
            "prev_hash": prev_hash,
        }
    )


def rehash(engine: Engine, case_id: uuid.UUID, *, secret: bytes | None, key_id: str | None) -> None:
    """Recompute the whole chain of a case as stored now, with plain SHA-256 (`secret` None) or an
    HMAC under a key of the attacker's own, and move the head on the case row to match."""
    prev = GENESIS
    rows = events(engine, case_id)
    with engine.begin() as conn:
        for ev in rows:
            body = _body(case_id, ev, prev)
            h = hashlib.sha256(body).hexdigest() if secret is None else hmac.new(secret, body, "sha256").hexdigest()
            conn.execute(sa.update(EVENTS).where(EVENTS.c.id == ev["id"]).values(prev_hash=prev, hash=h, key_id=key_id))
            prev = h
        conn.execute(sa.update(CASES).where(CASES.c.id == case_id).values(event_head=prev, event_seq=len(rows)))


def rewrite_payload(engine: Engine, case_id: uuid.UUID, seq: int, payload: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(sa.update(EVENTS).where(EVENTS.c.case_id == case_id, EVENTS.c.seq == seq).values(payload=payload))


def cut_last_event(engine: Engine, case_id: uuid.UUID) -> None:
    """Delete the newest event and move the case back to where the one before it left it: a chain that
    is whole and a row that agrees with it."""
    rows = events(engine, case_id)
    last, before = rows[-1], rows[-2]
    with engine.begin() as conn:
        conn.execute(sa.delete(EVENTS).where(EVENTS.c.id == last["id"]))
        conn.execute(
            sa.update(CASES)
            .where(CASES.c.id == case_id)
            .values(event_seq=before["seq"], event_head=before["hash"], state=before["to_state"])
        )


def set_case(engine: Engine, case_id: uuid.UUID, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(sa.update(CASES).where(CASES.c.id == case_id).values(**values))


def set_party(engine: Engine, case_id: uuid.UUID, position: int, **values: Any) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(PARTIES).where(PARTIES.c.case_id == case_id, PARTIES.c.position == position).values(**values)
        )
        assert done.rowcount == 1


def delete_case(engine: Engine, case_id: uuid.UUID) -> None:
    """The whole case: every row that refers to it, then the case itself."""
    with engine.begin() as conn:
        for table in CHILDREN:
            conn.execute(sa.text(f"DELETE FROM {table} WHERE case_id = :c"), {"c": _key(engine, case_id)})
        conn.execute(sa.delete(CASES).where(CASES.c.id == case_id))


def _key(engine: Engine, case_id: uuid.UUID) -> Any:
    return case_id.hex if engine.dialect.name == "sqlite" else case_id
