"""Embedded mode: APScheduler 3.11 in the API process runs the deadline sweep every JIEFEN_SWEEP_SECONDS,
then delivers the court webhooks and the parties' SMS and emails due (documents are the render worker's: workflows/outbox/worker.py); and, every
JIEFEN_AUDIT_CHECKPOINT_SECONDS (0: never), writes a signed audit checkpoint (workflows/audit/checkpoint.py); and
on the 1st of each month (and once at start) keeps last month's statistics workbook (workflows/monthly_report.py).

Exactly one scheduler per process (a second start is refused) and one process per database:
- SQLite: an exclusive `flock` on a lock file next to the database file (`<db>.sweep.lock`);
- PostgreSQL: a session-level advisory lock held on a connection of its own.
A process that does not get the lock serves the API without sweeping, and says so in its log.

Jobs live in memory: deadlines are rows, so nothing is lost with the process. The job runs at start
(a sweep missed during downtime runs at once: `misfire_grace_time=None` semantics, coalesced into one
run) and then every interval; `max_instances=1` keeps a slow sweep from overlapping the next.
"""

import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Connection, Engine

from models.db import is_postgresql
from models.settings import get_settings
from workflows.audit import AuditKeyError, CheckpointRefused, write_checkpoint
from workflows.flows import run_sweep
from workflows.notify.deliver import deliver_messages
from workflows.outbox.webhooks import deliver as deliver_webhooks

log = logging.getLogger("jiefen.scheduler")

ADVISORY_LOCK_ID = 0x6A696566_73776570 & 0x7FFFFFFFFFFFFFFF  # "jiefswep", a bigint key
JOB_ID = "sweep_deadlines"
CHECKPOINT_JOB_ID = "audit_checkpoint"
MONTHLY_REPORT_JOB_ID = "monthly_report"


class ProcessLock:
    """One process per database may run the embedded sweep."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._fd: int | None = None
        self._conn: Connection | None = None
        self.path: Path | None = None

    def acquire(self) -> bool:
        if is_postgresql(self.engine):
            conn = self.engine.connect()
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_ID}).scalar()
            conn.commit()
            if not got:
                conn.close()
                return False
            self._conn = conn
            return True
        database = self.engine.url.database
        if not database or database == ":memory:":
            return True  # a private in-memory database: this process is the only one
        import fcntl

        self.path = Path(database).resolve().with_name(Path(database).name + ".sweep.lock")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_ID})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class SweepScheduler:
    """The embedded sweep: `start()` with the app, `stop()` with it."""

    _active: ClassVar["SweepScheduler | None"] = None
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        engine: Engine,
        *,
        seconds: int,
        checkpoint_seconds: int | None = None,
        checkpoint_dir: Path | None = None,
    ) -> None:
        settings = get_settings()
        self.engine = engine
        self.seconds = seconds
        self.checkpoint_seconds = (
            settings.audit_checkpoint_seconds if checkpoint_seconds is None else checkpoint_seconds
        )
        self.checkpoint_dir = checkpoint_dir or Path(settings.audit_checkpoint_dir)
        self.checkpoints = 0
        self.checkpoint_refused: list[Any] = []
        self.lock = ProcessLock(engine)
        self.scheduler: BackgroundScheduler | None = None
        self.runs = 0
        self.last: dict[str, Any] | None = None
        self.messages: dict[str, int] = {}  # the last pass of the parties' SMS and emails
        self.monthly_report: dict[str, Any] | None = None

    @classmethod
    def active(cls) -> "SweepScheduler | None":
        return cls._active

    @property
    def running(self) -> bool:
        return self.scheduler is not None and self.scheduler.running

    def start(self) -> bool:
        """Start sweeping; False (and no scheduler) when this process already runs one or another
        process holds the database's sweep lock."""
        with self._guard:
            if SweepScheduler._active is not None:
                log.warning("deadline scheduler already running in this process; not starting another")
                return False
            if not self.lock.acquire():
                log.warning("another process runs the deadline sweep for this database; this one will not")
                return False
            scheduler = BackgroundScheduler(
                timezone=UTC,
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            )
            scheduler.add_job(
                self._tick,
                "interval",
                seconds=self.seconds,
                id=JOB_ID,
                name="sweep_deadlines",
                next_run_time=datetime.now(UTC),
                replace_existing=True,
            )
            if self.checkpoint_seconds > 0:
                scheduler.add_job(
                    self._checkpoint,
                    "interval",
                    seconds=self.checkpoint_seconds,
                    id=CHECKPOINT_JOB_ID,
                    name=CHECKPOINT_JOB_ID,
                    next_run_time=datetime.now(UTC),
                    replace_existing=True,
                )
            # Last month's statistics workbook (workflows/monthly_report.py): on the 1st at 01:00 local time, and
            # once at start in case the process was down then (one per month: a second run stores nothing).
            scheduler.add_job(
                self._monthly_report,
                "cron",
                day=1,
                hour=1,
                timezone=get_settings().tz,
                id=MONTHLY_REPORT_JOB_ID,
                name=MONTHLY_REPORT_JOB_ID,
                next_run_time=datetime.now(UTC),
                replace_existing=True,
            )
            scheduler.start()
            self.scheduler = scheduler
            SweepScheduler._active = self
            log.info("deadline scheduler started: sweeping every %s s", self.seconds)
            return True

    def stop(self) -> None:
        with self._guard:
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=True)
                self.scheduler = None
                self.lock.release()
                log.info("deadline scheduler stopped")
            if SweepScheduler._active is self:
                SweepScheduler._active = None

    def _tick(self) -> None:
        self.last = run_sweep(self.engine)
        self.delivery = deliver_webhooks(self.engine)  # court hand-off webhooks due now
        try:  # the parties' SMS and emails due now (workflows/notify/deliver.py); never stops the sweep
            self.messages = deliver_messages(self.engine)
        except Exception:
            log.exception("party messages: delivery pass failed")
        # The documents the sweep produced (a termination notice on mediation_timeout) are the render
        # worker's: this is an API process, and the API never renders (workflows/outbox/worker.py).
        self.runs += 1
        if self.last["timers"] or self.last["reminded"]:
            log.info("sweep: %s timers fired, %s reminders", self.last["timers"], self.last["reminded"])

    def _monthly_report(self) -> None:
        from workflows.monthly_report import keep_monthly_report

        try:
            self.monthly_report = keep_monthly_report(self.engine)
        except Exception:
            log.exception("monthly report not stored")

    def _checkpoint(self) -> None:
        """A signed checkpoint of every case head. Refused when the database went behind the last
        one: logged as an error for the operator, never written over (docs/audit.md)."""
        try:
            written = write_checkpoint(self.engine, self.checkpoint_dir)
        except CheckpointRefused as e:
            self.checkpoint_refused = e.problems
            first = e.problems[0]
            log.error(
                "audit checkpoint refused: %s problem(s), first %s seq %s: %s; run `jiefen audit verify`",
                len(e.problems),
                first.case_no,
                first.seq,
                first.problem,
            )
            return
        except AuditKeyError as e:
            log.error("audit checkpoint not written: %s", e)
            return
        self.checkpoints += 1
        self.checkpoint_refused = []
        log.info("audit checkpoint %s written (%s cases)", written.n, written.cases)
