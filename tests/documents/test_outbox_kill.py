"""A kill during render recovers. A real process runs `render_pending` against a SQLite file
database holding pending documents and is SIGKILLed mid-way — inside WeasyPrint, or inside the store
transaction after the event was appended but before the commit. Its claims hold the rest until they lapse;
then `jiefen documents render --reclaim` runs and every document ends rendered exactly once: one version, one document_generated event each, the
audit chains intact."""

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models.db import make_engine
from models.migrate import upgrade
from models.tables import CaseEvent, Document
from states.enums import State
from tests.conftest import _seed
from tests.factories import make_case
from workflows import audit

ROOT = Path(__file__).resolve().parents[2]
JIEFEN = Path(sys.executable).parent / "jiefen"


def _killed_at_ready(args: list[str], env: dict[str, str], timeout: float = 180) -> str:
    """Start the victim, wait for its "ready", SIGKILL it there. Returns what it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.documents.render_victim", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    guard = threading.Timer(timeout, proc.kill)  # never hang the suite if "ready" does not come
    guard.start()
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if line.strip() == "ready":
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        guard.cancel()
    err = proc.stderr.read() if proc.stderr else ""
    assert line.strip() == "ready", f"victim did not reach its stop point: {line!r} {err[-2000:]}"
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, err[-2000:])
    return line


def _state(engine):  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        docs = s.exec(select(Document).order_by(Document.created_at, Document.id)).all()
        events = s.exec(select(CaseEvent).where(CaseEvent.trigger == "document_generated")).all()
        return (
            [(d.id, d.case_id, d.kind, d.version, d.status, d.sha256, d.content is not None) for d in docs],
            [e.payload for e in events],
        )


@pytest.mark.parametrize("stop_at", ["render", "store"])
def test_a_kill_during_render_recovers(tmp_path, stop_at):
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    upgrade(url)
    engine = make_engine(url)
    _seed(engine)
    with Session(engine, expire_on_commit=False) as s:
        cases = [make_case(s, state=State.INTAKE) for _ in range(2)]  # an intake receipt each
        cases.append(make_case(s, state=State.DIVERSION))  # intake receipt + acceptance notice
    docs, events = _state(engine)
    assert len(docs) == 4 and {d[4] for d in docs} == {"pending"} and events == []

    env = {**os.environ, "JIEFEN_DATABASE_URL": url}
    _killed_at_ready([url, stop_at, "2"], env)  # killed on the second document

    docs, events = _state(engine)
    by_status = Counter(d[4] for d in docs)
    # The first document was stored and committed before the kill; the second was lost with the
    # process (mid-render, or in its uncommitted store transaction) and is still pending, untouched.
    assert by_status == {"rendered": 1, "pending": 3}, docs
    assert len(events) == 1 and events[0]["document_id"] == str(docs[0][0])
    second = docs[1]
    assert (second[4], second[5], second[6]) == ("pending", None, False)
    with Session(engine) as s:
        assert audit.verify(s)[1] is None  # the killed transaction left no half-written event

    # The killed renderer's claims hold the other three until they lapse (JIEFEN_RENDER_CLAIM_SECONDS) ...
    held = subprocess.run(
        [str(JIEFEN), "documents", "render"], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert held.returncode == 0 and "0 rendered, 0 failed" in held.stdout, held.stdout + held.stderr
    # ... or until an operator who knows it is dead takes them over
    out = subprocess.run(
        [str(JIEFEN), "documents", "render", "--reclaim"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 rendered, 0 failed" in out.stdout, out.stdout + out.stderr

    docs, events = _state(engine)
    assert len(docs) == 4  # no duplicate rows, no extra versions
    assert all(d[4] == "rendered" and d[6] and d[5] for d in docs), docs
    assert Counter((d[1], d[2]) for d in docs).most_common(1)[0][1] == 1  # one document per (case, kind)
    assert {d[3] for d in docs} == {1}
    per_doc = Counter(e["document_id"] for e in events)
    assert per_doc == {str(d[0]): 1 for d in docs}  # exactly one document_generated event each
    assert {e["document_id"]: e["sha256"] for e in events} == {str(d[0]): d[5] for d in docs}
    with Session(engine) as s:
        checked, broken = audit.verify(s)
        assert broken is None and checked > 0

    again = subprocess.run(
        [str(JIEFEN), "documents", "render"], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert again.returncode == 0 and "0 rendered, 0 failed" in again.stdout, again.stdout + again.stderr
    assert _state(engine) == (docs, events)  # idempotent: nothing re-rendered
    engine.dispose()
