"""Over HTTP: an admin configures a court's webhook (the secret is never returned), and a push
that never gets through is listed for supervisors at GET /api/v1/supervision/undelivered."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.api.steps import case_in
from tests.factories import COURT
from tests.workflows.handoff_support import notifications, unused_port_url
from workflows.outbox import webhooks

Login = Callable[[str], dict[str, str]]
SECRET = "court-shared-secret-0123456789"


def test_a_court_webhook_is_configured_and_its_secret_never_returned(
    client: TestClient, login: Login, engine: Engine
) -> None:
    admin = login("admin")
    url = unused_port_url()
    try:
        r = client.patch(f"/api/v1/organizations/{COURT}", json={"webhook_url": url}, headers=admin)
        assert r.status_code == 422 and "webhook_secret" in r.text  # both or neither
        r = client.patch(
            f"/api/v1/organizations/{COURT}", json={"webhook_url": url, "webhook_secret": SECRET}, headers=admin
        )
        assert r.status_code == 200, r.text
        assert r.json()["webhook_url"] == url and r.json()["court_level"] == "basic"
        assert SECRET not in r.text and "webhook_secret" not in r.json()
        r = client.get("/api/v1/organizations", headers=admin)
        assert SECRET not in r.text
        r = client.patch(
            "/api/v1/organizations/CN-ZJ-XH-CC-RTW", json={"webhook_url": url, "webhook_secret": SECRET}, headers=admin
        )
        assert r.status_code == 422  # only courts

        # a hand-off to that court goes to the outbox; the push never gets through
        case = case_in(client, login, "judicial_confirmation")
        [n] = notifications(engine)
        now = datetime.now(UTC)
        with Session(engine) as session:
            for _ in range(webhooks.MAX_ATTEMPTS):
                webhooks.deliver_pending(session, now=now)
                now += timedelta(days=1)
        [n] = notifications(engine)
        assert n.status == "failed" and n.attempts == webhooks.MAX_ATTEMPTS

        r = client.get("/api/v1/supervision/undelivered", headers=login("super1"))
        assert r.status_code == 200, r.text
        [row] = r.json()
        assert (row["case_no"], row["court_code"], row["event"], row["status"]) == (
            case["case_no"],
            COURT,
            "handoff.created",
            "failed",
        )
        assert client.get("/api/v1/supervision/undelivered", headers=login("mediator1")).status_code == 403
    finally:
        r = client.patch(
            f"/api/v1/organizations/{COURT}", json={"webhook_url": None, "webhook_secret": None}, headers=admin
        )
        assert r.status_code == 200 and r.json()["webhook_url"] is None
