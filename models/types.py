"""Column types: timestamps that are always timezone-aware UTC, on SQLite as on PostgreSQL; and the days\nbetween two of them in SQL."""

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeDecorator

from models.db import is_sqlite


class UTCDateTime(TypeDecorator[datetime]):
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        if is_sqlite(dialect):
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JSONText(TypeDecorator[Any]):
    """A JSON column read as its text and parsed here: `sa.type_coerce(sa.cast(column, sa.Text), JSONText())`.
    The write path reads whole rows and parses a column when it is used (`models.rows.Record.read`);
    psycopg would parse every JSON value of every row as it fetches them."""

    impl = sa.Text
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> Any:
        return None if value is None else json.loads(value)


def utcnow() -> datetime:
    return datetime.now(UTC)


class days_between(sa.sql.functions.FunctionElement[float]):
    """SQL: the days from one UTCDateTime to another, as a float. SQLite keeps the time as text (julianday
    reads it, to about 1e-9 of a day); PostgreSQL subtracts timestamps exactly."""

    type = sa.Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST(EXTRACT(EPOCH FROM ({end}) - ({start})) AS DOUBLE PRECISION) / 86400.0)"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday({end}) - julianday({start}))"
