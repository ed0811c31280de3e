"""`jiefen simulate` (workflows/simulate.py): a synthetic year written through intake, the engine and the
sweep — every chain verifies, the same seed gives the same history, the mix has every ending, and no
event is dated after the simulated clock (nor after the wall clock)."""

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, time
from itertools import pairwise
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.settings import get_settings
from models.tables import Case, CaseEvent, Party
from tests.conftest import _clean
from workflows.audit import check
from workflows.simulate import SimulateError, counties_in, simulate

YEAR = datetime.now(UTC).year - 1
CASES = 40
EVENTS = CaseEvent.__table__  # type: ignore[attr-defined]
ROOT = Path(__file__).resolve().parents[2]


def history(engine: Engine) -> list[tuple[object, ...]]:
    """What the same seed must reproduce: every event but its ids and hashes (row ids are uuid4)."""
    cases = Case.__table__  # type: ignore[attr-defined]
    q = (
        sa.select(cases.c.case_no, EVENTS.c.seq, EVENTS.c.trigger, EVENTS.c.to_state, EVENTS.c.actor, EVENTS.c.at)
        .join(cases, cases.c.id == EVENTS.c.case_id)
        .order_by(cases.c.case_no, EVENTS.c.seq)
    )
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q)]


def test_a_simulated_year_verifies_and_repeats(engine: Engine) -> None:
    report = simulate(engine, cases=CASES, region="330106", year=YEAR, seed=3, batch=7)
    assert report.cases == CASES and not report.refused
    with Session(engine) as s:
        audit = check(s)
    assert not audit.breaks and audit.cases == CASES and audit.events == report.events + report.timers

    events = history(engine)
    triggers = Counter(e[2] for e in events)
    # the endings: agreement (and fulfilment), failure, withdrawal, a clock that ran out
    assert triggers["open"] == CASES
    assert triggers["reach_agreement"] >= CASES // 3 and triggers["record_fulfilment"] >= CASES // 5
    assert triggers["fail"] + triggers["mediation_timeout"] >= 3
    assert triggers["withdraw"] + triggers["reject"] + triggers["transfer_out"] >= 1
    assert (
        report.timers >= 1
        and sum(n for t, n in triggers.items() if t.endswith(("_timeout", "_overdue", "_expired"))) >= 1
    )
    assert report.states["closed"] >= CASES // 2
    assert set(report.outcomes) >= {"agreement", "failed"}

    # the simulated clock: the year simulated, never later than its last sweep, nor than now
    tz = get_settings().tz
    at = [e[5] for e in events]
    first, last = min(at), max(at)
    assert first >= datetime.combine(date(YEAR, 1, 1), time(0), tzinfo=tz)
    assert last <= datetime.combine(date(YEAR + 1, 1, 1), time(0, 30), tzinfo=tz) < datetime.now(UTC)
    for prev, nxt in pairwise(events):  # each case's events in time order
        if prev[0] == nxt[0]:
            assert prev[5] <= nxt[5]

    # synthetic identity numbers: valid (intake validated them), issued in the county simulated
    with engine.connect() as conn:
        ids = conn.execute(sa.select(Party.id_number).where(Party.id_number.is_not(None))).scalars().all()  # type: ignore[union-attr]
    assert ids and all(i.startswith("330106") and len(i) == 18 for i in ids)

    # deterministic: the same seed on an empty database, in other batches, writes the same history
    _clean(engine)
    again = simulate(engine, cases=CASES, region="330106", year=YEAR, seed=3, batch=500)
    assert history(engine) == events and again.states == report.states


@pytest.mark.postgres
def test_workers_write_the_same_history(postgres_engine: Engine) -> None:
    """Two processes, each its own counties, in step day by day: the same history as one."""
    _clean(postgres_engine)
    one = simulate(postgres_engine, cases=15, region="3301", year=YEAR, seed=9)
    events = history(postgres_engine)
    _clean(postgres_engine)
    two = simulate(postgres_engine, cases=15, region="3301", year=YEAR, seed=9, workers=2)
    assert history(postgres_engine) == events and two.states == one.states and two.timers == one.timers
    with Session(postgres_engine) as s:
        assert not check(s).breaks


def test_regions_and_years_it_refuses(sqlite_only: Engine) -> None:
    assert [c.code for c in counties_in("330106")] == ["330106"]
    zhejiang = [c.code for c in counties_in("33")]
    assert "330106" in zhejiang and "330103" not in zhejiang  # 下城区, merged in 2021
    assert all(c.startswith("3301") for c in (x.code for x in counties_in("330100")))
    with pytest.raises(SimulateError):
        counties_in("99")
    with pytest.raises(SimulateError, match="before today"):
        simulate(sqlite_only, cases=1, region="330106", year=datetime.now(UTC).year)


def test_the_command_prints_no_personal_data(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JIEFEN_DATABASE_URL": f"sqlite:///{tmp_path / 'sim.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "simulate", "--cases", "8", "--region", "330106", "--seed", "5"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "simulate: 8 cases" in done.stdout and "cases/s" in done.stdout
    assert not re.search(r"\d{17}[\dX]|1[3-9]\d{9}", done.stdout + done.stderr)  # no identity number, no phone
    verify = subprocess.run(
        [sys.executable, "-m", "api.cli", "audit", "verify"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert verify.returncode == 0 and "intact" in verify.stdout, verify.stderr[-2000:]
