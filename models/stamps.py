"""A process's caches of rarely written tables, kept current by the database's stamps (migration 0018).

A trigger sets `directory_stamps.stamp` of a table to a fresh random token after every write to it, in
the writer's transaction. `cached(conn, name, load)` reads the token in the caller's transaction and
returns what `load` built for that token the last time, or calls `load` again: an organization edited
in another process (or by plain SQL) is seen by the next transaction that asks. The token is read
before `load` reads the table, so what is cached is never older than the token it is kept under (a
write in between changes the token again, and the next reader loads anew). A token written by a
transaction that then rolls back is never written again (it is random), so rows read inside it are
never served to anyone else.
"""

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.prepared import Prepared
from models.tables import DirectoryStamp

T = TypeVar("T")

STAMPS = DirectoryStamp.__table__  # type: ignore[attr-defined]
_READ = Prepared(sa.select(STAMPS.c.stamp).where(STAMPS.c.name == sa.bindparam("b_name")))
# (database, table, loader) → (token, what the loader built)
_CACHE: dict[tuple[str, str, Callable[..., Any]], tuple[str, Any]] = {}


def stamp(conn: Connection, name: str) -> str | None:
    """The table's current token as this transaction sees it; None when the database keeps none."""
    fetched, _ = _READ.fetch(conn, {"b_name": name})
    return str(fetched[0][0]) if fetched else None


def cached(conn: Connection, name: str, load: Callable[[Connection], T]) -> T:
    """`load(conn)`, from this process's cache while the table `name` has not been written since."""
    token = stamp(conn, name)
    key = (conn.engine.url.render_as_string(hide_password=True), name, load)
    hit = _CACHE.get(key)
    if token is not None and hit is not None and hit[0] == token:
        return hit[1]
    value = load(conn)
    if token is not None:
        _CACHE[key] = (token, value)
    return value
