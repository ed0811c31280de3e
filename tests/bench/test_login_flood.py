"""Benchmark: `GET /api/v1/cases` latency while 16 threads flood the login endpoint, against a real
`jiefen serve` (uvicorn) on SQLite.

Run with `make bench`, or alone:
    PYTHONPATH=$PWD .venv/bin/python -m pytest tests/bench/test_login_flood.py -p no:cacheprovider -q -s

This is a benchmark, not a test: it prints a table and asserts only functional facts (the list answers
200 throughout, the flood's logins succeed or are refused 503). It never fails on a timing.

The flood logs in with the right password (the throttle counts only wrong ones, so every login is
hashed): it measures where Argon2 runs, not the throttle. The list is read sequentially, first alone
(baseline) and then under the flood; the ratio of the medians is the figure.

Knobs (environment): JIEFEN_BENCH_FLOOD_THREADS (16), JIEFEN_BENCH_LIST_REQUESTS (30),
JIEFEN_BENCH_FLOOD_SECONDS (90, a cap on the flooded phase), JIEFEN_BENCH_HONOUR_RETRY_AFTER (1: the
flooding threads wait as a refused login's Retry-After says; by default they retry at once, as an
attacker would, and their own CPU on this machine counts against the server's), JIEFEN_BENCH_SOURCE (the source tree
to serve, default this one: point it at an export of an older commit to compare before and after).
"""

import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.api.live import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path(os.environ.get("JIEFEN_BENCH_SOURCE", str(ROOT)))
FLOOD_THREADS = int(os.environ.get("JIEFEN_BENCH_FLOOD_THREADS", "16"))
LIST_REQUESTS = int(os.environ.get("JIEFEN_BENCH_LIST_REQUESTS", "30"))
FLOOD_SECONDS = float(os.environ.get("JIEFEN_BENCH_FLOOD_SECONDS", "90"))
HONOUR_RETRY_AFTER = os.environ.get("JIEFEN_BENCH_HONOUR_RETRY_AFTER", "") == "1"
PASSWORD = "jiefen-demo-2026"
FLOOD_USERS = ("mediator1", "court1", "super1", "admin")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("login-flood")
    env = {
        **os.environ,
        "PYTHONPATH": str(SOURCE),
        "JIEFEN_DATABASE_URL": f"sqlite:///{tmp / 'jiefen.db'}",
        "JIEFEN_ENV": "test",
        "JIEFEN_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "JIEFEN_LOG_LEVEL": "WARNING",
    }
    cli = [sys.executable, "-m", "api.cli"]
    seed = SOURCE / "models" / "seed" / "demo.yaml"
    subprocess.run([*cli, "seed", str(seed)], env=env, cwd=SOURCE, check=True, capture_output=True, timeout=300)
    command = [*cli, "serve", "--port", str(free_port()), "--no-scheduler"]
    with serving(command, env, tmp / "serve.log", cwd=SOURCE, start_seconds=120) as live:
        yield live.url


def _list_latencies(client: httpx2.Client, token: str, n: int, stop_at: float) -> list[float]:
    out = []
    for _ in range(n):
        if time.monotonic() > stop_at:
            break
        t = time.perf_counter()
        r = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}, timeout=120)
        out.append(time.perf_counter() - t)
        assert r.status_code == 200, r.text
    return out


def _flood(url: str, stop: threading.Event, statuses: Counter[int], lock: threading.Lock, k: int) -> None:
    user = FLOOD_USERS[k % len(FLOOD_USERS)]
    with httpx2.Client(base_url=url, timeout=120) as c:
        while not stop.is_set():
            r = c.post("/api/v1/auth/token", data={"username": user, "password": PASSWORD})
            with lock:
                statuses[r.status_code] += 1
            if HONOUR_RETRY_AFTER and r.status_code == 503:
                stop.wait(float(r.headers.get("Retry-After", "1")))


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def test_list_latency_under_a_login_flood(server: str) -> None:
    with httpx2.Client(base_url=server, timeout=120) as client:
        r = client.post("/api/v1/auth/token", data={"username": "window1", "password": PASSWORD})
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        _list_latencies(client, token, 5, time.monotonic() + 60)  # warm-up
        baseline = _list_latencies(client, token, LIST_REQUESTS, time.monotonic() + 120)

        stop, lock, statuses = threading.Event(), threading.Lock(), Counter[int]()
        threads = [
            threading.Thread(target=_flood, args=(server, stop, statuses, lock, k), daemon=True)
            for k in range(FLOOD_THREADS)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(2)  # let the flood fill the server
        try:
            flooded = _list_latencies(client, token, LIST_REQUESTS, started + FLOOD_SECONDS)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=180)
        seconds = time.monotonic() - started

    assert set(statuses) <= {200, 503}, statuses
    ratio = statistics.median(flooded) / statistics.median(baseline)
    polite = " (honouring Retry-After)" if HONOUR_RETRY_AFTER else ""
    print(f"\nGET /api/v1/cases under a {FLOOD_THREADS}-thread login flood{polite} — source {SOURCE}")
    print(f"{'':>10} {'n':>4} {'median ms':>10} {'p90 ms':>8}")
    print(f"{'alone':>10} {len(baseline):>4} {_ms(baseline, 0.5):>10.1f} {_ms(baseline, 0.9):>8.1f}")
    print(f"{'flooded':>10} {len(flooded):>4} {_ms(flooded, 0.5):>10.1f} {_ms(flooded, 0.9):>8.1f}")
    print(f"ratio of medians: {ratio:.1f}x")
    logins = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
    print(f"logins during the flood ({seconds:.0f} s): {logins} ({statuses[200] / seconds:.1f} successful/s)")
