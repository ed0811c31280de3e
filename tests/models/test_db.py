"""Which database a session, connection or engine talks to, asked in one place (models/db.py)."""

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from models.db import dialect_of, insert_for, is_postgresql, is_sqlite
from models.tables import CaseCounter


def test_every_kind_of_bind_names_its_database(engine):
    expected = engine.dialect.name
    with Session(engine) as session, engine.connect() as conn:
        for bind in (engine, conn, session, engine.dialect):
            assert dialect_of(bind).name == expected
            assert is_sqlite(bind) is (expected == "sqlite")
            assert is_postgresql(bind) is (expected == "postgresql")


def test_insert_for_is_the_dialects_upsert(engine):
    stmt = insert_for(engine)(CaseCounter).values(region="000000", year=2000, last=1)
    assert isinstance(stmt, sqlite.Insert if is_sqlite(engine) else postgresql.Insert)
    assert hasattr(stmt.on_conflict_do_nothing(), "compile")
