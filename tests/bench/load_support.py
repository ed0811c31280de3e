"""The load test's parts: a real `jiefen serve` on a seeded database, and virtual users that walk the
plain lifecycle over keep-alive HTTP connections with reads mixed in (3 writes : 1 read).

A virtual user: window1 opens a case and diverts it, mediator1 accepts, records the agreement and applies
for judicial confirmation — five writes, four documents (receipt, acceptance notice, agreement, application) — and
after every third write it reads (the case list, then the case, in turn). Answers are recorded with their
latency. A 503 (the server saturated, api/limits.py) is recorded and the same step tried again after a
pause; anything but 2xx/4xx/503, and any request unanswered within CLIENT_TIMEOUT, is a failure.
"""

import http.client
import json
import os
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.api.conftest import demo_password
from tests.api.live import JIEFEN, Live, free_port, jiefen_command, serving
from tests.api.steps import agreement_signed_now, confirmation_request
from tests.conftest import DEMO_SEED
from tests.factories import MEDIATION_ORG, case_payload

CLIENT_TIMEOUT = float(os.environ.get("JIEFEN_BENCH_CLIENT_TIMEOUT", "30"))
BUSY_PAUSE = 0.2  # a virtual user told 503 tries the same step again after this long


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)  # seconds, the 2xx answers
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # 5xx other than 503, timeouts, refused connections
    lifecycles: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if 200 <= s < 300)

    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1]


class Connection:
    """One keep-alive HTTP/1.1 connection of one virtual user."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None):
        data = None if body is None else json.dumps(body).encode()
        head = {"Content-Type": "application/json", **(headers or {})} if data is not None else dict(headers or {})
        try:
            self.conn.request(method, path, body=data, headers=head)
            response = self.conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT)
            raise
        if response.getheader("connection", "").lower() == "close":
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT)
        return response.status, payload


def tokens(port: int) -> dict[str, dict[str, str]]:
    """Bearer headers for window1 and mediator1 (logged in once: Argon2 is not what is measured)."""
    out = {}
    for user in ("window1", "mediator1"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        form = f"username={user}&password={demo_password(user)}"
        conn.request(
            "POST", "/api/v1/auth/token", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        r = conn.getresponse()
        body = json.loads(r.read())
        assert r.status == 200, body
        out[user] = {"Authorization": f"Bearer {body['access_token']}"}
        conn.close()
    return out


def _lifecycle(window: dict[str, str], mediator: dict[str, str]) -> list[tuple[dict[str, str], str, Any]]:
    return [
        (window, "divert", {"org_code": MEDIATION_ORG}),
        (mediator, "accept", {"mediator_code": "M-0001"}),
        (mediator, "reach_agreement", agreement_signed_now()),
        (mediator, "request_confirmation", confirmation_request()),
    ]


def run_load(port: int, concurrency: int, seconds: float, auth: dict[str, dict[str, str]]) -> Results:
    """`concurrency` virtual users for `seconds` (each finishes the request in hand, not its lifecycle)."""
    results = Results()
    stop = threading.Event()
    window, mediator = auth["window1"], auth["mediator1"]

    def send(conn: Connection, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, bytes]:
        while True:
            started = time.perf_counter()
            try:
                status, payload = conn.request(method, path, body, headers)
            except (OSError, http.client.HTTPException) as e:
                with results.lock:
                    results.failures.append(f"{method} {path}: {type(e).__name__}: {e}")
                return 0, b""
            took = time.perf_counter() - started
            with results.lock:
                results.statuses[status] += 1
                if 200 <= status < 300:
                    results.latencies.append(took)
                elif status >= 500 and status != 503:
                    results.failures.append(f"{method} {path}: {status} {payload[:200]!r}")
            if status != 503 or stop.is_set():
                return status, payload
            time.sleep(BUSY_PAUSE)

    def user() -> None:
        conn = Connection(port)
        writes = 0
        while not stop.is_set():
            status, body = send(conn, "POST", "/api/v1/cases", case_payload(), window)
            if status != 201:
                continue
            case_id = json.loads(body)["id"]
            writes += 1
            for headers, trigger, payload in _lifecycle(window, mediator):
                if stop.is_set():
                    return
                status, _ = send(conn, "POST", f"/api/v1/cases/{case_id}/actions/{trigger}", payload, headers)
                if status != 200:
                    break
                writes += 1
                if writes % 3 == 0:
                    path = "/api/v1/cases?limit=20" if (writes // 3) % 2 else f"/api/v1/cases/{case_id}"
                    send(conn, "GET", path, None, mediator)
            else:
                with results.lock:
                    results.lifecycles += 1

    threads = [threading.Thread(target=user, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(CLIENT_TIMEOUT + 5)
    results.seconds = time.perf_counter() - started
    hung = sum(t.is_alive() for t in threads)
    if hung:
        results.failures.append(f"{hung} virtual user(s) still waiting {CLIENT_TIMEOUT:.0f} s after the stop")
    return results


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def seed(database_url: str, tmp: Path) -> dict[str, str]:
    env = {
        "JIEFEN_DATABASE_URL": database_url,
        "JIEFEN_ENV": "test",
        "JIEFEN_SECRET_KEY": "bench-load-secret-key-long-enough-0123456789",
        "JIEFEN_KEYS_DIR": str(tmp / "keys"),
    }
    done = jiefen_command("seed", str(DEMO_SEED), env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return env


@contextmanager
def server(env: dict[str, str], tmp: Path, *args: str) -> Iterator[Live]:
    command = [str(JIEFEN), "serve", "--port", str(free_port()), "--no-scheduler", *args]
    with serving(command, {**os.environ, **env}, tmp / f"serve-{time.monotonic_ns()}.log") as live:
        yield live


def pending_documents(port: int, auth: dict[str, str]) -> int:
    """How many documents are not rendered yet, as the API reports them (the first page of cases)."""
    conn = Connection(port)
    status, body = conn.request("GET", "/api/v1/cases?limit=50", None, auth)
    assert status == 200, body
    pending = 0
    for case in json.loads(body)["data"]:
        s, docs = conn.request("GET", f"/api/v1/cases/{case['id']}/documents", None, auth)
        pending += sum(d["status"] == "pending" for d in json.loads(docs)) if s == 200 else 0
    return pending
