"""Benchmark: a real `jiefen serve` under load, on SQLite and PostgreSQL, documents on.

Run with `make bench`, or alone:
    JIEFEN_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    .venv/bin/python -m pytest tests/bench/test_load.py -p no:cacheprovider -q -s

Virtual users walk the plain lifecycle with reads mixed in, 3 writes : 1 read (tests/bench/load_support.py),
at concurrency 1, 8, 32 and 128 — the knee of one process is at 1–8, so 32 and 128 are 4× and 16× past it.
For each: requests answered 2xx per second, p50/p95/p99 latency of those, the 503s (a saturated process
answers at once, api/limits.py), the server's CPU per request and the API process's RSS. Then, in the same
run: the same mix with the render worker off (documents left pending) against on — the render-on/off
ratio, the cost of producing the documents to the API — and on PostgreSQL `--workers 2` against 1.

This is a benchmark, not a test: it prints tables and asserts only functional facts — every request is
answered within its timeout (no stall), only 2xx/4xx/503, lifecycles complete, and the render worker renders
the documents the load produced. It never fails on a timing.

Knobs (environment): JIEFEN_BENCH_LOAD_SECONDS (8 per point), JIEFEN_BENCH_LOAD_CONCURRENCY ("1,8,32,128"),
JIEFEN_BENCH_RATIO_CONCURRENCY (8), JIEFEN_BENCH_CLIENT_TIMEOUT (30), JIEFEN_TEST_POSTGRES_URL.
"""

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bench.load_support import Results, cpu_seconds, pending_documents, rss_kib, run_load, seed, server, tokens
from tests.bench.reach import unreachable
from tests.conftest import scratch_postgres

SECONDS = float(os.environ.get("JIEFEN_BENCH_LOAD_SECONDS", "8"))
LEVELS = [int(c) for c in os.environ.get("JIEFEN_BENCH_LOAD_CONCURRENCY", "1,8,32,128").split(",")]
RATIO_AT = int(os.environ.get("JIEFEN_BENCH_RATIO_CONCURRENCY", "8"))
PG_URL = os.environ.get("JIEFEN_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RENDER_GOAL = 0.8
WORKERS_GOAL = 0.8

ROWS: list[str] = []


def _point(label: str, port: int, pid: int, concurrency: int, auth: dict) -> Results:
    """One measured point, with the API process's CPU and peak RSS sampled while it runs."""
    peak = [rss_kib(pid)]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.25):
            peak[0] = max(peak[0], rss_kib(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu0 = cpu_seconds(pid)
    results = run_load(port, concurrency, SECONDS, auth)
    cpu = cpu_seconds(pid) - cpu0
    done.set()
    sampler.join()
    assert results.failures == [], f"{label} c={concurrency}: {results.failures[:5]}"
    assert set(results.statuses) <= {200, 201, 503} | set(range(400, 500)), results.statuses
    assert results.ok > 0, results.statuses  # lifecycles done are counted; at 128 users few finish in SECONDS
    ms = {p: 1000 * results.percentile(p) for p in (50, 95, 99)}
    ROWS.append(
        f"{label:<26} {concurrency:>5} {results.throughput():>8.1f} {ms[50]:>8.1f} {ms[95]:>8.1f} {ms[99]:>8.1f}"
        f" {results.statuses.get(503, 0):>6} {results.lifecycles:>6} {1000 * cpu / max(results.ok, 1):>8.1f}"
        f" {peak[0] / 1024:>8.0f}"
    )
    return results


def _header(title: str) -> None:
    ROWS.append("")
    ROWS.append(title)
    ROWS.append(
        f"{'':<26} {'conc':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'503':>6} {'cases':>6} {'cpu ms':>8} {'RSS MiB':>8}"
    )


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str | None]]:
    tmp = tmp_path_factory.mktemp("load")
    why = unreachable(PG_URL)
    if why is not None:
        print(f"\nPostgreSQL not measured: {why}")
        yield {"sqlite": f"sqlite:///{tmp / 'load.db'}", "postgresql": None}
        return
    with scratch_postgres(PG_URL) as url:
        yield {"sqlite": f"sqlite:///{tmp / 'load.db'}", "postgresql": url}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_load(backend: str, databases: dict[str, str | None], tmp_path: Path) -> None:
    url = databases[backend]
    if url is None:
        ROWS.append(f"\n{backend}: not measured (unreachable)")
        return
    env = seed(url, tmp_path)
    _header(f"{backend}: the lifecycle mix, documents on (a render worker beside one API process)")
    with server(env, tmp_path) as live:
        auth = tokens(live.port)
        run_load(live.port, 4, 2, auth)  # warm-up: imports, pools, caches
        for c in LEVELS:
            _point("documents on", live.port, live.proc.pid, c, auth)
        on = _point("documents on (ratio)", live.port, live.proc.pid, RATIO_AT, auth)
        # the render worker catches up with what the load produced
        deadline = time.monotonic() + 600
        while (left := pending_documents(live.port, auth["mediator1"])) and time.monotonic() < deadline:
            time.sleep(1)
        assert left == 0, f"{left} documents of the newest cases still pending after 10 minutes"
    with server(env, tmp_path, "--no-render-worker") as live:
        auth = tokens(live.port)
        run_load(live.port, 4, 2, auth)
        off = _point("documents off (ratio)", live.port, live.proc.pid, RATIO_AT, auth)
    ratio = on.throughput() / off.throughput()
    ROWS.append(
        f"render on / off at concurrency {RATIO_AT}: {ratio:.2f} (goal ≥ {RENDER_GOAL}: {'met' if ratio >= RENDER_GOAL else 'NOT met'})"
    )
    if backend == "postgresql":
        rates = {}
        for n in (1, 2):
            with server(env, tmp_path, "--workers", str(n), "--no-render-worker") as live:
                time.sleep(2 if n > 1 else 0)
                auth = tokens(live.port)
                run_load(live.port, 4, 2, auth)
                rates[n] = _point(f"--workers {n}", live.port, live.proc.pid, 32, auth).throughput()
        scale = rates[2] / (2 * rates[1])
        ROWS.append(
            f"--workers 2 / (2 × --workers 1) at concurrency 32 on {os.cpu_count()} cores (client and PostgreSQL "
            f"on the same cores): {scale:.2f} (goal ≥ {WORKERS_GOAL} where the cores exist)"
        )


def teardown_module() -> None:
    print("\n" + "\n".join(ROWS))
    print(
        "req/s: 2xx answers per second; p50-p99: latency of those; 503: refused at once by a saturated process "
        "(counted, then retried after 0.2 s); cases: lifecycles completed; cpu ms: the API process's CPU per 2xx answer (with --workers N, "
        "the supervisor's only); RSS: the API process's peak"
    )
