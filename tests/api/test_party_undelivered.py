"""The parties' messages that could not be sent, as supervisors see them over HTTP: GET
/api/v1/supervision/undelivered and the 督办看板 list them with the recipient masked and the reason."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from models.settings import get_settings
from tests.api.live import free_port
from tests.api.steps import open_case
from tests.api.test_web_routes import web_login
from tests.factories import case_payload
from tests.privacy_support import PHONE_A, PHONE_B, whole_numbers
from workflows.notify.deliver import deliver_messages

EMAIL = "zhangsan.notice@example.com"


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch):
    """An SMS provider and an SMTP server configured, neither listening: every message fails, retryably."""
    monkeypatch.setenv("JIEFEN_SMS_PROVIDER", "fake")
    monkeypatch.setenv("JIEFEN_SMS_FAKE_URL", f"http://127.0.0.1:{free_port()}/sms")
    monkeypatch.setenv("JIEFEN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JIEFEN_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("JIEFEN_SMTP_FROM", "centre@example.com")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_failed_party_messages_are_listed_masked_with_their_reason(
    client: TestClient, login, engine: Engine, unreachable: None
) -> None:
    applicant, respondent = case_payload()["parties"]
    case = open_case(client, login("window1"), parties=[{**applicant, "email": EMAIL}, respondent])
    noon = datetime.now(UTC).replace(hour=4, minute=0, second=0, microsecond=0) + timedelta(days=1)  # 12:00 local
    assert deliver_messages(engine, now=noon) == {"delivered": 0, "retrying": 3, "failed": 0, "deferred": 0}

    r = client.get("/api/v1/supervision/undelivered", headers=login("super1"))
    assert r.status_code == 200, r.text
    mine = [x for x in r.json() if x["case_id"] == case["id"]]
    assert sorted((x["kind"], x["recipient"], x["status"]) for x in mine) == [
        ("party_email", "z***@example.com", "pending"),
        ("party_sms", "138****5678", "pending"),
        ("party_sms", "139****4321", "pending"),
    ]
    assert {x["event"] for x in mine} == {"case_opened"} and all(x["case_no"] == case["case_no"] for x in mine)
    assert any("短信服务连接失败" in x["last_error"] for x in mine) and any(
        "邮件服务器连接失败" in x["last_error"] for x in mine
    )
    assert whole_numbers(r.text) == [] and EMAIL not in r.text
    assert client.get("/api/v1/supervision/undelivered", headers=login("window1")).status_code == 403

    web_login(client, "super1")
    page = client.get("/supervision").text
    assert "未送达的推送与当事人通知" in page and "138****5678" in page and "z***@example.com" in page
    assert PHONE_A not in page and PHONE_B not in page and EMAIL not in page
