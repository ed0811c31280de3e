"""Helpers for the court hand-off tests: extra courts, a court user, webhook settings, and a
real HTTP receiver on 127.0.0.1 that checks signatures and records each delivery once."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.security import hash_password
from models.tables import Notification, Organization, User

OTHER_COURT = "CN-ZJ-GS-FY"  # 拱墅区人民法院: a basic court of another county (330105)
CITY_COURT = "CN-ZJ-HZ-ZY"  # 杭州市中级人民法院 (intermediate, 330100)
OTHER_COURT_USER = "court2"
PASSWORD = "jiefen-test-2026"

ORGS = Organization.__table__  # type: ignore[attr-defined]


@contextmanager
def extra_courts(engine: Engine) -> Iterator[None]:
    """Add two courts and a user of the other court for the test; remove them afterwards (the
    organizations stay in the session-wide database otherwise)."""
    with Session(engine) as s:
        s.add(
            Organization(code=OTHER_COURT, name="杭州市拱墅区人民法院", kind="court", level="county", region="330105")
        )
        s.add(
            Organization(
                code=CITY_COURT,
                name="杭州市中级人民法院",
                kind="court",
                level="city",
                region="330100",
                court_level="intermediate",
            )
        )
        s.flush()
        s.add(
            User(username=OTHER_COURT_USER, password_hash=hash_password(PASSWORD), role="court", org_code=OTHER_COURT)
        )
        s.commit()
    try:
        yield
    finally:
        with Session(engine) as s:
            for u in s.exec(select(User).where(User.username == OTHER_COURT_USER)):
                s.delete(u)
            s.flush()
            for o in s.exec(select(Organization).where(Organization.code.in_([OTHER_COURT, CITY_COURT]))):  # type: ignore[attr-defined]
                s.delete(o)
            s.commit()


@contextmanager
def webhook(engine: Engine, court: str, url: str, secret: str) -> Iterator[None]:
    with engine.begin() as conn:
        conn.execute(ORGS.update().where(ORGS.c.code == court).values(webhook_url=url, webhook_secret=secret))
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(ORGS.update().where(ORGS.c.code == court).values(webhook_url=None, webhook_secret=None))


@dataclass
class Receiver:
    """What the court's system saw: every request, and the bodies it acted on (once per delivery id)."""

    secret: str
    fail_first: int = 0  # answer 500 to this many requests first
    requests: list[dict[str, Any]] = field(default_factory=list)
    recorded: dict[str, dict[str, Any]] = field(default_factory=dict)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: Any, body: bytes) -> int:
        with self.lock:
            delivery = headers.get("X-Jiefen-Delivery")
            self.requests.append({"delivery": delivery, "event": headers.get("X-Jiefen-Event")})
            if len(self.requests) <= self.fail_first:
                return 500
            expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, headers.get("X-Jiefen-Signature") or ""):
                self.bad_signatures += 1
                return 401
            if delivery not in self.recorded:  # the same delivery again: acknowledged, not acted on twice
                self.recorded[delivery] = json.loads(body)
            return 200


@contextmanager
def receiver(secret: str, *, fail_first: int = 0) -> Iterator[tuple[str, Receiver]]:
    rec = Receiver(secret, fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            code = rec.handle(self.headers, body)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jiefen/hook", rec
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def unused_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def notifications(engine: Engine) -> list[Notification]:
    with Session(engine, expire_on_commit=False) as s:
        return list(
            s.exec(
                select(Notification)
                .where(Notification.kind == "court_webhook")
                .order_by(Notification.created_at, Notification.id)
            )
        )  # type: ignore[arg-type]
