"""Embedded mode: the APScheduler job starts and stops with the app, once per process and once per
database (a lock file next to a SQLite database, an advisory lock on PostgreSQL)."""

import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from models.settings import get_settings
from models.tables import Document
from states.enums import State
from tests.factories import make_case
from tests.workflows.support import picture
from workflows.outbox.worker import RenderWorker
from workflows.scheduler import JOB_ID, ProcessLock, SweepScheduler

LONG_AGO = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # its mediation clock ran out in February 2026


def _wait(predicate, seconds: float = 15.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_the_scheduler_starts_with_the_app_sweeps_and_stops_with_it(engine, session):
    case = make_case(session, state=State.MEDIATION, channel="court_referral", now=LONG_AGO)  # 委派: deemed failed
    app = create_app(get_settings(), engine=engine, scheduler=True)
    assert SweepScheduler.active() is None
    with TestClient(app) as client:
        scheduler = app.state.scheduler
        assert scheduler is SweepScheduler.active() and scheduler.running
        job = scheduler.scheduler.get_job(JOB_ID)
        assert job.trigger.interval.total_seconds() == get_settings().sweep_seconds
        assert job.misfire_grace_time is None and job.coalesce is True and job.max_instances == 1
        assert client.get("/healthz").status_code == 200
        # The first sweep runs at start: the long-expired clock fires ...
        assert _wait(lambda: picture(session, case.id).state == "failed")
        assert _wait(lambda: scheduler.runs >= 1)
        # ... and the termination notice mediation_timeout produced waits for the render worker: the API
        # process (where the embedded scheduler runs) never renders
        session.expire_all()
        notice = session.exec(
            select(Document).where(Document.case_id == case.id, Document.kind == "termination_notice")
        ).one()
        assert notice.status == "pending" and notice.content is None
        assert not hasattr(scheduler, "documents")
        session.rollback()  # end the read snapshot
    totals = RenderWorker(engine, get_settings()).run(max_idle_polls=1)
    assert totals.rendered >= 1 and totals.failed == 0
    session.rollback()
    session.refresh(notice)
    assert notice.status == "rendered" and notice.content and notice.sha256
    assert SweepScheduler.active() is None and not scheduler.running
    assert app.state.scheduler is None


def test_only_one_scheduler_per_process(engine):
    first = create_app(get_settings(), engine=engine, scheduler=True)
    second = create_app(get_settings(), engine=engine, scheduler=True)
    with TestClient(first), TestClient(second):
        assert first.state.scheduler is SweepScheduler.active()
        assert second.state.scheduler is None
    assert SweepScheduler.active() is None


def test_only_one_process_per_database_sweeps(engine):
    other = ProcessLock(engine)  # as another process holding the database's sweep lock
    assert other.acquire()
    try:
        scheduler = SweepScheduler(engine, seconds=30)
        assert scheduler.start() is False
        assert not scheduler.running and SweepScheduler.active() is None
    finally:
        other.release()
    scheduler = SweepScheduler(engine, seconds=30)
    assert scheduler.start() is True
    try:
        again = ProcessLock(engine)
        assert again.acquire() is False
    finally:
        scheduler.stop()
    after = ProcessLock(engine)  # released with the scheduler: the next process can take it
    assert after.acquire() is True
    after.release()


def test_an_app_built_without_the_scheduler_does_not_sweep(engine, session):
    case = make_case(session, state=State.MEDIATION, now=LONG_AGO)
    app = create_app(get_settings(), engine=engine)
    with TestClient(app):
        assert SweepScheduler.active() is None
        time.sleep(0.2)
    assert picture(session, case.id).state == "mediation"


def test_sqlite_lock_file_sits_next_to_the_database(sqlite_only):
    lock = ProcessLock(sqlite_only)
    assert lock.acquire()
    try:
        assert lock.path is not None and lock.path.name == "jiefen-test.db.sweep.lock"
        assert lock.path.parent.joinpath("jiefen-test.db").exists()
    finally:
        lock.release()
