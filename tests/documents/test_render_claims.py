"""Several renderers on one database render each document once (workflows/outbox/claims.py), on SQLite
and PostgreSQL: claims are disjoint, a lapsed claim is free again, a stopping renderer gives back what it
did not start, and the render worker loop renders what becomes due."""

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from models.db import write_transaction
from models.settings import get_settings
from models.tables import CaseEvent, Document
from states.enums import State
from tests.factories import make_case
from workflows import audit
from workflows.outbox import claims, documents as documents_outbox
from workflows.outbox.documents import claim_due, render_pending
from workflows.outbox.worker import RenderWorker


def _documents(engine) -> list[Document]:
    with Session(engine) as s:
        return list(s.exec(select(Document).order_by(Document.created_at, Document.id)))


def _generated(engine) -> Counter[str]:
    with Session(engine) as s:
        events = s.exec(select(CaseEvent).where(CaseEvent.trigger == "document_generated"))
        return Counter(e.payload["document_id"] for e in events)


def test_two_renderers_at_once_claim_disjoint_documents_and_render_each_once(engine, session):
    for _ in range(3):
        make_case(session, state=State.DIVERSION)  # an intake receipt and an acceptance notice each
    assert len(_documents(engine)) == 6
    start = threading.Barrier(2)
    reports: dict[str, documents_outbox.RenderReport] = {}

    def renderer(name: str) -> None:
        with Session(engine, expire_on_commit=False) as s:
            start.wait()
            reports[name] = render_pending(s, limit=3, renderer=name)

    threads = [threading.Thread(target=renderer, args=(n,)) for n in ("render-a", "render-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    a, b = set(reports["render-a"].rendered), set(reports["render-b"].rendered)
    assert len(a) == len(b) == 3 and not a & b  # each took three, none the other's
    assert reports["render-a"].skipped == reports["render-b"].skipped == []  # nobody did work for nothing
    docs = _documents(engine)
    assert all(d.status == "rendered" and d.claimed_by is None and d.claimed_until is None for d in docs)
    assert _generated(engine) == {str(d.id): 1 for d in docs}
    with Session(engine) as s:
        assert audit.verify(s)[1] is None


def test_a_claim_holds_a_document_until_it_lapses(engine, session):
    case = make_case(session, state=State.INTAKE)  # its intake receipt alone
    settings = get_settings()
    now = datetime.now(UTC)
    (held,) = claim_due(session, renderer="render@dead-host:1:abc", now=now, limit=5, settings=settings)
    (doc,) = _documents(engine)
    assert doc.id == held and doc.claimed_by == "render@dead-host:1:abc"
    assert doc.claimed_until is not None and doc.claimed_until > now
    # another renderer finds nothing to do while the claim holds ...
    assert claim_due(session, renderer="render-b", now=now, limit=5, settings=settings) == []
    assert render_pending(session, case_id=case.id).rendered == []
    # ... and takes it once the claim has lapsed (its renderer died)
    later = now + timedelta(seconds=settings.render_claim_seconds + 1)
    report = render_pending(session, now=later, renderer="render-b")
    assert report.rendered == [doc.id]
    (doc,) = _documents(engine)
    assert doc.status == "rendered" and doc.claimed_by is None


def test_reclaim_takes_over_a_live_claim_and_release_gives_one_back(engine, session):
    make_case(session, state=State.INTAKE)
    now = datetime.now(UTC)
    settings = get_settings()
    (held,) = claim_due(session, renderer="render-a", now=now, limit=5, settings=settings)
    with write_transaction(session) as conn:
        claims.release(conn, held, "render-someone-else")  # only its holder can give it back
    assert _documents(engine)[0].claimed_by == "render-a"
    with write_transaction(session) as conn:
        claims.release(conn, held, "render-a")
    assert _documents(engine)[0].claimed_by is None
    claim_due(session, renderer="render-a", now=now, limit=5, settings=settings)
    assert render_pending(session).rendered == []
    assert render_pending(session, reclaim=True).rendered == [held]


def test_a_stopping_worker_gives_back_the_documents_it_did_not_start(engine, session, monkeypatch):
    for _ in range(3):
        make_case(session, state=State.INTAKE)
    settings = get_settings().model_copy(update={"render_batch": 3})
    worker = RenderWorker(engine, settings, renderer="render-stopping")
    real = documents_outbox.render_one

    def render_then_stop(s: Session, doc_id: uuid.UUID, **kw: object) -> tuple[str, str]:
        worker.stop()  # SIGTERM arrives while the first document renders
        return real(s, doc_id, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr("workflows.outbox.worker.render_one", render_then_stop)
    assert worker.run_once() == 3
    docs = _documents(engine)
    assert Counter(d.status for d in docs) == {"rendered": 1, "pending": 2}
    assert all(d.claimed_by is None for d in docs)  # the two it did not start are free at once
    monkeypatch.undo()
    assert len(render_pending(session).rendered) == 2


def test_the_worker_loop_renders_what_becomes_due_and_stops_when_told(engine, session):
    settings = get_settings().model_copy(update={"render_poll_seconds": 0.05})
    worker = RenderWorker(engine, settings)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        case = make_case(session, state=State.AGREEMENT)  # produced while the worker is polling
        deadline = datetime.now(UTC) + timedelta(seconds=120)
        while datetime.now(UTC) < deadline and worker.totals.rendered < 3:
            threading.Event().wait(0.05)
    finally:
        worker.stop()
        thread.join(60)
    assert not thread.is_alive()
    assert worker.totals.rendered == 3 and worker.totals.failed == 0
    docs = [d for d in _documents(engine) if d.case_id == case.id]
    assert {d.kind: d.status for d in docs} == {
        "intake_receipt": "rendered",
        "acceptance_notice": "rendered",
        "mediation_agreement": "rendered",
    }


@pytest.mark.parametrize("role", ["render", "flow"])
def test_a_renderer_name_says_where_it_runs(role):
    name = claims.renderer_name(role)
    assert name.startswith(f"{role}@") and len(name) <= 80
    assert name != claims.renderer_name(role)  # two renderers in one process differ too
