"""Every delivery checks the court's webhook address again and connects to the address it checked.

A URL stored before the rules (or written to the database directly) that points at a refused address, and a
name that resolves to one at delivery time (DNS rebinding: it resolved to a public address when it was set),
end the notice `failed` at once with the reason — never a request there, never a crash. A name that does not
resolve is a network failure, retried. A good name is delivered to the address checked, the name in `Host`.
The DNS answers are a fake resolver (DNS is outside the project); the receivers are real HTTP servers."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from states.enums import State, Trigger
from tests.factories import COURT, T0, actor, confirmation_request, make_case
from tests.workflows.clock_support import settings_env
from tests.workflows.handoff_support import notifications, webhook
from workflows.engine import fire
from workflows.outbox import webhook_address, webhooks

SECRET = "court-shared-secret-0123456789"
T1 = T0 + timedelta(hours=4)


@contextmanager
def listener() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """A real HTTP server on 127.0.0.1 recording what reaches it."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append({"host": self.headers.get("Host"), "path": self.path})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def dns(table: dict[str, list[str]]) -> webhook_address.Resolve:
    def resolve(host: str, port: int) -> list[webhook_address.IPAddress]:
        if host not in table:
            raise webhook_address.WebhookUnresolved(f"DNS：{host} 无法解析")
        return [ip_address(a) for a in table[host]]

    return resolve


def _handoff(session: Session) -> None:
    case = make_case(session, state=State.AGREEMENT)
    fire(
        session,
        case_id=case.id,
        trigger=Trigger.REQUEST_CONFIRMATION,
        actor=actor(session, "mediator1"),
        payload=confirmation_request(),
        now=T1,
    )


@pytest.fixture
def strict(monkeypatch):
    with settings_env(monkeypatch, JIEFEN_WEBHOOK_ALLOW_LOOPBACK="false"):
        yield


def test_a_name_rebound_to_loopback_is_not_delivered_and_fails_at_once(engine: Engine, strict) -> None:
    with listener() as (port, seen):
        url = f"http://hook.court.example:{port}/jiefen/hook"
        post = partial(webhook_address.post, resolve=dns({"hook.court.example": ["93.184.216.34", "127.0.0.1"]}))
        with webhook(engine, COURT, url, SECRET), Session(engine, expire_on_commit=False) as session:
            _handoff(session)

            report = webhooks.deliver_pending(session, now=T1, post=post)

        [n] = notifications(engine)
        assert report.failed == [n.id] and report.retrying == []
        assert (n.status, n.attempts) == ("failed", 1)
        assert n.last_error == "推送地址被拒绝：hook.court.example 解析到 127.0.0.1 是回环地址（本机）"
        assert seen == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "链路本地地址"),
        ("http://2130706433:{port}/jiefen/hook", "回环地址"),
        ("http://[::ffff:127.0.0.1]:{port}/jiefen/hook", "回环地址"),
        ("http://localhost:{port}/jiefen/hook", "指向本机"),
    ],
)
def test_a_stored_url_to_a_refused_address_fails_at_once_with_the_reason(engine: Engine, strict, url, reason) -> None:
    with listener() as (port, seen):
        with webhook(engine, COURT, url.format(port=port), SECRET), Session(engine, expire_on_commit=False) as session:
            _handoff(session)
            report = webhooks.deliver_pending(session, now=T1)
        [n] = notifications(engine)
        assert report.failed == [n.id] and (n.status, n.attempts) == ("failed", 1)
        assert n.last_error.startswith("推送地址被拒绝：") and reason in n.last_error
        assert seen == []


def test_an_http_url_stored_before_production_is_not_pushed_in_production(engine: Engine, monkeypatch) -> None:
    with listener() as (port, seen), webhook(engine, COURT, f"http://127.0.0.1:{port}/h", SECRET):
        with Session(engine, expire_on_commit=False) as session:
            _handoff(session)
            with settings_env(monkeypatch, JIEFEN_ENV="production"):
                webhooks.deliver_pending(session, now=T1)
        [n] = notifications(engine)
        assert n.status == "failed" and "生产环境只能使用 https" in n.last_error
        assert seen == []


def test_a_name_that_does_not_resolve_is_retried_like_a_network_failure(engine: Engine, strict) -> None:
    post = partial(webhook_address.post, resolve=dns({}))
    with webhook(engine, COURT, "https://hook.court.example/h", SECRET), Session(engine, expire_on_commit=False) as s:
        _handoff(s)
        report = webhooks.deliver_pending(s, now=T1, post=post)
    [n] = notifications(engine)
    assert report.retrying == [n.id]
    assert (n.status, n.attempts) == ("pending", 1) and "无法解析" in n.last_error


def test_a_good_name_is_delivered_to_the_address_checked_with_the_name_in_host(engine: Engine) -> None:
    """With loopback allowed (the test suite's receivers), the name resolves to the listener's address: the
    request goes there, the name in Host — the address it connects to is the one checked, never looked up again."""
    with listener() as (port, seen):
        url = f"http://hook.court.example:{port}/jiefen/hook?v=1"
        post = partial(webhook_address.post, resolve=dns({"hook.court.example": ["127.0.0.1"]}))
        with webhook(engine, COURT, url, SECRET), Session(engine, expire_on_commit=False) as session:
            _handoff(session)
            report = webhooks.deliver_pending(session, now=T1, post=post)
        [n] = notifications(engine)
        assert report.delivered == [n.id] and n.status == "delivered"
        assert seen == [{"host": f"hook.court.example:{port}", "path": "/jiefen/hook?v=1"}]
