"""GET /metrics (CONTRACT §5 v2, api/metrics.py): figures that move with the data by exactly what changed,
request latency labelled by route template (bounded series, no ids), and who may read it in production."""

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from models.settings import Settings, get_settings
from models.tables import Deadline, Document, Notification
from states.enums import Role
from tests.api.steps import act, open_case
from tests.factories import MEDIATION_ORG
from workflows.access import Actor
from workflows.outbox import documents as outbox_documents
from workflows.read.supervision import overdue as overdue_board

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
SECRET = "metrics-test-secret-key-0123456789abcdef"
TOKEN = "metrics-scrape-token-5f0c1e9a7b3d4c2e8a6f"


def scrape(client: TestClient, **kw: object) -> Samples:
    r = client.get("/metrics", **kw)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def assert_board_agrees(engine: Engine, samples: Samples) -> None:
    """The clocks overdue and due soon are the 督办 board's, over every case (an admin's board)."""
    with Session(engine) as s:
        board = overdue_board(s, Actor("admin", Role.ADMIN), within_days=3)
    overdue = sum(v for (name, _), v in samples.items() if name == "jiefen_deadlines_overdue")
    soon = sum(v for (name, _), v in samples.items() if name == "jiefen_deadlines_due_soon")
    assert (overdue, soon) == (sum(o.overdue for o in board.data), sum(o.soon_due for o in board.data))


@pytest.fixture
def quiet_client(engine: Engine) -> Iterator[TestClient]:
    """No renderer: the documents a transition registers stay pending until the test renders them."""
    with TestClient(create_app(get_settings(), engine=engine)) as c:
        yield c


def test_the_figures_move_by_exactly_what_changed(quiet_client, login, engine, monkeypatch):
    client, window = quiet_client, login("window1")
    before = scrape(client)

    first = open_case(client, window, dispute_type="neighbour")
    open_case(client, window, dispute_type="neighbour")
    open_case(client, window, dispute_type="labour")
    after_intake = scrape(client)
    assert moved(before, after_intake, "jiefen_cases", state="intake", dispute_type="neighbour") == 2
    assert moved(before, after_intake, "jiefen_cases", state="intake", dispute_type="labour") == 1
    assert value(after_intake, "jiefen_database_up") == 1
    intake_triggers = {
        dict(labels)["trigger"]: v - value(before, name, **dict(labels))
        for (name, labels), v in after_intake.items()
        if name == "jiefen_transitions_total" and v != value(before, name, **dict(labels))
    }
    assert sum(intake_triggers.values()) == 3  # one event per case opened

    act(client, window, first["id"], "divert", {"org_code": MEDIATION_ORG})
    after_divert = scrape(client)
    assert moved(after_intake, after_divert, "jiefen_cases", state="intake", dispute_type="neighbour") == -1
    assert moved(after_intake, after_divert, "jiefen_cases", state="diversion", dispute_type="neighbour") == 1
    assert moved(after_intake, after_divert, "jiefen_transitions_total", trigger="divert") == 1

    # The clock divert opened: made overdue in the database, it moves from "due soon"/nothing to overdue.
    case_id = uuid.UUID(first["id"])
    with Session(engine) as s:
        clocks = s.exec(
            sa.select(Deadline.kind).where(Deadline.case_id == case_id, Deadline.status == "pending")  # type: ignore[arg-type]
        ).all()
        assert len(clocks) == 1, clocks
        (kind,) = clocks[0]
        s.execute(
            sa.update(Deadline)
            .where(Deadline.case_id == case_id)  # type: ignore[arg-type]
            .values(due_at=datetime.now(UTC) - timedelta(hours=1))
        )
        s.commit()
    after_late = scrape(client)
    assert moved(after_divert, after_late, "jiefen_deadlines_overdue", kind=kind) == 1
    assert_board_agrees(engine, after_late)
    # Fired by the sweep, and the case still in the clock's stage: still overdue, as the board says.
    with Session(engine) as s:
        s.execute(sa.update(Deadline).where(Deadline.case_id == case_id).values(status="fired"))  # type: ignore[arg-type]
        s.commit()
    after_fired = scrape(client)
    assert value(after_fired, "jiefen_deadlines_overdue", kind=kind) == value(
        after_late, "jiefen_deadlines_overdue", kind=kind
    )
    assert_board_agrees(engine, after_fired)

    # Its documents are pending; one render that fails for good moves one from pending to failed.
    with Session(engine) as s:
        docs = s.exec(sa.select(Document.kind).where(Document.case_id == case_id)).all()  # type: ignore[arg-type]
    assert docs, "divert registers a document"
    doc_kind = docs[0][0]
    pending = value(after_late, "jiefen_outbox_documents", kind=doc_kind, status="pending")
    assert pending >= 1
    assert value(after_late, "jiefen_outbox_documents_oldest_pending_seconds") >= 0

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("font missing (test)")

    monkeypatch.setattr(outbox_documents, "produce", broken)
    settings = get_settings().model_copy(update={"render_max_attempts": 1})
    with Session(engine, expire_on_commit=False) as s:
        report = outbox_documents.render_pending(s, case_id=case_id, limit=1, settings=settings)
    assert len(report.failed) == 1
    after_fail = scrape(client)
    assert moved(after_late, after_fail, "jiefen_outbox_documents", kind=doc_kind, status="pending") == -1
    assert moved(after_late, after_fail, "jiefen_outbox_documents", kind=doc_kind, status="failed") == 1
    assert moved(after_late, after_fail, "jiefen_document_render_seconds_count", kind=doc_kind, outcome="failed") == 1

    # Court webhook pushes: one failing (retrying), one given up.
    with Session(engine) as s:
        for status, attempts in (("pending", 2), ("failed", 6)):
            s.add(
                Notification(
                    kind="court_webhook", case_id=case_id, status=status, attempts=attempts, payload={"n": attempts}
                )
            )
        s.commit()
    after_push = scrape(client)
    assert moved(after_fail, after_push, "jiefen_outbox_notifications", kind="court_webhook", status="pending") == 1
    assert moved(after_fail, after_push, "jiefen_outbox_notifications", kind="court_webhook", status="failed") == 1
    assert moved(after_fail, after_push, "jiefen_outbox_notifications_retrying", kind="court_webhook") == 1


