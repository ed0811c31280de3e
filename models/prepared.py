"""Core statements for the write path, compiled once and run on the transaction's own DBAPI cursor.

`Connection.execute` spends more Python per statement than SQLite spends running it: a cache key,
an execution context, a result object, row objects. A `Prepared` statement is compiled once per
dialect (and, for INSERT and UPDATE, per set of columns given) and then runs as a plain cursor
execute: its parameters go through the column types' own bind processors, and its rows come back with
the types' result processors, so values are stored and read exactly as `Connection.execute` stores
and reads them. It runs through SQLAlchemy's cursor execution (`Connection._cursor_execute`, the path
the dialects use for their own statements), so `before_cursor_execute`/`after_cursor_execute`
listeners, echo and the wrapping of driver errors (`sqlalchemy.exc.IntegrityError` …, a lost
connection invalidated) are as for any statement; any other error (one a listener raised) comes out
as it was raised.

Statements with Python-side column defaults left to fill are refused when compiled: give every
column (the write path builds whole rows).
"""

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase

Processor = Callable[[Any], Any] | None


class _Plan:
    """One compiled form of a statement: SQL text, the parameters in the order it takes them and
    how each is processed; the result columns' processors once a cursor has described them."""

    __slots__ = ("fixed", "names", "positional", "processors", "result", "sql")

    def __init__(self, statement: sa.ClauseElement, dialect: Dialect, keys: Sequence[str] | None) -> None:
        compiled = cast(
            SQLCompiler, statement.compile(dialect=dialect, column_keys=None if keys is None else list(keys))
        )
        prefetch = [*compiled.insert_prefetch, *compiled.update_prefetch]
        if prefetch:
            missing = [getattr(c, "key", c) for c in prefetch]
            raise ValueError(f"Prepared: give a value for every column with a Python default: {missing}")
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        self.sql = compiled.string
        self.positional = compiled.positional
        self.names = tuple(compiled.positiontup or () if compiled.positional else binds)
        self.processors: tuple[Processor, ...] = tuple(
            binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in self.names
        )
        # values written into the statement itself (a literal status): not asked of the caller
        self.fixed = {n: binds[n].effective_value for n in self.names if not binds[n].required}
        self.result: tuple[Processor, ...] | None = None

    def parameters(self, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        if self.fixed:
            params = {**self.fixed, **params}
        values = [params[n] if p is None else p(params[n]) for n, p in zip(self.names, self.processors, strict=True)]
        return tuple(values) if self.positional else dict(zip(self.names, values, strict=True))


class Prepared:
    """A Core statement run on the connection's DBAPI cursor, compiled once per dialect and key set.

    `execute` runs it and returns the row count; `fetch` and `rows` run it and read its rows (as the
    driver returned them with their converters, or converted)."""

    __slots__ = ("_last", "_plans", "_types", "statement")

    def __init__(self, statement: sa.ClauseElement) -> None:
        self.statement = statement
        self._types = tuple(c.type for c in statement.exported_columns)  # type: ignore[attr-defined]
        self._plans: weakref.WeakKeyDictionary[Dialect, dict[frozenset[str] | None, _Plan]] = (
            weakref.WeakKeyDictionary()
        )
        self._last: tuple[Dialect, dict[frozenset[str] | None, _Plan]] | None = None

    def _plan(self, dialect: Dialect, params: Mapping[str, Any]) -> _Plan:
        last = self._last
        if last is not None and last[0] is dialect:
            plans = last[1]
        else:
            plans = self._plans.setdefault(dialect, {})
            self._last = (dialect, plans)
        # INSERT/UPDATE: the columns written are the keys given; a SELECT takes the same ones each time
        key = frozenset(params) if isinstance(self.statement, UpdateBase) else None
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = _Plan(self.statement, dialect, None if key is None else sorted(key))
        return plan

    def _run(self, conn: Connection, params: Mapping[str, Any]) -> tuple[_Plan, Any]:
        if not conn.in_transaction():
            conn.begin()  # as Connection.execute would (autobegin)
        plan = self._plan(conn.dialect, params)
        cursor = conn.connection.cursor()
        try:
            conn._cursor_execute(cursor, plan.sql, plan.parameters(params))  # noqa: SLF001 - see the module's doc
        except sa.exc.DBAPIError:
            raise
        except sa.exc.StatementError as e:  # not the driver's: raised as it was, as Connection.execute does
            cursor.close()
            raise (e.orig or e) from None
        return plan, cursor

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run the statement; returns the number of rows it changed."""
        _plan, cursor = self._run(conn, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def fetch(self, conn: Connection, params: Mapping[str, Any]) -> tuple[list[Sequence[Any]], tuple[Processor, ...]]:
        """The rows as the driver returned them, and each column's converter (None: used as it is)."""
        plan, cursor = self._run(conn, params)
        try:
            fetched = cursor.fetchall()
            processors = plan.result
            if processors is None:  # per column type and the type the driver reports for it (once:
                dialect = conn.dialect  # psycopg builds its description anew on every call)
                processors = plan.result = tuple(
                    t.dialect_impl(dialect).result_processor(dialect, d[1])
                    for t, d in zip(self._types, cursor.description, strict=True)
                )
        finally:
            cursor.close()
        return fetched, processors

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows, each value converted as `Connection.execute` converts it."""
        fetched, processors = self.fetch(conn, params)
        return [
            tuple(v if p is None or v is None else p(v) for p, v in zip(processors, r, strict=True)) for r in fetched
        ]


_INSERTS: dict[tuple[sa.Table, tuple[str, ...], int], Prepared] = {}


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows that give the same columns, in one statement (a multi-row VALUES list)."""
    if not rows:
        return
    keys = tuple(rows[0])
    if any(r.keys() != rows[0].keys() for r in rows[1:]):
        for row in rows:  # rows that differ in their columns: one statement each
            insert_rows(conn, table, [row])
        return
    n = len(rows)
    prepared = _INSERTS.get((table, keys, n))
    if prepared is None:
        values = [{k: sa.bindparam(f"r{i}_{k}", type_=table.c[k].type) for k in keys} for i in range(n)]
        statement = sa.insert(table).values(values[0] if n == 1 else values).inline()
        prepared = _INSERTS[(table, keys, n)] = Prepared(statement)
    prepared.execute(conn, {f"r{i}_{k}": v for i, row in enumerate(rows) for k, v in row.items()})
