"""Benchmark: transitions per second through `workflows.engine.transition` against the raw SQL floor.

Run with `make bench`. This is a benchmark, not a test: it prints a table and asserts only functional
facts (events written = transitions fired, versions bumped, clocks consistent, audit chains verify).
It never fails on a timing.

The work: N cases are built in state `mediation` (not timed). One pass fires `pause_clock` on every
case, then `resume_clock` on every case — 2N real transitions, each with its guard (clock_running /
clock_paused), the mediation deadline's update and a hash-chained audit event — and leaves every
case as it found it, so passes can repeat on the same cases.

- fire: `workflows.engine.transition`, one Session for the pass (a transaction per transition), as a
  worker uses it.
- raw floor (tests/bench/fire_support.py): the same state change in plain SQL on a DBAPI connection
  of the same engine, one transaction per transition: BEGIN IMMEDIATE (SQLite) / SELECT … FOR UPDATE
  of the case row (PostgreSQL), reading the audit chain's head (event_seq, event_head) from it; UPDATE
  the mediation deadline's status (its WHERE status = … and a rowcount of 1 stand in for the guard);
  INSERT INTO case_events with the audit key's HMAC-SHA256 computed in Python over canonical JSON;
  UPDATE cases (state, version + 1, updated_at, chain head); COMMIT. Its events use the audit log's own hash rule, so
  `audit.verify` checks them as well.

Both run on the same cases, interleaved in ROUNDS rounds (the order alternating each round); the
table shows the median of the rounds.

Knobs (environment): JIEFEN_BENCH_N_SQLITE, JIEFEN_BENCH_N_PG (300), JIEFEN_BENCH_ROUNDS (3),
JIEFEN_BENCH_PROFILE_FIRES (200), JIEFEN_TEST_POSTGRES_URL (default a local server's `test`).
"""

import cProfile
import gc
import os
import pstats
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session, select

from models.tables import Deadline
from tests.bench.fire_support import (
    Bench,
    RawFloor,
    build,
    counts,
    fire_pass,
    timed,
)
from tests.conftest import scratch_postgres
from workflows import audit

N_SQLITE = int(os.environ.get("JIEFEN_BENCH_N_SQLITE", "300"))
N_PG = int(os.environ.get("JIEFEN_BENCH_N_PG", "300"))
ROUNDS = int(os.environ.get("JIEFEN_BENCH_ROUNDS", "3"))
PROFILE_FIRES = int(os.environ.get("JIEFEN_BENCH_PROFILE_FIRES", "200"))
WARMUP_CASES = 20
PG_URL = os.environ.get("JIEFEN_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOAL = 0.5  # fire ≥ 0.5 × the raw floor

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIRS = tuple(str(PROJECT_ROOT / d) + os.sep for d in ("workflows", "states", "models", "api", "documents"))


# --- the two backends -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    path = tmp_path_factory.mktemp("bench") / "jiefen-bench.db"
    bench = build("sqlite", f"sqlite:///{path}", N_SQLITE)
    with bench.engine.connect() as conn:  # type: ignore[union-attr]
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal", mode
    yield bench
    bench.engine.dispose()  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def postgres_bench() -> Iterator[Bench]:
    probe = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 3})
    try:
        with probe.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as e:  # noqa: BLE001 - any failure to reach the server means: skip PostgreSQL
        reason = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:160]
        print(f"\nPostgreSQL skipped: {sa.engine.make_url(PG_URL).render_as_string()} unreachable ({reason})")
        yield Bench("postgresql", None, skipped="unreachable")
        return
    finally:
        probe.dispose()
    with scratch_postgres(PG_URL) as url:
        bench = build("postgresql", url, N_PG)
        try:
            yield bench
        finally:
            bench.engine.dispose()  # type: ignore[union-attr]


