"""Ending sessions: one token at a time (logout), or every token of a user at once (its epoch)."""

from datetime import datetime

from sqlmodel import Session, col, delete

from models.db import insert_for, write_transaction
from models.tables import RevokedToken
from models.types import utcnow


def revoke_token(
    session: Session, *, jti: str, username: str, expires_at: datetime, now: datetime | None = None
) -> None:
    """Refuse this token from now on (idempotent). Rows of tokens that have expired anyway are dropped on
    the way: the list holds only tokens that would still be accepted otherwise."""
    now = now or utcnow()
    with write_transaction(session) as conn:
        conn.execute(
            insert_for(conn)(RevokedToken)
            .values(jti=jti, username=username, expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=["jti"])
        )
        conn.execute(delete(RevokedToken).where(col(RevokedToken.expires_at) < now))
