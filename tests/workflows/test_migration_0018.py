"""Migration 0018 on a real database of each backend: staff_messages with its inbox index and unique dedupe
key, matching the model (compared by alembic's autogenerate: nothing left to migrate); down to 0017 and back."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (every table on the metadata)
from models.db import make_engine
from models.migrate import alembic_config, upgrade
from tests.conftest import require_postgres, scratch_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'messages.db'}"
        return
    with scratch_postgres(require_postgres()) as pg:
        yield pg


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_0018_creates_staff_messages_as_the_model_says_and_goes_back(url):
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            indexes = {i["name"]: i["column_names"] for i in insp.get_indexes("staff_messages")}
            uniques = [u["column_names"] for u in insp.get_unique_constraints("staff_messages")]
            diff = [
                d for d in compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) if "staff" in str(d)
            ]
    finally:
        engine.dispose()
    assert indexes["ix_staff_messages_inbox"] == ["username", "read_at", "created_at"]
    assert ["dedupe_key"] in uniques
    assert diff == []
    command.downgrade(alembic_config(url), "0017")
    assert "staff_messages" not in _tables(url)
    upgrade(url)
    assert "staff_messages" in _tables(url)