def _measure(bench: Bench) -> dict[str, list[float]]:
    engine, ids, clock, mediator = bench.engine, bench.case_ids, bench.clock, bench.mediator
    assert engine is not None and mediator is not None
    raw = RawFloor(engine)
    before = counts(bench)

    # warm-up (not timed): caches, prepared statements, pool
    bench.raw_done += raw.run_pass(ids[:WARMUP_CASES], clock)
    bench.fire_done += fire_pass(engine, ids[:WARMUP_CASES], mediator, clock)

    # tx/s (wall clock) and µs of this process's CPU per transition, per round
    rates: dict[str, list[float]] = {"raw": [], "fire": [], "raw_cpu": [], "fire_cpu": []}
    runs = {"raw": lambda: raw.run_pass(ids, clock), "fire": lambda: fire_pass(engine, ids, mediator, clock)}
    for r in range(ROUNDS):
        for kind in ("raw", "fire") if r % 2 == 0 else ("fire", "raw"):
            done, seconds, cpu = timed(runs[kind])
            rates[kind].append(done / seconds)
            rates[f"{kind}_cpu"].append(1e6 * cpu / done)
            if kind == "raw":
                bench.raw_done += done
            else:
                bench.fire_done += done
        print(
            f"  {bench.name} round {r + 1}/{ROUNDS}: raw {rates['raw'][-1]:7.0f} tx/s "
            f"({rates['raw_cpu'][-1]:5.0f} µs client CPU/tx)   fire {rates['fire'][-1]:7.0f} tx/s "
            f"({rates['fire_cpu'][-1]:5.0f} µs client CPU/tx)"
        )

    # functional facts only
    after = counts(bench)
    assert after[0] - before[0] == bench.raw_done + bench.fire_done, "one event per transition"
    assert after[1] - before[1] == bench.raw_done
    assert after[2] - before[2] == bench.fire_done
    assert after[3] - before[3] == bench.raw_done + bench.fire_done, "one version bump per transition"
    with Session(engine) as s:
        mediation_clocks = select(Deadline.status).where(
            Deadline.case_id.in_(ids),  # type: ignore[attr-defined]
            Deadline.kind == "mediation",
        )
        clocks = Counter(s.exec(mediation_clocks).all())
        assert clocks == {"pending": len(ids)}, clocks  # every pass leaves every clock running
        checked, broken = audit.verify(s)
    assert broken is None, broken
    assert checked == after[0]
    print(
        f"  {bench.name}: {bench.raw_done} raw + {bench.fire_done} fire transitions, "
        f"{after[0] - before[0]} events written, audit.verify ok over {checked} events"
    )
    return rates


def _statements_per_fire(bench: Bench) -> list[str]:
    """The SQL one pause_clock + one resume_clock fire send (as seen by before_cursor_execute)."""
    assert bench.engine is not None and bench.mediator is not None
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
        seen.append(" ".join(statement.split()))

    event.listen(bench.engine, "before_cursor_execute", record)
    try:
        bench.fire_done += fire_pass(bench.engine, bench.case_ids[:1], bench.mediator, bench.clock)
    finally:
        event.remove(bench.engine, "before_cursor_execute", record)
    return seen


# --- the benchmark ----------------------------------------------------------------------------------


def test_fire_throughput(sqlite_bench: Bench, postgres_bench: Bench) -> None:
    rows = []
    cpu_rows = []
    for bench in (sqlite_bench, postgres_bench):
        if bench.skipped:
            rows.append((bench.name, None, None, bench.skipped))
            continue
        print(
            f"\n{bench.name}: {len(bench.case_ids)} cases in mediation built in {bench.setup_seconds:.1f} s; "
            f"{ROUNDS} rounds of {2 * len(bench.case_ids)} raw + {2 * len(bench.case_ids)} fire transitions"
        )
        rates = _measure(bench)
        sql = [s for s in _statements_per_fire(bench) if not s.upper().startswith(("BEGIN", "COMMIT"))]
        print(
            f"  {bench.name}: fire sends {len(sql) / 2:.1f} SQL statements per transition, "
            f"the raw floor 5 (BEGIN/COMMIT not counted)"
        )
        rows.append((bench.name, statistics.median(rates["raw"]), statistics.median(rates["fire"]), None))
        cpu_rows.append((bench.name, statistics.median(rates["raw_cpu"]), statistics.median(rates["fire_cpu"])))

    print("\nfire throughput, wall clock (median of rounds; pause_clock/resume_clock on cases in mediation)\n")
    header = (
        f"{'backend':<11}| {'raw floor tx/s':>14} | {'fire tx/s':>9} | {'ratio fire/raw':>14} | {'µs per fire':>11}"
    )
    print(header)
    print("-" * len(header))
    for name, raw, fired, skipped in rows:
        if skipped:
            print(f"{name:<11}| {'skipped (' + skipped + ')':>14}")
            continue
        print(f"{name:<11}| {raw:>14,.0f} | {fired:>9,.0f} | {fired / raw:>14.2f} | {1e6 / fired:>11,.0f}")
    print(
        "\nthe same, as CPU time of this (client) process per transition — steadier on a busy machine;"
        "\nPostgreSQL's server-side time is not in it"
    )
    for name, raw_cpu, fire_cpu in cpu_rows:
        print(
            f"  {name:<11} raw {raw_cpu:6,.0f} µs   fire {fire_cpu:6,.0f} µs   "
            f"fire/raw throughput ratio {raw_cpu / fire_cpu:.2f}"
        )
    print()
    for name, raw, fired, skipped in rows:
        if skipped:
            print(f"goal fire ≥ {GOAL}× raw floor on {name}: not measured (PostgreSQL skipped)")
        else:
            ratio = fired / raw
            verdict = "met" if ratio >= GOAL else "NOT met"
            print(
                f"goal fire ≥ {GOAL}× raw floor on {name}: {verdict} ({ratio:.2f}×; "
                f"raw {1e6 / raw:,.0f} µs vs fire {1e6 / fired:,.0f} µs per transition)"
            )


