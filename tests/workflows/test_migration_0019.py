"""Migration 0019 on a real database of each backend: every existing case gets a code of its own (backfill), the
code is unique, the portal's tables come and go, and a downgrade to 0018 and back keeps the cases."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from models.db import make_engine
from models.migrate import alembic_config, upgrade
from models.public_codes import normalize_public_code
from tests.conftest import require_postgres, scratch_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    with scratch_postgres(require_postgres()) as pg:
        yield pg


def _insert_case(engine: sa.Engine, case_no: str) -> None:
    case_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO cases (id, case_no, region, dispute_type, channel, summary, state, version, created_by,"
                " created_at, updated_at, arbitrated, status_matter, arbitration_agreement, flags)"
                " VALUES (:id, :no, '330106', 'neighbour', 'window', 's', 'intake', 1, 't', :at, :at, false, false,"
                " false, '[]')"
            ),
            {
                "id": case_id if engine.dialect.name == "postgresql" else case_id.hex,
                "no": case_no,
                "at": datetime.now(UTC),
            },
        )


def _codes(engine: sa.Engine) -> list[str | None]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.text("SELECT public_code FROM cases ORDER BY case_no"))]


def test_0019_gives_every_case_a_code_and_goes_back(url: str) -> None:
    command.upgrade(alembic_config(url), "0018")
    engine = make_engine(url)
    try:
        for i in range(5):
            _insert_case(engine, f"N{i}")
        upgrade(url)
        codes = _codes(engine)
        assert len(codes) == 5 and len(set(codes)) == 5
        assert all(c is not None and normalize_public_code(c) == c for c in codes)
        tables = set(sa.inspect(engine).get_table_names())
        assert {"one_time_codes", "portal_hits"} <= tables
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # unique
            conn.execute(sa.text("UPDATE cases SET public_code = :c WHERE case_no = 'N1'"), {"c": codes[0]})

        command.downgrade(alembic_config(url), "0018")
        engine.dispose()
        insp = sa.inspect(engine)
        assert "public_code" not in {c["name"] for c in insp.get_columns("cases")}
        assert "one_time_codes" not in insp.get_table_names()
        upgrade(url)
        assert len([c for c in _codes(engine) if c]) == 5
    finally:
        engine.dispose()
