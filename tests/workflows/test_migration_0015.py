"""Migration 0015 on a real database of each backend: the read indexes exist at head, as declared on the
tables, go with a downgrade to 0014 and come back."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command

from models.db import make_engine
from models.migrate import alembic_config, upgrade
from models.tables import Case, Deadline
from tests.conftest import require_postgres, scratch_postgres

READ_INDEXES = {
    "cases": {
        "ix_cases_updated_id": ["updated_at", "id"],
        "ix_cases_org_updated": ["org_code", "updated_at", "id"],
        "ix_cases_created_scope": ["created_at", "region", "dispute_type"],
    },
    "deadlines": {"ix_deadlines_case_kind_created": ["case_id", "kind", "created_at"]},
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reads.db'}"
        return
    with scratch_postgres(require_postgres()) as pg:
        yield pg


def _indexes(url: str, table: str) -> dict[str, list[str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {i["name"]: list(i["column_names"]) for i in sa.inspect(conn).get_indexes(table) if i["name"]}
    finally:
        engine.dispose()


def test_the_read_indexes_come_with_0015_and_go_with_it(url):
    upgrade(url)
    for table, wanted in READ_INDEXES.items():
        assert wanted.items() <= _indexes(url, table).items(), table

    command.downgrade(alembic_config(url), "0014")
    for table, wanted in READ_INDEXES.items():
        assert not set(wanted) & set(_indexes(url, table)), table

    upgrade(url)
    for table, wanted in READ_INDEXES.items():
        assert wanted.items() <= _indexes(url, table).items(), table


def test_the_tables_declare_the_same_indexes():
    declared = {
        t.name: {i.name: [c.name for c in i.columns] for i in t.indexes}
        for t in (Case.__table__, Deadline.__table__)  # type: ignore[attr-defined]
    }
    for table, wanted in READ_INDEXES.items():
        assert wanted.items() <= declared[table].items(), table
