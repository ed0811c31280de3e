"""The process's cache of organizations (models/stamps.py, workflows/routing/directory.py) is never stale:
the database changes the table's stamp with every write to it (migration 0018), whoever writes, and every
transaction that uses the cache checks the stamp first."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.stamps import stamp
from states.enums import State, Trigger
from tests.factories import MEDIATION_ORG, T0, actor, make_case
from workflows.engine import fire
from workflows.errors import PayloadInvalid
from workflows.routing.directory import organizations

ROOT = Path(__file__).resolve().parents[2]


def _other_process(engine: Engine, sql: str) -> None:
    """Run `sql` and commit in a process of its own (plain SQL: no code of ours knows it happened)."""
    url = engine.url.render_as_string(hide_password=False)
    code = (
        "import sys, sqlalchemy as sa\n"
        "e = sa.create_engine(sys.argv[1])\n"
        "with e.begin() as c:\n"
        "    assert c.exec_driver_sql(sys.argv[2]).rowcount == 1\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code, url, sql], check=True, env=env, timeout=60)


def _divert(session: Session) -> State:
    case = make_case(session, state=State.INTAKE)
    window = actor(session, "window1")
    return State(
        fire(
            session, case_id=case.id, trigger=Trigger.DIVERT, actor=window, payload={"org_code": MEDIATION_ORG}, now=T0
        ).state
    )


def test_an_organization_edited_in_another_process_is_seen_by_the_next_fire(engine: Engine, session: Session) -> None:
    assert _divert(session) is State.DIVERSION  # the organization is cached now, as a mediation body
    _other_process(engine, f"UPDATE organizations SET kind = 'court' WHERE code = '{MEDIATION_ORG}'")
    try:
        with pytest.raises(PayloadInvalid, match="不是调解组织"):
            _divert(session)
    finally:
        _other_process(engine, f"UPDATE organizations SET kind = 'people_mediation' WHERE code = '{MEDIATION_ORG}'")
    assert _divert(session) is State.DIVERSION


def test_every_write_to_organizations_changes_the_stamp(engine: Engine) -> None:
    seen = []
    with engine.begin() as conn:
        seen.append(stamp(conn, "organizations"))
    for sql in (
        "INSERT INTO organizations (id, code, name, kind, level, region, dispute_types, stationing, duty_days, "
        "created_at, updated_at, invited_by, court_level) VALUES ('00000000000000000000000000000abc', 'T-STAMP', "
        "'测试', 'people_mediation', 'county', '330106', '[]', 'resident', '[]', '2026-01-01', '2026-01-01', "
        "'[]', 'basic')",
        "UPDATE organizations SET name = '测试二' WHERE code = 'T-STAMP'",
        "DELETE FROM organizations WHERE code = 'T-STAMP'",
    ):
        _other_process(engine, sql)
        with engine.begin() as conn:
            seen.append(stamp(conn, "organizations"))
            assert ("T-STAMP" in organizations(conn).by_code) is sql.startswith(("INSERT", "UPDATE"))
    assert None not in seen
    assert len(set(seen)) == 4, seen


def test_what_a_rolled_back_transaction_saw_is_never_served(engine: Engine) -> None:
    with engine.begin() as conn:
        name = organizations(conn).by_code[MEDIATION_ORG].name
    with engine.connect() as conn, conn.begin() as txn:
        conn.exec_driver_sql(f"UPDATE organizations SET name = '改名未提交' WHERE code = '{MEDIATION_ORG}'")
        assert organizations(conn).by_code[MEDIATION_ORG].name == "改名未提交"  # its own write, cached
        txn.rollback()
    with engine.begin() as conn:
        assert organizations(conn).by_code[MEDIATION_ORG].name == name
