"""The documents outbox on both databases: registered in the transition's transaction, rendered
after commit, idempotent, retried on failure, never two rendered versions for one row, a crash
mid-render loses nothing, a correction is a new version."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models.settings import get_settings
from models.tables import CaseEvent, Document
from states.enums import State
from tests.documents.support import documents_of
from tests.factories import make_case
from workflows import audit
from workflows.outbox import documents as documents_outbox
from workflows.outbox.documents import produce, reissue, render_pending, retry_failed


def _events(session, case_id, trigger="document_generated"):
    session.expire_all()
    return session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.trigger == trigger).order_by(CaseEvent.seq)
    ).all()


def test_a_transition_registers_pending_documents_in_its_own_transaction(session):
    case = make_case(session, state=State.AGREEMENT)
    docs = documents_of(session, case.id)
    assert set(docs) == {"intake_receipt", "acceptance_notice", "mediation_agreement"}
    assert all(d.status == "pending" and d.content is None and d.sha256 is None for d in docs.values())
    events = {e.trigger: e.seq for e in session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id))}
    assert docs["intake_receipt"].source_event_seq == events["open"]
    assert docs["acceptance_notice"].source_event_seq == events["divert"]
    assert docs["mediation_agreement"].source_event_seq == events["reach_agreement"]


def test_render_pending_twice_gives_one_rendered_version_and_one_event(session):
    case = make_case(session, state=State.INTAKE)
    first = render_pending(session)
    second = render_pending(session)
    assert len(first.rendered) == 1 and first.failed == []
    assert second.rendered == [] and second.failed == []
    (doc,) = documents_of(session, case.id).values()
    assert doc.status == "rendered" and doc.content.startswith(b"%PDF") and doc.attempts == 1
    assert doc.sha256 == documents_outbox.render.sha256(doc.content)
    (event,) = _events(session, case.id)
    assert event.payload["document_id"] == str(doc.id) and event.payload["sha256"] == doc.sha256
    assert event.from_state == event.to_state == "intake"
    checked, broken = audit.verify(session, case_id=case.id)
    assert broken is None and checked == 2  # open, document_generated


def test_two_workers_racing_on_one_row_store_one_version(session):
    case = make_case(session, state=State.INTAKE)
    (doc,) = documents_of(session, case.id).values()
    settings = get_settings()
    pdf_a, code_a = produce(session, doc, settings=settings)
    pdf_b, code_b = produce(session, doc, settings=settings)
    session.rollback()
    assert documents_outbox._store(session, doc.id, pdf_a, code_a) is True
    assert documents_outbox._store(session, doc.id, pdf_b, code_b) is False  # no longer pending: discarded
    (stored,) = documents_of(session, case.id).values()
    assert stored.content == pdf_a
    assert len(_events(session, case.id)) == 1


def test_a_failed_render_is_recorded_and_retried_later(session, monkeypatch):
    case = make_case(session, state=State.INTAKE)
    real = documents_outbox.render.render_pdf
    calls = {"n": 0}

    def flaky(html):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("Pango went away")
        return real(html)

    monkeypatch.setattr(documents_outbox.render, "render_pdf", flaky)
    report = render_pending(session)
    assert [d for d, _ in report.failed] and "Pango went away" in report.failed[0][1]
    (doc,) = documents_of(session, case.id).values()
    assert (doc.status, doc.attempts, doc.content) == ("pending", 1, None)
    assert "RuntimeError: Pango went away" in doc.last_error
    assert render_pending(session).rendered == []  # backing off: not due yet
    later = datetime.now(UTC) + timedelta(hours=2)
    assert len(render_pending(session, now=later).rendered) == 1
    (doc,) = documents_of(session, case.id).values()
    assert (doc.status, doc.attempts, doc.last_error) == ("rendered", 2, None)
    assert len(_events(session, case.id)) == 1


def test_the_documents_render_flow_retries_a_failed_render_when_it_is_due(session, engine, monkeypatch):
    # what the embedded scheduler runs after each sweep, and the Prefect flow in distributed mode:
    # no transition of the case is needed for the retry
    from workflows.flows.definitions import documents_render, using_engine

    case = make_case(session, state=State.INTAKE)
    real = documents_outbox.render.render_pdf

    def broken(html):
        raise OSError("disk full")

    monkeypatch.setattr(documents_outbox.render, "render_pdf", broken)
    with using_engine(engine):
        assert documents_render.fn() == {"rendered": 0, "failed": 1, "skipped": 0}
        monkeypatch.setattr(documents_outbox.render, "render_pdf", real)
        assert documents_render.fn() == {"rendered": 0, "failed": 0, "skipped": 0}  # backing off
        later = datetime.now(UTC) + timedelta(hours=2)
        assert documents_render.fn(now=later) == {"rendered": 1, "failed": 0, "skipped": 0}
    session.rollback()  # the flow rendered on sessions of its own: end this one's read snapshot
    (doc,) = documents_of(session, case.id).values()
    assert (doc.status, doc.attempts) == ("rendered", 2) and doc.content.startswith(b"%PDF")


def test_a_crash_mid_render_loses_nothing(session, monkeypatch):
    case = make_case(session, state=State.INTAKE)

    def killed(html):
        raise KeyboardInterrupt  # the process dies inside WeasyPrint: nothing is caught, nothing committed

    monkeypatch.setattr(documents_outbox.render, "render_pdf", killed)
    with pytest.raises(KeyboardInterrupt):
        render_pending(session)
    monkeypatch.undo()
    session.rollback()
    (doc,) = documents_of(session, case.id).values()
    assert (doc.status, doc.attempts, doc.content) == ("pending", 0, None)
    assert len(render_pending(session).rendered) == 1  # the next run (jiefen documents render) finishes it
    assert len(_events(session, case.id)) == 1


def test_an_undrawable_character_fails_the_document_naming_it_never_a_boxed_pdf(session):
    parties = [
        {"role": "applicant", "kind": "person", "name": "张\ue000三", "id_number": "11010519491231002X"},
        {"role": "respondent", "kind": "person", "name": "李四", "id_number": "110105198001010016"},
    ]
    case = make_case(session, state=State.INTAKE, parties=parties)
    settings = get_settings().model_copy(update={"render_max_attempts": 1})
    report = render_pending(session, settings=settings)
    assert len(report.failed) == 1
    (doc,) = documents_of(session, case.id).values()
    assert doc.status == "failed" and doc.content is None and doc.sha256 is None
    assert "U+E000" in doc.last_error and "parties[0].name" in doc.last_error
    assert _events(session, case.id) == []
    assert retry_failed(session, case_id=case.id) == 1
    (doc,) = documents_of(session, case.id).values()
    assert doc.status == "pending" and doc.attempts == 0


def test_a_correction_is_a_new_version_naming_the_one_it_replaces(session):
    case = make_case(session, state=State.INTAKE)
    render_pending(session)
    (old,) = documents_of(session, case.id).values()
    old_bytes, old_sha = old.content, old.sha256
    new_id = reissue(session, old.id)
    with pytest.raises(ValueError):
        reissue(session, new_id)  # not rendered yet
    render_pending(session)
    session.expire_all()
    rows = session.exec(select(Document).where(Document.case_id == case.id).order_by(Document.version)).all()
    assert [(d.version, d.status) for d in rows] == [(1, "rendered"), (2, "rendered")]
    assert rows[0].content == old_bytes and rows[0].sha256 == old_sha  # never overwritten
    assert rows[1].replaces_id == old.id and rows[1].sha256 != old_sha
    events = _events(session, case.id)
    assert [e.payload["version"] for e in events] == [1, 2]
    assert events[1].payload["replaces_id"] == str(old.id)
    with pytest.raises(ValueError):
        reissue(session, old.id)  # correct the latest version, not a superseded one


def test_a_mediation_timeout_produces_a_termination_notice_saying_the_period_expired(session):
    from tests.documents.support import rendered
    from tests.factories import T0
    from workflows.access import SYSTEM_TIMEOUT
    from workflows.engine import fire

    case = make_case(session, state=State.MEDIATION, channel="court_referral")  # 委派: deemed failed on expiry
    fire(
        session,
        case_id=case.id,
        trigger="mediation_timeout",
        actor=SYSTEM_TIMEOUT,
        payload={},
        now=T0 + timedelta(days=60),
    )
    report = render_pending(session)
    assert report.failed == []
    notice = rendered(documents_of(session, case.id)["termination_notice"])
    # a court-assigned (委派) mediation ends when its 30 days run out (特邀调解规定 第27条), and the
    # court registers the case if the party still sues (第21条); nothing here is "deemed" failed
    for item in ("委派调解的期限届满", "未能达成调解协议", "第二十七条", "人民法院"):
        assert item in notice.flat, item
    assert "视为调解不成" not in notice.flat