def test_two_cases_on_one_route_are_one_series_without_their_ids(client, login):
    window = login("window1")
    ids = [open_case(client, window)["id"] for _ in range(2)]
    before = scrape(client)
    for case_id in ids:
        assert client.get(f"/api/v1/cases/{case_id}", headers=window).status_code == 200
    assert client.get("/no/such/page-" + ids[0]).status_code == 404
    r = client.get("/metrics")
    after = scrape(client)
    route = {"method": "GET", "route": "/api/v1/cases/{case_id}", "status": "2xx"}
    assert moved(before, after, "jiefen_http_request_duration_seconds_count", **route) == 2
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "4xx"}
    assert moved(before, after, "jiefen_http_request_duration_seconds_count", **unmatched) == 1
    assert not any(case_id in r.text for case_id in ids)
    routes = {dict(labels)["route"] for (name, labels) in after if name == "jiefen_http_request_duration_seconds_count"}
    assert not [r for r in routes if UUID.search(r)], routes  # templates only, never a path a client sent


def test_metrics_is_not_in_the_openapi_document_and_passes_the_in_flight_limit(app):
    assert "/metrics" not in app.openapi()["paths"]
    from api.limits import InFlightLimit

    limits = [m for m in app.user_middleware if m.cls is InFlightLimit]
    assert limits and "/metrics" in limits[0].kwargs["exempt_prefixes"]


def test_a_request_carries_its_id_back(client):
    assert len(client.get("/healthz").headers["x-request-id"]) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a"}).headers["x-request-id"] == "lb-7f3a"
    odd = client.get("/healthz", headers={"X-Request-ID": "a b\tc"}).headers["x-request-id"]
    assert odd != "a b\tc" and len(odd) == 32


