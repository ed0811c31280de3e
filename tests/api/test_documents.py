"""Documents through HTTP (docs/contract.md §5): rendered by the render worker after the transition,
scoped like their case, /pdf 409 until rendered, and public verification that tells only the kind,
the case number and the date."""

import hashlib
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from models.settings import get_settings
from models.tables import Document
from tests.api.rendering import with_renderer
from tests.api.steps import case_in


@pytest.fixture
def app(engine):
    return with_renderer(create_app(get_settings(), engine=engine))


@pytest.fixture
def quiet_app(engine):
    """No renderer: the documents stay pending."""
    return create_app(get_settings(), engine=engine)


def _docs(client, headers, case_id):
    r = client.get(f"/api/v1/cases/{case_id}/documents", headers=headers)
    assert r.status_code == 200, r.text
    return {d["kind"]: d for d in r.json()}


def test_an_agreement_is_rendered_after_the_transition_and_served_as_pdf(client, login):
    mediator = login("mediator1")
    case = case_in(client, login, "agreement")
    docs = _docs(client, mediator, case["id"])
    assert set(docs) == {"intake_receipt", "acceptance_notice", "mediation_agreement"}
    agreement = docs["mediation_agreement"]
    assert agreement["status"] == "rendered" and len(agreement["sha256"]) == 64 and agreement["version"] == 1
    meta = client.get(f"/api/v1/documents/{agreement['id']}", headers=mediator)
    assert meta.status_code == 200 and meta.json()["sha256"] == agreement["sha256"]
    pdf = client.get(f"/api/v1/documents/{agreement['id']}/pdf", headers=mediator)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == agreement["sha256"]
    events = client.get(f"/api/v1/cases/{case['id']}/events", headers=mediator).json()
    generated = [e for e in events if e["trigger"] == "document_generated"]
    assert sorted(e["payload"]["kind"] for e in generated) == [
        "acceptance_notice",
        "intake_receipt",
        "mediation_agreement",
    ]


def test_documents_are_scoped_like_their_case(client, login):
    case = case_in(client, login, "agreement")
    doc = _docs(client, login("mediator1"), case["id"])["mediation_agreement"]
    other = login("mediator2")  # the labour mediation centre: may not see this neighbour case
    assert client.get(f"/api/v1/cases/{case['id']}/documents", headers=other).status_code == 404
    for suffix in ("", "/pdf"):
        r = client.get(f"/api/v1/documents/{doc['id']}{suffix}", headers=other)
        assert r.status_code == 404 and r.json() == {"detail": "文书不存在"}


def test_verification_answers_only_kind_case_number_and_date_without_login(client, login):
    case = case_in(client, login, "agreement")
    doc = _docs(client, login("mediator1"), case["id"])["mediation_agreement"]
    r = client.get(f"/api/v1/documents/verify/{doc['sha256']}")  # no Authorization header
    assert r.status_code == 200, r.text
    assert r.json() == {"kind": "mediation_agreement", "case_no": case["case_no"], "date": r.json()["date"]}
    assert set(r.json()) == {"kind", "case_no", "date"}
    assert r.json()["date"] == doc["created_at"][:10]


@pytest.mark.parametrize("code", ["0" * 64, "not-a-code", "A" * 200, "%20"])
def test_verification_of_an_unknown_code_is_404(client, code):
    r = client.get(f"/api/v1/documents/verify/{code}")
    assert r.status_code == 404
    assert r.json() == {"detail": "未找到与该核验码对应的文书"}


def test_the_qr_code_of_a_document_verifies(client, login, engine):
    case = case_in(client, login, "diversion")
    doc = _docs(client, login("window1"), case["id"])["acceptance_notice"]
    with Session(engine) as s:
        code = s.get(Document, uuid.UUID(doc["id"])).verify_code
    assert code and code != doc["sha256"]
    r = client.get(f"/api/v1/documents/verify/{code}")
    assert r.status_code == 200 and r.json()["kind"] == "acceptance_notice"


def test_pdf_is_409_while_the_document_is_still_pending(quiet_app, login):
    with TestClient(quiet_app) as client:
        case = case_in(client, login, "diversion")
        docs = _docs(client, login("window1"), case["id"])
        doc = docs["acceptance_notice"]
        assert doc["status"] == "pending" and doc["sha256"] is None
        r = client.get(f"/api/v1/documents/{doc['id']}/pdf", headers=login("window1"))
        assert r.status_code == 409
        assert r.json()["detail"] == "文书正在生成，请稍后再试" and r.json()["status"] == "pending"
        # the verification of a pending document's (future) code is 404 like any unknown code
        assert client.get("/api/v1/documents/verify/" + "f" * 64).status_code == 404


def test_request_confirmation_produces_the_application(client, login):
    case = case_in(client, login, "judicial_confirmation")
    docs = _docs(client, login("mediator1"), case["id"])
    assert docs["confirmation_application"]["status"] == "rendered"


def test_fail_produces_the_termination_notice(client, login):
    case = case_in(client, login, "failed")
    docs = _docs(client, login("mediator1"), case["id"])
    assert docs["termination_notice"]["status"] == "rendered"
