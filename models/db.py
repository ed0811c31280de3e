"""The database engine and sessions.

SQLite runs in WAL mode with a busy timeout; a write transaction is opened with BEGIN IMMEDIATE
(a deferred BEGIN that reads first and writes later loses to "database is locked" under
concurrency). PostgreSQL runs through psycopg 3; the engine locks rows with SELECT … FOR UPDATE.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlmodel import Session

from models.settings import get_settings

WRITE_OPTION = "jiefen_write"


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    # No ping on every checkout (a round trip per transaction): a connection older than this is replaced
    # when checked out, and one found dead in use raises OperationalError and invalidates the pool.
    kwargs.setdefault("pool_recycle", 1800)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    return sa.create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:  # pragma: no cover - exercised by every test
        # Let SQLAlchemy's "begin" event emit BEGIN itself, so writes can say IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        # 64 MiB of page cache (the default 2 MiB makes every sweep over a million deadlines go to the
        # OS for index pages); allocated only as pages are used.
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # On the driver's cursor through SQLAlchemy's cursor execution (listeners, echo and error
        # wrapping as for any statement) without an execution context: `exec_driver_sql` builds one,
        # and that cost more than the BEGIN itself on every transaction.
        statement = "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN"
        cursor = conn.connection.cursor()
        try:
            conn._cursor_execute(cursor, statement, ())  # noqa: SLF001 - as models/prepared.py does
        finally:
            cursor.close()


# --- which database: SQLite or PostgreSQL ----------------------------------------------------------------

Bind = Session | Connection | Engine | Dialect


def dialect_of(bind: Bind) -> Dialect:
    """The dialect of a session, connection or engine (a dialect is its own)."""
    if isinstance(bind, Dialect):
        return bind
    if isinstance(bind, Session):
        return bind.get_bind().dialect
    return bind.dialect


def is_sqlite(bind: Bind) -> bool:
    return dialect_of(bind).name == "sqlite"


def is_postgresql(bind: Bind) -> bool:
    return dialect_of(bind).name == "postgresql"


def insert_for(bind: Bind) -> Callable[[Any], sqlite.Insert | postgresql.Insert]:
    """The dialect's own INSERT, the one with on_conflict_do_nothing / on_conflict_do_update."""
    return sqlite.insert if is_sqlite(bind) else postgresql.insert


@contextmanager
def write_transaction(session: Session) -> Iterator[Connection]:
    """One write transaction: BEGIN IMMEDIATE on SQLite, an ordinary one on PostgreSQL.

    Whatever read-only transaction the session had open is ended first, so the write starts
    from a fresh snapshot (an upgraded read snapshot cannot wait for the lock in WAL mode).
    Yields the transaction's connection. Commits on success, rolls back on any exception.
    """
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("write_transaction: the session has unflushed changes")
        session.rollback()
    conn = session.connection(execution_options={WRITE_OPTION: True})
    try:
        yield conn
        session.commit()
    except BaseException:
        session.rollback()
        raise


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


def get_session() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session
