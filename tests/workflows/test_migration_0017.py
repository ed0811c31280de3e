"""Migration 0017 on a real database of each backend: the events' period index, and documents that belong
to no case (the monthly workbook) with a period unique per kind; a case's documents survive the SQLite
table copy both ways; a downgrade to 0016 removes the centre's documents and comes back."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from models.db import make_engine
from models.migrate import alembic_config, upgrade
from models.tables import CaseEvent, Document
from tests.conftest import require_postgres, scratch_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reports.db'}"
        return
    with scratch_postgres(require_postgres()) as pg:
        yield pg


def _shape(url: str) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, bool]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            events = {i["name"]: list(i["column_names"]) for i in insp.get_indexes("case_events") if i["name"]}
            docs = {i["name"]: list(i["column_names"]) for i in insp.get_indexes("documents") if i["name"]}
            columns = {c["name"]: c["nullable"] for c in insp.get_columns("documents")}
            return events, docs, columns
    finally:
        engine.dispose()


def _insert(url: str, **row) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(Document.__table__.insert().values(**row))  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def _count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM documents")).scalar_one()
    finally:
        engine.dispose()


def test_0017_adds_the_period_index_and_centre_documents_and_goes_back(url):
    command.upgrade(alembic_config(url), "0016")
    engine = make_engine(url)
    case_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO cases (id, case_no, region, dispute_type, channel, summary, state, version, created_by,"
                " created_at, updated_at, arbitrated, status_matter, arbitration_agreement, flags)"
                " VALUES (:id, 'N1', '330106', 'neighbour', 'window', 's', 'intake', 1, 't', :at, :at, false, false,"
                " false, '[]')"
            ),
            {"id": case_id if engine.dialect.name == "postgresql" else case_id.hex, "at": datetime.now(UTC)},
        )
    engine.dispose()
    now = datetime.now(UTC)
    _insert(url, id=uuid.uuid4(), case_id=case_id, kind="mediation_agreement", status="pending", created_at=now)

    upgrade(url)
    events, docs, columns = _shape(url)
    assert events["ix_case_events_at_trigger"] == ["at", "trigger"]
    assert docs["ux_documents_kind_period"] == ["kind", "period"]
    assert columns["case_id"] is True and columns["period"] is True
    assert _count(url) == 1  # the case's document went through the copy
    _insert(
        url, id=uuid.uuid4(), case_id=None, kind="monthly_report", period="2026-11", status="rendered", created_at=now
    )
    with pytest.raises(sa.exc.IntegrityError):  # one per kind and period
        _insert(url, id=uuid.uuid4(), kind="monthly_report", period="2026-11", status="rendered", created_at=now)

    command.downgrade(alembic_config(url), "0016")
    events, docs, columns = _shape(url)
    assert "ix_case_events_at_trigger" not in events and "ux_documents_kind_period" not in docs
    assert columns["case_id"] is False and "period" not in columns
    assert _count(url) == 1  # the centre's workbook is gone, the case's document stays
    upgrade(url)
    assert _shape(url)[2]["case_id"] is True


def test_the_tables_declare_the_same_indexes():
    events = {i.name: [c.name for c in i.columns] for i in CaseEvent.__table__.indexes}  # type: ignore[attr-defined]
    docs = {i.name: ([c.name for c in i.columns], i.unique) for i in Document.__table__.indexes}  # type: ignore[attr-defined]
    assert events["ix_case_events_at_trigger"] == ["at", "trigger"]
    assert docs["ux_documents_kind_period"] == (["kind", "period"], True)
    assert Document.__table__.c.case_id.nullable  # type: ignore[attr-defined]
