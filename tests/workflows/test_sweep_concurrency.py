"""Sweeps under concurrency and crashes: two sweeps at once on PostgreSQL share the work and never
fire a deadline twice; a sweep killed with SIGKILL in the middle of a batch loses only that batch's
uncommitted work, and the next sweep fires everything due exactly once."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from models.tables import CaseEvent, Deadline, Notification
from states.enums import State
from tests.factories import T0, make_case
from tests.workflows.support import local
from workflows import audit
from workflows.clocks.sweep import sweep

AS_OF = local(2026, 12, 10)
ROOT = Path(__file__).resolve().parents[2]


def _timeouts(engine) -> Counter:
    with Session(engine) as s:
        return Counter(s.exec(select(CaseEvent.case_id).where(CaseEvent.actor == "system:timeout")).all())


def _mediating(session: Session, n: int) -> list:
    return [make_case(session, state=State.MEDIATION, now=T0 + timedelta(minutes=i)) for i in range(n)]


@pytest.mark.postgres
def test_two_concurrent_sweeps_on_postgres_never_fire_one_deadline_twice(postgres_engine):
    from tests.conftest import _clean

    engine = postgres_engine
    _clean(engine)
    with Session(engine, expire_on_commit=False) as session:
        cases = _mediating(session, 60)
    start = threading.Barrier(2)
    reports: list = []
    errors: list = []

    def run() -> None:
        try:
            start.wait()
            reports.append(sweep(engine, as_of=AS_OF, now=AS_OF, batch_size=7))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sum(r.timers for r in reports) == 60
    counts = _timeouts(engine)
    assert set(counts) == {c.id for c in cases} and set(counts.values()) == {1}
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Notification).where(Notification.kind == "overdue")).one() == 60
        assert s.exec(select(func.count()).select_from(Deadline).where(Deadline.status == "fired")).one() == 60
        assert audit.verify(s)[1] is None


def test_a_sweep_killed_mid_batch_and_restarted_fires_everything_exactly_once(engine, session):
    cases = _mediating(session, 25)
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    victim = subprocess.Popen(
        [sys.executable, "-m", "tests.workflows.sweep_victim", url, AS_OF.isoformat(), "10", "15"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = victim.stdout.readline()  # type: ignore[union-attr]
        assert line.strip() == "ready", victim.stderr.read() if victim.poll() is not None else line  # type: ignore[union-attr]
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait(30)
    assert victim.returncode == -signal.SIGKILL
    # The first batch (10) was committed; the five acted on in the second were not.
    assert sum(_timeouts(engine).values()) == 10

    fired = 0
    for _ in range(50):  # PostgreSQL ends the killed session's transaction as soon as it notices
        fired += sweep(engine, as_of=AS_OF, now=AS_OF, batch_size=10).timers
        if fired == 15:
            break
        time.sleep(0.1)
    assert fired == 15
    counts = _timeouts(engine)
    assert set(counts) == {c.id for c in cases} and set(counts.values()) == {1}
    assert sweep(engine, as_of=AS_OF, now=AS_OF).timers == 0
    assert audit.verify(session)[1] is None
