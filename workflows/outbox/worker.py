"""The render worker: a process of its own that renders the documents outbox, so the API never does.

`jiefen serve` starts one (whatever its --workers) and stops it with itself; `jiefen documents work` runs
one alone (e.g. on another machine next to the same database). It loops: claim a batch of due documents
(workflows/outbox/claims.py), render them one by one, and when nothing is due sleep `render_poll_seconds`.
Several render workers, Prefect's `documents_render` flow and `jiefen documents render` may run at once on
one database: each renders only what it claimed.

It lowers its own CPU priority (`nice`, JIEFEN_RENDER_NICE): a PDF is ~0.2 s of CPU, and on a busy host
the clerk waiting for a page comes before a document nobody has opened yet. It stops between two
documents on SIGTERM/SIGINT, giving back what it claimed and did not start.
"""

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.settings import Settings
from workflows.outbox import claims
from workflows.outbox.documents import claim_due, release_claims, render_one

log = logging.getLogger("jiefen.render")

PARENT_ENV = "JIEFEN_RENDER_PARENT_PID"


@dataclass
class WorkerTotals:
    rendered: int = 0
    failed: int = 0
    skipped: int = 0
    batches: int = 0


class RenderWorker:
    def __init__(self, engine: Engine, settings: Settings, *, renderer: str | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.renderer = renderer or claims.renderer_name()
        self.stopping = threading.Event()
        self.totals = WorkerTotals()

    def stop(self, *_: object) -> None:
        self.stopping.set()

    def run_once(self) -> int:
        """Claim one batch and render it; the number of documents claimed."""
        with Session(self.engine, expire_on_commit=False) as session:
            ids = claim_due(
                session,
                renderer=self.renderer,
                now=datetime.now(UTC),
                limit=self.settings.render_batch,
                settings=self.settings,
            )
            for i, doc_id in enumerate(ids):
                if self.stopping.is_set():
                    release_claims(session, ids[i:], self.renderer)
                    break
                try:
                    outcome, detail = render_one(session, doc_id, settings=self.settings)
                except BaseException:
                    release_claims(session, ids[i:], self.renderer)
                    raise
                if outcome == "rendered":
                    self.totals.rendered += 1
                elif outcome == "failed":
                    self.totals.failed += 1
                    log.warning("document %s not rendered (will retry): %s", doc_id, detail)
                else:
                    self.totals.skipped += 1
        if ids:
            self.totals.batches += 1
        return len(ids)

    def run(self, *, max_idle_polls: int | None = None, parent_pid: int | None = None) -> WorkerTotals:
        """Loop until stopped (or, for tests, until `max_idle_polls` polls in a row found nothing), or
        until the process that started it (`parent_pid`) is gone."""
        idle = 0
        log.info("render worker %s started (poll %.2f s)", self.renderer, self.settings.render_poll_seconds)
        while not self.stopping.is_set():
            if parent_pid is not None and os.getppid() != parent_pid:
                log.info("render worker %s: the server that started it is gone; stopping", self.renderer)
                break
            try:
                claimed = self.run_once()
            except Exception:  # a database outage: keep the process, try again after a pause
                log.exception("render worker: claiming failed; retrying in %s s", self.settings.render_poll_seconds)
                claimed = 0
            if claimed:
                idle = 0
                continue
            idle += 1
            if max_idle_polls is not None and idle >= max_idle_polls:
                break
            self.stopping.wait(self.settings.render_poll_seconds)
        log.info(
            "render worker %s stopped: %s rendered, %s failed", self.renderer, self.totals.rendered, self.totals.failed
        )
        return self.totals


def serve_forever(engine: Engine, settings: Settings) -> WorkerTotals:
    """The process's main loop: lower priority, stop cleanly on SIGTERM/SIGINT."""
    if settings.render_nice:
        try:
            os.nice(settings.render_nice)
        except OSError as e:  # not allowed here: render at normal priority
            log.warning("render worker: could not lower priority: %s", e)
    worker = RenderWorker(engine, settings)

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        worker.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    started = time.monotonic()
    # Started by `jiefen serve` (api/cli/processes.py): stop when it is gone, however it ended (uvicorn ends
    # its process by re-raising the SIGTERM it caught, so the server has no last word to send).
    parent = os.environ.get(PARENT_ENV)
    totals = worker.run(parent_pid=int(parent) if parent and parent.isdigit() else None)
    log.info("render worker ran %.0f s", time.monotonic() - started)
    return totals
