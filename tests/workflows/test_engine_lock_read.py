"""fire's one read under the lock (`lock_case_and_clocks`): the case row and its open deadlines in one
query, exactly what `lock_case` and `load_open` read, also when it had to wait for another writer."""

import threading
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from models.db import is_postgresql
from states.enums import State, Trigger
from tests.factories import T0, actor, make_case
from tests.workflows.support import picture
from workflows import audit
from workflows.clocks.deadlines import load_open
from workflows.engine import fire
from workflows.engine.transition import fire_locked
from workflows.engine.write import core_write_transaction, lock_case, lock_case_and_clocks

NOW = T0 + timedelta(hours=12)
REASON = {"reason": "鉴定"}


def _read_both_ways(engine, case_id):
    with engine.begin() as conn:
        case, clocks = lock_case_and_clocks(conn, case_id)
        alone = lock_case(conn, case_id)
        opened = load_open(conn, case_id)
    return case, clocks, alone, opened


def test_the_one_query_reads_what_lock_case_and_load_open_read(engine, session):
    with_json = make_case(session, state=State.AGREEMENT)  # agreement, flags, referral: JSON columns
    case, clocks, alone, opened = _read_both_ways(engine, with_json.id)
    assert case is not None and alone is not None
    assert case.values() == alone.values()
    assert isinstance(case.agreement, dict) and case.agreement == alone.agreement
    assert clocks, "a case in agreement has open clocks"
    assert sorted((d.values() for d in clocks), key=lambda v: str(v["id"])) == sorted(
        (d.values() for d in opened), key=lambda v: str(v["id"])
    )


def test_a_case_without_open_deadlines_reads_with_none(engine, session):
    closed = make_case(session, state=State.INTAKE)
    case, clocks, alone, opened = _read_both_ways(engine, closed.id)
    assert case is not None and case.values() == alone.values()  # type: ignore[union-attr]
    assert clocks == opened == []
    assert _read_both_ways(engine, uuid.uuid4())[:2] == (None, [])


def _wait_until_a_writer_waits(engine) -> None:
    """Until another transaction is waiting for a lock (PostgreSQL); SQLite's waiter cannot be seen, so
    give its thread time to reach BEGIN IMMEDIATE (if it has not, it reads after the commit: same answer)."""
    if not is_postgresql(engine):
        time.sleep(0.5)
        return
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 30
    with engine.connect() as conn:
        while conn.execute(waiting).scalar() == 0:
            assert time.monotonic() < deadline, "the second fire never waited for the case lock"
            time.sleep(0.02)
            conn.rollback()


def test_a_fire_that_waited_for_the_lock_judges_the_clocks_its_holder_committed(engine, session):
    """resume_clock is fired while pause_clock holds the case. It waits, then must find the clock paused:
    on PostgreSQL the deadlines joined to the locked row are as they were before the wait, and are read
    again because the case's chain moved on meanwhile."""
    case = make_case(session, state=State.MEDIATION)
    mediator = actor(session, "mediator1")
    outcome: list[object] = []

    def resume() -> None:
        with Session(engine, expire_on_commit=False) as s:
            try:
                done = fire(s, case_id=case.id, trigger=Trigger.RESUME_CLOCK, actor=mediator, payload=REASON, now=NOW)
                outcome.append(done.state)
            except Exception as e:  # noqa: BLE001 - judged below
                outcome.append(e)

    waiter = threading.Thread(target=resume)
    with Session(engine) as holder, core_write_transaction(holder) as conn:
        locked, rows = lock_case_and_clocks(conn, case.id)
        fire_locked(None, conn, locked, Trigger.PAUSE_CLOCK, mediator, REASON, None, NOW, open_rows=rows)
        waiter.start()
        _wait_until_a_writer_waits(engine)
    waiter.join(timeout=60)
    assert outcome == [State.MEDIATION], outcome
    pic = picture(session, case.id)
    assert [e[1] for e in pic.events[-2:]] == ["pause_clock", "resume_clock"]
    assert [d[1] for d in pic.deadlines if d[0] == "mediation"] == ["pending"]
    assert audit.verify(session, case_id=case.id)[1] is None