# Production: who may read it.


def production(**over: object) -> Settings:
    return Settings(env="production", secret_key=SECRET, **over)  # type: ignore[arg-type]


def _get(engine: Engine, settings: Settings, *, address: str = "testclient", **kw: object) -> int:
    with TestClient(create_app(settings, engine=engine), client=(address, 50000)) as c:
        return c.get("/metrics", **kw).status_code  # type: ignore[arg-type]


def test_production_without_token_or_addresses_has_no_metrics(sqlite_only):
    assert _get(sqlite_only, production()) == 404
    assert _get(sqlite_only, production(), address="127.0.0.1") == 404


def test_production_asks_for_the_token(sqlite_only):
    settings = production(metrics_token=TOKEN)
    assert _get(sqlite_only, settings) == 401
    assert _get(sqlite_only, settings, headers={"Authorization": f"Bearer {TOKEN[:-1]}x"}) == 401
    assert _get(sqlite_only, settings, headers={"Authorization": f"Basic {TOKEN}"}) == 401
    assert _get(sqlite_only, settings, headers={"Authorization": SECRET}) == 401
    assert _get(sqlite_only, settings, headers={"Authorization": f"Bearer {TOKEN}"}) == 200


def test_production_serves_the_addresses_configured(sqlite_only):
    settings = production(metrics_allow="192.0.2.7, 10.1.0.0/16, 2001:db8::/32")
    assert _get(sqlite_only, settings, address="10.1.200.3") == 200
    assert _get(sqlite_only, settings, address="192.0.2.7") == 200
    assert _get(sqlite_only, settings, address="2001:db8::5") == 200
    assert _get(sqlite_only, settings, address="10.2.0.1") == 404
    assert _get(sqlite_only, settings, address="testclient") == 404
    both = production(metrics_allow="10.1.0.0/16", metrics_token=TOKEN)
    assert _get(sqlite_only, both, address="10.1.0.9") == 200
    assert _get(sqlite_only, both, address="10.9.0.9") == 401


@pytest.mark.parametrize("token", ["short-token", SECRET, "a" * 40])
def test_a_weak_metrics_token_is_refused_outside_development_without_showing_it(token):
    with pytest.raises(ValidationError) as refused:
        production(metrics_token=token)
    text = str(refused.value)
    assert "JIEFEN_METRICS_TOKEN" in text and token not in text
    Settings(env="development", metrics_token=token)  # type: ignore[arg-type]  # a developer's machine: anything


def test_metrics_allow_must_be_addresses():
    with pytest.raises(ValidationError) as refused:
        production(metrics_allow="10.0.0.0/8, intranet")
    assert "JIEFEN_METRICS_ALLOW" in str(refused.value)


def test_an_open_scrape_in_development_lists_every_family(client):
    names = {name for name, _ in scrape(client)}
    for family in (
        "jiefen_http_request_duration_seconds_bucket",
        "jiefen_outbox_documents_oldest_pending_seconds",
    ):
        assert family in names
    text = client.get("/metrics").text
    for family in (
        "jiefen_cases",
        "jiefen_transitions_total",
        "jiefen_deadlines_overdue",
        "jiefen_deadlines_due_soon",
        "jiefen_outbox_documents",
        "jiefen_outbox_notifications",
        "jiefen_document_render_seconds",
    ):
        assert f"# TYPE {family} " in text, family


def test_a_database_that_does_not_answer_is_a_figure_not_a_500(tmp_path):
    from models.db import make_engine

    gone = make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'jiefen.db'}")
    with TestClient(create_app(get_settings(), engine=gone)) as c:
        assert c.get("/healthz").status_code == 200
        samples = scrape(c)
    assert value(samples, "jiefen_database_up") == 0
    assert not [name for name, _ in samples if name.startswith("jiefen_cases")]
    assert [name for name, _ in samples if name.startswith("jiefen_http_request_duration_seconds")]
