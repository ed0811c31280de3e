"""Benchmark: what one GET /metrics costs the database (workflows/read/metrics.py), SQLite and PostgreSQL.

Run: `JIEFEN_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
.venv/bin/python -m pytest tests/bench/test_metrics_scrape.py -p no:cacheprovider -q -s`
(without the variable the PostgreSQL half is skipped). Not a test of speed: it prints ms per scrape (the
median of REPEAT, the calls compared taking turns) for the whole scrape, its clocks part, and the 督办
board's one-query form of the same clocks, with the ratio. It asserts only that the scrape's overdue and
due-soon clocks equal the board's, and that the cases and events counted are all of them.

The data: tests/bench/reads_support.py's CASES cases with their parties, clocks and audit events.
Knobs: JIEFEN_BENCH_METRICS_CASES (20,000), JIEFEN_BENCH_METRICS_REPEAT (7).
"""

import os
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.bench.reads_support import AS_OF, populated_engine
from workflows.access import SYSTEM_TIMEOUT
from workflows.read import metrics
from workflows.read.supervision import DEADLINES, late_clauses

N = int(os.environ.get("JIEFEN_BENCH_METRICS_CASES", "20000"))
REPEAT = int(os.environ.get("JIEFEN_BENCH_METRICS_REPEAT", "7"))


@pytest.fixture(params=["sqlite", "postgres"])
def bench_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[sa.Engine]:
    with populated_engine(request.param, tmp_path, N, "metrics-bench") as engine:
        yield engine


def _board_clocks(conn: sa.Connection) -> tuple[int, int]:
    """The board's one query (workflows/read/supervision.py) over every case: (overdue, due soon)."""
    d = DEADLINES
    late = sa.case((d.c.due_at <= AS_OF, 1), else_=0)
    where = late_clauses(SYSTEM_TIMEOUT, now=AS_OF, horizon=AS_OF + timedelta(days=metrics.SOON_DAYS), org_code=None)
    row = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(late), 0), sa.func.count())
        .select_from(d.join(metrics.CASES, metrics.CASES.c.id == d.c.case_id))
        .where(*where)
    ).one()
    return int(row[0]), int(row[1]) - int(row[0])


def _time(engine: sa.Engine, calls: dict[str, Callable[[sa.Connection], Any]]) -> dict[str, tuple[float, Any]]:
    times: dict[str, list[float]] = {k: [] for k in calls}
    out: dict[str, Any] = {}
    for _ in range(REPEAT):
        for key, fn in calls.items():
            with engine.connect() as conn:
                t = time.perf_counter()
                out[key] = fn(conn)
                times[key].append(time.perf_counter() - t)
    return {k: (statistics.median(v) * 1e3, out[k]) for k, v in times.items()}


def test_metrics_scrape(bench_engine: sa.Engine) -> None:
    with bench_engine.connect() as conn:
        cases = conn.execute(sa.select(sa.func.count()).select_from(metrics.CASES)).scalar()
        events = conn.execute(sa.select(sa.func.count()).select_from(metrics.EVENTS)).scalar()
        clocks = conn.execute(sa.select(sa.func.count()).select_from(DEADLINES)).scalar()
    result = _time(
        bench_engine,
        {
            "scrape": lambda c: metrics.figures(c, now=AS_OF),
            "clocks": lambda c: metrics.clocks(c, now=AS_OF),
            "board": _board_clocks,
        },
    )
    figures = result["scrape"][1]
    assert sum(figures.cases.values()) == cases and sum(figures.transitions.values()) == events
    scrape_clocks = (sum(figures.deadlines_overdue.values()), sum(figures.deadlines_due_soon.values()))
    assert scrape_clocks == result["board"][1], (scrape_clocks, result["board"][1])
    print(f"  {cases:,} cases, {events:,} events, {clocks:,} clocks; overdue/soon {scrape_clocks}")
    clocks_ms, board_ms = result["clocks"][0], result["board"][0]
    print(f"  whole scrape (every figure)            {result['scrape'][0]:>9.1f} ms")
    print(f"  its clocks, two queries                {clocks_ms:>9.1f} ms")
    print(f"  the same clocks, the board's one query {board_ms:>9.1f} ms   ×{board_ms / clocks_ms:.1f}")
