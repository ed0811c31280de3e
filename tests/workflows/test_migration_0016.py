"""Migration 0016 on a real database of each backend: the must-change flag, the mediator's `active` and
the administrative change log come with it (existing accounts need no change, existing mediators serve),
go with a downgrade to 0015 and come back."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command

from models.db import make_engine
from models.migrate import alembic_config, upgrade
from tests.conftest import require_postgres, scratch_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'admin.db'}"
        return
    with scratch_postgres(require_postgres()) as pg:
        yield pg


def _columns(url: str, table: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {c["name"] for c in inspector.get_columns(table)} if inspector.has_table(table) else set()
    finally:
        engine.dispose()


def test_0016_adds_the_administration_columns_and_log_and_takes_them_away(url):
    command.upgrade(alembic_config(url), "0015")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO organizations (id, code, name, kind, level, region, dispute_types, stationing,"
                " duty_days, created_at, updated_at, invited_by, court_level)"
                " VALUES ('00000000000000000000000000000001', 'O-1', '委员会', 'people_mediation', 'town',"
                " '330106001', '[]', 'resident', '[]', '2026-01-01', '2026-01-01', '[]', 'basic')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO mediators (id, code, name, org_code, specialties, part_time, created_at)"
                " VALUES ('00000000000000000000000000000002', 'M-1', '王丽', 'O-1', '[]', false, '2026-01-01')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO users (id, username, password_hash, role, is_active, created_at, token_epoch)"
                " VALUES ('00000000000000000000000000000003', 'u1', 'x', 'admin', true, '2026-01-01', 0)"
            )
        )
    engine.dispose()

    upgrade(url)
    assert "must_change_password" in _columns(url, "users")
    assert "active" in _columns(url, "mediators")
    assert {"at", "actor", "entity", "key", "action", "before", "after"} <= _columns(url, "admin_changes")
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT must_change_password FROM users")).scalar_one() in (False, 0)
        assert conn.execute(sa.text("SELECT active FROM mediators")).scalar_one() in (True, 1)
    engine.dispose()

    command.downgrade(alembic_config(url), "0015")
    assert "must_change_password" not in _columns(url, "users")
    assert "active" not in _columns(url, "mediators")
    assert _columns(url, "admin_changes") == set()

    upgrade(url)
    assert "must_change_password" in _columns(url, "users")
