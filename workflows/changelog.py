"""The administrative change log: what an administrator changed (users, mediators, organizations), who and
when, with the values before and after. Written in the same transaction as the change it records.

Secrets never enter it: a password or a webhook secret shows only as having been set (`"set": true`)."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models.tables import AdminChange
from models.types import utcnow

SECRET_FIELDS = frozenset({"password", "password_hash", "webhook_secret"})
CHANGE_LIMIT = 500


def _clean(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: ("（已设置）" if v else None) if k in SECRET_FIELDS else v for k, v in values.items()}


def record(
    session: Session,
    *,
    actor: str,
    entity: str,
    key: str,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Add the change to the caller's transaction. `before`/`after` hold only the fields that differ
    (all of them for a creation or a deletion)."""
    before, after = _clean(before), _clean(after)
    if before is not None and after is not None:
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    session.add(
        AdminChange(at=now or utcnow(), actor=actor, entity=entity, key=key, action=action, before=before, after=after)
    )


def recent(
    session: Session, *, entity: str | None = None, key: str | None = None, limit: int = 100
) -> list[AdminChange]:
    """The latest changes first (of one entity, or one record, when given)."""
    query = select(AdminChange).order_by(col(AdminChange.id).desc()).limit(max(1, min(limit, CHANGE_LIMIT)))
    if entity is not None:
        query = query.where(AdminChange.entity == entity)
    if key is not None:
        query = query.where(AdminChange.key == key)
    return list(session.exec(query).all())