def _where(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename.startswith(str(PROJECT_ROOT)):
        filename = os.path.relpath(filename, PROJECT_ROOT)
    elif filename == "~":
        return name
    elif ".venv" in filename or "site-packages" in filename:
        filename = filename.split("site-packages" + os.sep)[-1]
    return f"{filename}:{line}({name})"


def _package(key: tuple[str, int, str]) -> str:
    filename, _, name = key
    if filename == "~":  # C functions
        if "sqlite3" in name or "psycopg" in name:
            return "DBAPI driver (C: sqlite3 execute/fetch/commit)"
        if "sha256" in name or "hexdigest" in name or "hmac" in name:
            return "hashlib"
        return "other C builtins"
    if filename.startswith(PROJECT_DIRS):
        return "project (workflows/ states/ models/)"
    for pkg in (
        "sqlalchemy",
        "sqlmodel",
        "pydantic_core",
        "pydantic",
        "transitions",
        "json",
        "uuid",
        "enum",
        "datetime",
        "zoneinfo",
        "chinese_calendar",
        "dataclasses",
        "typing",
        "logging",
        "threading",
    ):
        if f"{os.sep}{pkg}{os.sep}" in filename or filename.endswith(f"{os.sep}{pkg}.py"):
            return pkg
    return "other Python"


def test_fire_profile_sqlite(sqlite_bench: Bench) -> None:
    """cProfile of PROFILE_FIRES fires on SQLite: where fire's time goes."""
    bench = sqlite_bench
    assert bench.engine is not None and bench.mediator is not None
    ids = bench.case_ids[: max(1, PROFILE_FIRES // 2)]
    fires = 2 * len(ids)
    before_events = counts(bench)[0]

    done, unprofiled, _ = timed(lambda: fire_pass(bench.engine, ids, bench.mediator, bench.clock))
    bench.fire_done += done
    profiler = cProfile.Profile()
    gc.collect()
    t = time.perf_counter()
    profiler.enable()
    done = fire_pass(bench.engine, ids, bench.mediator, bench.clock)
    profiler.disable()
    profiled = time.perf_counter() - t
    bench.fire_done += done
    assert counts(bench)[0] - before_events == 2 * fires, "one event per fire"

    stats = pstats.Stats(profiler)
    raw_stats: dict = stats.stats  # type: ignore[attr-defined]
    total_tt = sum(v[2] for v in raw_stats.values())

    print(
        f"\nprofile: {fires} fires on SQLite — {1e6 * unprofiled / fires:,.0f} µs per fire unprofiled, "
        f"{1e6 * profiled / fires:,.0f} µs under cProfile; per-fire figures below are under cProfile\n"
    )
    print("top 15 project functions by cumulative time")
    print(f"{'ncalls':>8} {'tottime s':>10} {'cumtime s':>10} {'cum µs/fire':>12} {'% of fire':>9}  function")
    project = sorted(
        ((k, v) for k, v in raw_stats.items() if k[0].startswith(PROJECT_DIRS)), key=lambda kv: kv[1][3], reverse=True
    )
    for key, (_cc, nc, tt, ct, _callers) in project[:15]:
        print(f"{nc:>8} {tt:>10.4f} {ct:>10.4f} {1e6 * ct / fires:>12,.0f} {100 * ct / total_tt:>8.1f}%  {_where(key)}")

    print("\nself time by package (where the CPU actually goes)")
    by_pkg: Counter[str] = Counter()
    for key, v in raw_stats.items():
        by_pkg[_package(key)] += v[2]
    for pkg, tt in by_pkg.most_common():
        print(f"  {100 * tt / total_tt:5.1f}%  {1e6 * tt / fires:7,.0f} µs/fire  {pkg}")

    print("\ntop 15 functions overall by cumulative time (library code included)")
    overall = sorted(raw_stats.items(), key=lambda kv: kv[1][3], reverse=True)
    shown = 0
    for key, (_cc, nc, _tt, ct, _callers) in overall:
        where = _where(key)
        if where.startswith(("tests/", "<", "cProfile")) or "disable" in where:
            continue
        print(f"{nc:>8} {ct:>10.4f} {1e6 * ct / fires:>9,.0f} µs/fire  {where}")
        shown += 1
        if shown == 15:
            break

    sql = _statements_per_fire(bench)
    print(f"\nSQL sent by one pause_clock + one resume_clock fire ({len(sql)} statements):")
    for stmt in sql:
        print(f"  {stmt[:150]}{' …' if len(stmt) > 150 else ''}")
