"""`jiefen serve` as a centre runs it: the API processes never render, a render worker process beside
them renders what a transition produced, `--workers N` gives N API processes with one render worker and
one scheduler among them, and stopping the server stops every process it started."""

import os
import signal
import time
from pathlib import Path

import httpx2
import pytest

from tests.api.conftest import demo_password
from tests.api.live import JIEFEN, Live, free_port, jiefen_command, jiefen_serve, metrics_dir, serving
from tests.api.steps import case_in
from tests.conftest import DEMO_SEED


def _children(pid: int) -> dict[int, str]:
    """The processes `pid` started, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3]


def _gone(pid: int, seconds: float = 15) -> bool:
    """`pid` has ended within `seconds` (the render worker notices its server is gone within a poll)."""
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _login(client: httpx2.Client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": demo_password(username)})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _documents_rendered(client: httpx2.Client, headers: dict[str, str], case_id: str, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        docs = {d["kind"]: d for d in client.get(f"/api/v1/cases/{case_id}/documents", headers=headers).json()}
        if docs and all(d["status"] == "rendered" for d in docs.values()):
            return docs
        assert time.monotonic() < deadline, f"documents still not rendered: {docs}"
        time.sleep(0.2)


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    env = {"JIEFEN_DATABASE_URL": f"sqlite:///{tmp_path / 'jiefen.db'}", "JIEFEN_ENV": "test"}
    done = jiefen_command("seed", str(DEMO_SEED), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp_path


def _walk_to_agreement(live: Live) -> tuple[httpx2.Client, dict[str, str], dict]:
    client = httpx2.Client(base_url=live.url, timeout=30)
    case = case_in(client, lambda u: _login(client, u), "agreement")  # type: ignore[arg-type]
    return client, _login(client, "mediator1"), case


def test_serve_starts_a_render_worker_that_renders_what_the_api_registered(seeded: Path):
    with jiefen_serve(seeded, render=True) as live:
        children = _children(live.proc.pid)
        workers = [pid for pid, cmd in children.items() if cmd.endswith("api.cli documents work")]
        assert len(workers) == 1, children
        client, mediator, case = _walk_to_agreement(live)
        docs = _documents_rendered(client, mediator, case["id"])
        assert set(docs) == {"intake_receipt", "acceptance_notice", "mediation_agreement"}
        # what the render worker measured is in the API's /metrics (one PROMETHEUS_MULTIPROC_DIR for both)
        scraped = client.get("/metrics").text
        for kind in docs:
            assert f'jiefen_document_render_seconds_count{{kind="{kind}",outcome="rendered"}} 1.0' in scraped, scraped
        pdf = client.get(f"/api/v1/documents/{docs['mediation_agreement']['id']}/pdf", headers=mediator)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        # the API process itself never loaded the PDF machinery
        maps = Path(f"/proc/{live.proc.pid}/maps").read_text()
        assert "libpango" not in maps and "weasyprint" not in maps
        worker_maps = Path(f"/proc/{workers[0]}/maps").read_text()
        assert "libpango" in worker_maps  # it is the render worker that did
        directory = metrics_dir(workers[0])
        assert directory is not None and Path(directory).is_dir()
    assert _gone(workers[0])  # stopped with the server
    assert live.proc.returncode == -signal.SIGTERM  # dies of the SIGTERM it was stopped with, as before
    assert not Path(directory).exists()  # and the metrics directory it made is gone with it


def test_without_a_render_worker_documents_wait_pending(seeded: Path):
    with jiefen_serve(seeded) as live:  # --no-render-worker
        assert not [c for c in _children(live.proc.pid).values() if "documents work" in c]
        client, mediator, case = _walk_to_agreement(live)
        time.sleep(1.0)
        docs = client.get(f"/api/v1/cases/{case['id']}/documents", headers=mediator).json()
        assert {d["status"] for d in docs} == {"pending"}


def test_workers_n_gives_n_api_processes_one_render_worker_and_one_scheduler(seeded: Path):
    # the scheduler on (jiefen_serve turns it off by default): exactly one API process takes the sweep lock
    with jiefen_serve(seeded, "--workers", "2", render=True) as live:
        command = [a for a in Path(f"/proc/{live.proc.pid}/cmdline").read_bytes().split(b"\0") if a]
        assert b"--workers" in command
        deadline = time.monotonic() + 60
        while True:
            children = _children(live.proc.pid)
            renderers = [p for p, c in children.items() if c.endswith("api.cli documents work")]
            api = [p for p in children if p not in renderers and "resource_tracker" not in children[p]]
            if len(api) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(renderers) == 1 and len(api) == 2, children
        client, mediator, case = _walk_to_agreement(live)
        assert set(_documents_rendered(client, mediator, case["id"])) == {
            "intake_receipt",
            "acceptance_notice",
            "mediation_agreement",
        }
        assert all(_alive(p) for p in api)
        live.proc.send_signal(signal.SIGTERM)
        live.proc.wait(30)
    assert all(_gone(p) for p in [*api, *renderers])


def test_with_the_scheduler_on_two_api_processes_sweep_from_one(seeded: Path):
    env = {
        **os.environ,
        "JIEFEN_DATABASE_URL": f"sqlite:///{seeded / 'jiefen.db'}",
        "JIEFEN_ENV": "test",
        "JIEFEN_SECRET_KEY": "live-server-secret-key-long-enough-0123456789",
        "JIEFEN_SWEEP_SECONDS": "1",
    }
    command = [str(JIEFEN), "serve", "--port", str(free_port()), "--workers", "2", "--no-render-worker"]
    with serving(command, env, seeded / "serve.log") as live:
        deadline = time.monotonic() + 60
        while live.output().count("deadline") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
    out = live.output()
    assert out.count("deadline scheduler started") == 1, out
    assert out.count("another process runs the deadline sweep for this database") == 1, out
