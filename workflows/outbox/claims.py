"""Claiming documents to render, so that several renderers never render one document twice.

A renderer — the render worker `jiefen serve` starts, a Prefect `documents_render` flow run on a worker,
`jiefen documents render` — first claims a batch in one short write transaction: the pending rows that
are due (never rendered, or a failed render whose retry is due) and that nobody holds, stamped with the
renderer's name and a lease (`claimed_until`). Then it renders them one by one, outside any transaction,
and stores each only if it is still pending (workflows/outbox/documents.py `_store`), clearing the claim.

- PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, then the UPDATE of those rows: two renderers claiming at
  the same moment take disjoint batches, neither waits for the other (the sweep claims its cases the same way).
- SQLite: the claim runs in a BEGIN IMMEDIATE transaction, so claims are serialised by the database lock.

A renderer that dies mid-batch leaves its claims to lapse: after `render_claim_seconds` another renderer
takes them. The lease is far longer than a render (~0.2 s a page), so a slow render is not taken away
while it runs; and should it be, the store's `status = 'pending'` check still lets only one version in.
"""

import os
import socket
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.db import is_postgresql
from models.tables import Document

DOCUMENTS = Document.__table__  # type: ignore[attr-defined]


def renderer_name(role: str = "render") -> str:
    """A name for this renderer that says where it runs: host, process, and a random tail."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:80]


def due_clause(now: datetime, *, reclaim: bool = False) -> sa.ColumnElement[bool]:
    """Pending, due (never tried or its retry time reached), and held by nobody (or a lapsed claim) —
    or held by anyone, with `reclaim` (the operator knows the renderer holding them is dead)."""
    c = DOCUMENTS.c
    due = sa.and_(c.status == "pending", sa.or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
    return due if reclaim else sa.and_(due, sa.or_(c.claimed_until.is_(None), c.claimed_until <= now))


def claim(
    conn: Connection,
    *,
    renderer: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    case_id: uuid.UUID | None = None,
    reclaim: bool = False,
) -> list[uuid.UUID]:
    """Inside a write transaction: claim up to `limit` due documents for `renderer`, oldest first."""
    c = DOCUMENTS.c
    due = sa.select(c.id).where(due_clause(now, reclaim=reclaim)).order_by(c.created_at, c.id).limit(limit)
    if case_id is not None:
        due = due.where(c.case_id == case_id)
    if is_postgresql(conn):
        due = due.with_for_update(skip_locked=True)
    # Two statements, not UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED): PostgreSQL may
    # evaluate such a subquery more than once, and with SKIP LOCKED each time finds other rows (more than n
    # claimed, some of them another renderer's). The SELECT locks the rows; the UPDATE stamps them.
    ids = list(conn.execute(due).scalars())
    if ids:
        conn.execute(DOCUMENTS.update().where(c.id.in_(ids)).values(claimed_by=renderer, claimed_until=now + lease))
    return ids


def release(conn: Connection, doc_id: uuid.UUID, renderer: str) -> None:
    """Give a claimed document back (the renderer is stopping before it got to it)."""
    conn.execute(
        DOCUMENTS.update()
        .where(DOCUMENTS.c.id == doc_id, DOCUMENTS.c.claimed_by == renderer, DOCUMENTS.c.status == "pending")
        .values(claimed_by=None, claimed_until=None)
    )
