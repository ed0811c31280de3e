"""Migration 0020 on a real database of each backend: parties get an optional `email`; the parties already
there keep every field (the SQLite table copy both ways), with no email; a downgrade to 0019 drops it."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from models.db import make_engine
from models.migrate import alembic_config
from models.tables import Case, Party
from tests.conftest import require_postgres, scratch_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'email.db'}"
        return
    with scratch_postgres(require_postgres()) as pg:
        yield pg


def _run(url: str, sql: str, **params) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(sql), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _columns(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {c["name"] for c in sa.inspect(conn).get_columns("parties")}
    finally:
        engine.dispose()


def test_0020_adds_the_party_email_and_goes_back(url):
    command.upgrade(alembic_config(url), "0019")
    assert "email" not in _columns(url)
    case_id, party_id = uuid.uuid4(), uuid.uuid4()
    now = datetime(2026, 11, 2, 2, tzinfo=UTC)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cases, parties = Case.__table__, Party.__table__  # type: ignore[attr-defined]
            conn.execute(
                cases.insert().values(
                    id=case_id, case_no="（2026）330106调0001号", region="330106", dispute_type="neighbour",
                    channel="window", summary="漏水", state="intake", version=1, created_by="window1",
                    created_at=now, updated_at=now, flags=[], passed_org_codes=[],
                )
            )  # fmt: skip
            conn.execute(
                parties.insert().values(
                    id=party_id, case_id=case_id, position=0, role="applicant", kind="person", name="张三",
                    phone="13812345678", address="杭州市西湖区北山街道1号",
                )
            )  # fmt: skip
    finally:
        engine.dispose()

    command.upgrade(alembic_config(url), "0020")
    assert "email" in _columns(url)
    assert _run(url, "SELECT name, phone, address, email FROM parties") == [
        ("张三", "13812345678", "杭州市西湖区北山街道1号", None)
    ]
    _run(url, "UPDATE parties SET email = :e", e="zhangsan@example.com")
    command.downgrade(alembic_config(url), "0019")
    assert "email" not in _columns(url)
    assert _run(url, "SELECT name, phone FROM parties") == [("张三", "13812345678")]
