"""Distributed mode end to end, as the README's recipe runs it: a real Prefect server process (its own
PREFECT_HOME, a free port), a scratch PostgreSQL database, `jiefen deploy --all`, two `jiefen worker`
processes started in folders of their own (not the checkout). Cases are made due (deadlines in the past,
a court hand-off whose webhook points at a receiver here, pending documents); the runs come from the
deployments' schedules and from runs created by hand. Each deadline fires once, each document is rendered
once, each webhook is pushed once. Then one worker is killed with SIGKILL — with the flow run it was
rendering documents in, as a lost host would be — and the other finishes the work.

Run by `make test-distributed` (and `.ci/run`); not by `make test` (it takes minutes, not seconds)."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models.db import make_engine
from models.migrate import upgrade
from models.tables import Case, CaseEvent, Document, Notification
from states.enums import State, Trigger
from tests.api.live import free_port
from tests.conftest import _seed, require_postgres, scratch_postgres
from tests.factories import COURT, T0, actor, confirmation_request, make_case
from tests.workflows.handoff_support import receiver, webhook
from workflows.engine import fire
from workflows.flows.definitions import FLOWS

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "court-shared-secret-0123456789"
INTERVAL = 10  # seconds between scheduled runs of the sweep, the webhook pushes and the render
CLAIM_SECONDS = 30  # how long a dead renderer's claims hold (the setting's minimum)
WAIT = 240  # seconds any one stage may take before the test fails, saying what it waited for


def wait_for(what: str, check: Callable[[], Any], timeout: float = WAIT, logs: list[Path] | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    tails = "".join(f"\n--- {p.name} ---\n{p.read_text(errors='replace')[-3000:]}" for p in logs or [] if p.exists())
    pytest.fail(f"waited {timeout:.0f} s for {what}{tails}")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


@contextmanager
def process(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        flow_runs = children(proc.pid)  # a worker's flow runs have sessions of their own: stop them too
        for pid in [proc.pid, *flow_runs]:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_postgres()
    tmp = tmp_path_factory.mktemp("distributed")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    with ExitStack() as stack:
        url = stack.enter_context(scratch_postgres(require_postgres()))
        upgrade(url)
        engine = make_engine(url)
        stack.callback(engine.dispose)
        _seed(engine)
        prefect_env = {
            **os.environ,
            "PREFECT_HOME": str(tmp / "prefect-home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
            "PREFECT_API_URL": api,
        }
        server_log = tmp / "prefect-server.log"
        stack.enter_context(
            process(
                [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                prefect_env,
                tmp,
                server_log,
            )
        )
        wait_for("the Prefect server's /api/health", lambda: _healthy(api), logs=[server_log])
        env = {
            **prefect_env,
            "JIEFEN_DATABASE_URL": url,
            "PYTHONPATH": str(ROOT),  # this checkout's code, in the workers and in their flow runs
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "JIEFEN_RENDER_CLAIM_SECONDS": str(CLAIM_SECONDS),
            "PYTHONIOENCODING": "utf-8",
        }
        yield {"engine": engine, "env": env, "tmp": tmp, "api": api, "stack": stack, "logs": [server_log]}


def _healthy(api: str) -> bool:
    try:
        return httpx2.get(f"{api}/health", timeout=2).status_code == 200
    except httpx2.HTTPError:
        return False


def jiefen(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


def timeout_events(engine: sa.Engine) -> Counter[Any]:
    with Session(engine) as s:
        return Counter(s.exec(select(CaseEvent.case_id).where(CaseEvent.actor == "system:timeout")).all())


def documents(engine: sa.Engine) -> list[Document]:
    with Session(engine) as s:
        return list(s.exec(select(Document)).all())


def renders(engine: sa.Engine) -> Counter[str]:
    """How many times each document was stored as rendered (its `document_generated` events)."""
    with Session(engine) as s:
        payloads = s.exec(select(CaseEvent.payload).where(CaseEvent.trigger == "document_generated")).all()
    return Counter(p["document_id"] for p in payloads)


def test_two_workers_run_every_flow_once_and_one_carries_on_when_the_other_is_killed(cluster):
    engine, env, tmp = cluster["engine"], cluster["env"], cluster["tmp"]
    logs: list[Path] = cluster["logs"]
    rec = cluster["stack"].enter_context(receiver(SECRET))
    hook_url, rec = rec
    cluster["stack"].enter_context(webhook(engine, COURT, hook_url, SECRET))

    # Due work: mediations referred by a court, started 60 days ago (their deadline is long past), and a
    # court hand-off to push.
    long_ago = datetime.now(UTC) - timedelta(days=60)
    with Session(engine, expire_on_commit=False) as session:
        due = [make_case(session, state=State.MEDIATION, channel="court_referral", now=long_ago) for _ in range(3)]
        agreed = make_case(session, state=State.AGREEMENT)  # at T0 + 3 h (the agreement's signing day)
        fire(
            session,
            case_id=agreed.id,
            trigger=Trigger.REQUEST_CONFIRMATION,
            actor=actor(session, "mediator1"),
            payload=confirmation_request(),
            now=T0 + timedelta(hours=4),
        )
    with Session(engine) as s:
        [notice] = s.exec(select(Notification).where(Notification.kind == "court_webhook")).all()

    # `jiefen deploy --all`, from a folder that is not the checkout; the workers in folders of their own.
    elsewhere = tmp / "operator"
    elsewhere.mkdir()
    done = jiefen(env, "deploy", "--all", "--interval", str(INTERVAL), cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("deploy: registered") == len(FLOWS), done.stdout
    assert "no concurrency limit" in done.stdout and f"source {ROOT}" in done.stdout

    workers = {}
    for n in (1, 2):
        home = tmp / f"worker{n}"
        home.mkdir()
        log = tmp / f"worker{n}.log"
        logs.append(log)
        workers[n] = cluster["stack"].enter_context(
            process([sys.executable, "-m", "api.cli", "worker", "--name", f"worker{n}"], env, home, log)
        )

    # Runs by hand too, besides the schedules: the client's create_flow_run_from_deployment.
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: cluster["api"]}), get_client(sync_client=True) as client:
        for name in ("sweep_deadlines/sweep-deadlines", "handoffs_deliver/handoffs-deliver"):
            client.create_flow_run_from_deployment(client.read_deployment_by_name(name).id)

    wait_for(
        "every due deadline fired",
        lambda: all(timeout_events(engine)[c.id] for c in due),
        logs=logs,
    )
    wait_for("the hand-off pushed to the court", lambda: rec.recorded, logs=logs)
    wait_for(
        "every document rendered",
        lambda: (docs := documents(engine)) and all(d.status == "rendered" for d in docs),
        logs=logs,
    )
    # Both workers took runs (each says so in its log): the pool's runs are shared.
    wait_for(
        "runs taken by both workers",
        lambda: all("submitted to infrastructure" in (tmp / f"worker{n}.log").read_text() for n in (1, 2)),
        logs=logs,
    )
    # A few more rounds of every schedule, on both workers: still nothing twice.
    time.sleep(2 * INTERVAL)
    fired = timeout_events(engine)
    assert all(fired[c.id] == 1 for c in due), fired
    with Session(engine) as s:
        for c in due:
            assert s.get(Case, c.id).state == "failed"
    assert [r["delivery"] for r in rec.requests] == [str(notice.id)], rec.requests
    assert rec.bad_signatures == 0
    first_docs = documents(engine)
    assert first_docs and set(renders(engine).values()) == {1}, renders(engine)

    # Kill one worker with SIGKILL in the middle of a render run, with that run's process.
    with Session(engine, expire_on_commit=False) as session:
        for _ in range(12):
            make_case(session, state=State.DIVERSION)  # each leaves a diversion notice to render (at T0)
    pending = {d.id for d in documents(engine) if d.status == "pending"}
    assert len(pending) >= 12

    def claimed_by_a_worker() -> tuple[int, int] | None:
        with Session(engine) as s:
            holders = s.exec(
                select(Document.claimed_by).where(Document.status == "pending", Document.claimed_by.is_not(None))
            ).all()
        rendered = sum(1 for d in documents(engine) if d.id in pending and d.status == "rendered")
        for holder in holders:
            flow_run = int(holder.split(":")[1])  # render@<host>:<pid>:<tail>, the flow run's process
            for n, proc in workers.items():
                if flow_run in children(proc.pid) and rendered < len(pending) - 1:
                    return n, flow_run
        return None

    killed, flow_run = wait_for("a worker's flow run holding claimed documents", claimed_by_a_worker, logs=logs)
    for pid in (workers[killed].pid, flow_run):
        os.kill(pid, signal.SIGKILL)
    workers[killed].wait(30)
    survivor = workers[3 - killed]
    left = [d.id for d in documents(engine) if d.id in pending and d.status == "pending"]
    assert left, "the killed run had rendered everything already"

    wait_for(
        f"worker{3 - killed} to render the {len(left)} documents the killed worker left (after their "
        f"{CLAIM_SECONDS} s claims lapse)",
        lambda: all(d.status == "rendered" for d in documents(engine)),
        timeout=WAIT + CLAIM_SECONDS,
        logs=logs,
    )
    assert survivor.poll() is None, "the surviving worker stopped"
    assert workers[killed].poll() == -signal.SIGKILL
    counts = renders(engine)
    assert set(counts) == {str(d.id) for d in documents(engine)}
    assert set(counts.values()) == {1}, counts  # each document rendered (stored, signed, recorded) once
    assert all(d.status == "rendered" for d in documents(engine))
    # The diversions' own acceptance deadlines (made at T0) fell due and fired meanwhile, each once; the
    # first ones never again.
    after = timeout_events(engine)
    assert set(after.values()) == {1} and all(after[c] == 1 for c in fired), after
    assert len(rec.requests) == 1
