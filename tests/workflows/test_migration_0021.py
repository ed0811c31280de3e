"""Migration 0021 on a real database of each backend: the organizations' stamp and the trigger that changes
it with every write (down to 0020 and back up: the table and the trigger go and come again)."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command

from models.db import make_engine
from models.migrate import alembic_config, upgrade
from tests.conftest import require_postgres, scratch_postgres

ORG = (
    "INSERT INTO organizations (id, code, name, kind, level, region, dispute_types, stationing, duty_days, "
    "created_at, updated_at, invited_by, court_level) VALUES ('{id}', '{code}', '测试', 'people_mediation', "
    "'county', '330106', '[]', 'resident', '[]', '2026-01-01', '2026-01-01', '[]', 'basic')"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'stamps.db'}"
        return
    with scratch_postgres(require_postgres()) as pg:
        yield pg


def _run(url: str, *sql: str) -> list[object]:
    """Each statement in its own transaction; the stamp after each (None once the table is gone)."""
    engine = make_engine(url)
    out: list[object] = []
    try:
        for statement in sql:
            with engine.begin() as conn:
                conn.exec_driver_sql(statement)
                if sa.inspect(conn).has_table("directory_stamps"):
                    out.append(conn.exec_driver_sql("SELECT stamp FROM directory_stamps").scalar_one())
                else:
                    out.append(None)
    finally:
        engine.dispose()
    return out


def test_0021_adds_the_stamp_and_its_trigger_and_goes_back(url):
    upgrade(url)
    first = _run(url, "SELECT 1", ORG.format(id="00000000000000000000000000000001", code="T-1"))
    assert first[0] is not None and first[1] is not None and first[0] != first[1]
    command.downgrade(alembic_config(url), "0020")
    # no table, no trigger: a write to organizations still works
    assert _run(url, ORG.format(id="00000000000000000000000000000002", code="T-2")) == [None]
    upgrade(url)
    again = _run(
        url, "SELECT 1", "UPDATE organizations SET name = '改' WHERE code = 'T-2'", "DELETE FROM organizations"
    )
    assert None not in again and len(set(again)) == 3
