"""Benchmark: a province-year on PostgreSQL (issue 15 item 5; `make bench-scale`).

Run: `JIEFEN_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test JIEFEN_BENCH_SCALE_CASES=20000
.venv/bin/python -m pytest tests/bench/test_scale.py -p no:cacheprovider -q -s`.

A scratch database gets JIEFEN_BENCH_SCALE_CASES cases (default 20,000; `make bench-scale`: 1,000,000) of
last year in JIEFEN_BENCH_SCALE_REGION (default 33, 浙江省) from `jiefen simulate` (workflows/simulate.py:
intake, the engine, the sweep), or is copied (CREATE DATABASE … TEMPLATE) from JIEFEN_BENCH_SCALE_FROM, a
database simulated before on the same server, so that a million cases are generated once and measured
many times; JIEFEN_BENCH_SCALE_WORKERS processes simulate (default 1). JIEFEN_BENCH_SCALE_KEEP=1 keeps the scratch database (its name is printed).

Then it prints, each a median of REPEAT calls in a session of its own, next to its goal and, where one
exists, its raw-SQL floor (the same answer from the fewest plain statements) and the ratio to it:
- the supervisor's 督办 board and the year's statistics for the province (≤ 1 s);
- the case list searched by a full identity number and by a case number (≤ 20 ms);
- a case page through the app (FastAPI TestClient, GET /api/v1/cases/{id}; ≤ 50 ms);
- the sweep over every open deadline: finding a batch (≤ 50 ms), then firing with two worker processes
  sweeping at once (≥ 2,000/s);
- `jiefen audit verify` over the whole database (a subprocess): time and events/s.
It asserts only facts: the counts, each deadline fired once, every chain intact. Never a timing.
"""

import contextlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time as dtime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from models.db import make_engine
from models.migrate import upgrade
from models.seed.loader import load_seed
from models.settings import get_settings
from models.tables import Case, CaseEvent, Deadline, Party
from states.enums import Role
from tests.bench.reach import unreachable
from tests.conftest import require_postgres
from workflows.access import Actor
from workflows.audit import check
from workflows.clocks.sweep import due_query
from workflows.read import reports, supervision
from workflows.read.case_list import CaseFilters, list_cases
from workflows.simulate import Report, simulate

N = int(os.environ.get("JIEFEN_BENCH_SCALE_CASES") or "20000")
REGION = os.environ.get("JIEFEN_BENCH_SCALE_REGION") or "33"
TEMPLATE = os.environ.get("JIEFEN_BENCH_SCALE_FROM") or None
KEEP = os.environ.get("JIEFEN_BENCH_SCALE_KEEP") == "1"
REPEAT = int(os.environ.get("JIEFEN_BENCH_SCALE_REPEAT", "7"))
# the two sweep workers' batch: smaller than the default 500 so that both get work at 20,000 cases
FIRE_BATCH = int(os.environ.get("JIEFEN_BENCH_SCALE_FIRE_BATCH", "100"))
WORKERS = int(os.environ.get("JIEFEN_BENCH_SCALE_WORKERS") or "1")  # simulate's processes
SAMPLES = 20  # cases searched for and shown, one per call in turn
ROOT = Path(__file__).resolve().parents[2]
CASES, PARTIES = Case.__table__, Party.__table__  # type: ignore[attr-defined]
EVENTS, DEADLINES = CaseEvent.__table__, Deadline.__table__  # type: ignore[attr-defined]


@contextlib.contextmanager
def scale_database(base_url: str, template: str | None) -> Iterator[str]:
    base = sa.engine.make_url(base_url)
    name = f"{base.database or 'test'}_scale_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        if KEEP:
            print(f"  kept database {name}")
        else:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t) * 1000, out


def timed(engine: sa.Engine, calls: dict[str, Callable[[Session, int], Any]]) -> dict[str, tuple[float, Any]]:
    """ms per call (median of REPEAT; call i gets sample i), each in a session of its own; the calls take
    turns so that a burst of load on the shared machine falls on all of them alike."""
    times: dict[str, list[float]] = {k: [] for k in calls}
    last: dict[str, Any] = {}
    for i in range(REPEAT + 1):  # the first round warms the caches and is not counted
        for key, fn in calls.items():
            with Session(engine) as session:
                ms, last[key] = _ms(lambda fn=fn, s=session, i=i: fn(s, i))
            if i:
                times[key].append(ms)
    return {k: (statistics.median(v), last[k]) for k, v in times.items()}


def _raw(sql: str, **params: Any) -> Callable[[Session, int], Any]:
    return lambda s, _i: s.connection().execute(sa.text(sql), params).all()


def row(label: str, ms: float, floor: float | None, goal: str) -> None:
    ratio = f"{ms / floor:7.1f}×" if floor else "       "
    floor_s = f"{floor:9.2f}" if floor is not None else "        –"
    print(f"  {label:<44} {ms:10.2f} {floor_s} {ratio}   goal {goal}")


def test_scale_benchmark() -> None:
    base = require_postgres()
    missing = unreachable(base)
    assert missing is None, missing
    year = datetime.now(UTC).year - 1
    with scale_database(base, TEMPLATE) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            _run(engine, url, year)
        finally:
            engine.dispose()


def _generate(engine: sa.Engine, year: int) -> None:
    def progress(r: Report, day: date, elapsed: float) -> None:
        print(f"  … {day} {r.cases:,} cases, {r.events:,} events, {r.cases / elapsed:.0f} cases/s", file=sys.stderr)

    t = time.perf_counter()
    r = simulate(engine, cases=N, region=REGION, year=year, seed=1, workers=WORKERS, progress=progress)
    took = time.perf_counter() - t
    print(
        f"\n[simulate, {WORKERS} process(es)] {r.cases:,} cases, {r.events:,} events, {r.timers:,} timers in {took:.0f} s: "
        f"{r.cases / took:.1f} cases/s, {r.events / took:.0f} events/s"
    )
    print("  states " + ", ".join(f"{k} {v:,}" for k, v in r.states.most_common()))
    if r.refused:
        print("  refused " + ", ".join(f"{k} {v}" for k, v in r.refused.most_common()))
    assert r.cases == N and sum(r.states.values()) >= N


def _fire_with_two_workers(engine: sa.Engine, url: str, as_of: datetime, due: int, before_events: int) -> int:
    """The sweep over every due clock by two worker processes at once; returns the events after it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.bench.scale_sweep", url, as_of.isoformat(), str(FIRE_BATCH)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    reports_ = [json.loads(w.communicate(timeout=7200)[0]) for w in workers]
    took = time.perf_counter() - t
    assert all(w.returncode == 0 for w in workers)
    fired = sum(r["timers"] for r in reports_)
    with Session(engine) as s:
        c = s.connection()
        left = c.execute(
            sa.select(sa.func.count())
            .select_from(DEADLINES)
            .where(DEADLINES.c.status == "pending", DEADLINES.c.due_at <= as_of)
        ).scalar_one()
        after_events = c.execute(sa.select(sa.func.count()).select_from(EVENTS)).scalar_one()
    # every due deadline settled; one event per timer (a timer's transition may settle another clock of its
    # case, so fewer may fire than were due)
    assert left == 0 and 0 < fired <= due and after_events == before_events + fired
    split = " + ".join(f"{r['timers']:,}" for r in reports_)
    busy = max(r["seconds"] for r in reports_)  # from each worker's first statement to its last
    print(
        f"  {f'sweep: fire, two workers, batch {FIRE_BATCH}':<44} {fired:,} timers ({split}) in {busy:.1f} s: {fired / busy:,.0f}/s "
        f"({took:.1f} s, {fired / took:,.0f}/s with the processes' start)   goal ≥ 2,000/s"
    )
    return after_events


def _run(engine: sa.Engine, url: str, year: int) -> None:
    if TEMPLATE is None:
        _generate(engine, year)
    tz = get_settings().tz
    year_end = datetime.combine(date(year, 12, 31), dtime(23, 0), tzinfo=tz)
    with Session(engine) as s:
        conn = s.connection()
        total = conn.execute(sa.select(sa.func.count()).select_from(CASES)).scalar_one()
        events = conn.execute(sa.select(sa.func.count()).select_from(EVENTS)).scalar_one()
        year_of = conn.execute(sa.select(sa.func.min(CASES.c.case_no))).scalar_one()
        sample = conn.execute(
            sa.select(CASES.c.id, CASES.c.case_no, CASES.c.region, PARTIES.c.id_number)
            .join(PARTIES, PARTIES.c.case_id == CASES.c.id)
            .where(PARTIES.c.position == 0, PARTIES.c.id_number.is_not(None))
            .order_by(CASES.c.case_no)
            .limit(SAMPLES * 50)
        ).all()[::50]
    assert total > 0 and sample, "no cases to measure"
    print(
        f"[{engine.dialect.name}] {total:,} cases, {events:,} events in {REGION} ({year_of[1:5]}); median of {REPEAT}"
    )
    county = sample[0].region[:6]
    sample = [r for r in sample if r.region.startswith(county)] or sample[:1]
    boss = Actor("bench:supervisor", Role.SUPERVISOR, "bench", REGION.ljust(6, "0"))
    clerk = Actor("bench:clerk", Role.INTAKE, f"SIM-{county}-ZZZX", county)
    n = len(sample)
    print(f"  {'':<44} {'ms':>10} {'floor ms':>9} {'ratio':>8}")

    # --- the supervisor's board and the year's statistics, for the province ----------------------------
    out = timed(
        engine,
        {
            "board": lambda s, _i: supervision.overdue(s, boss, now=year_end),
            "board floor": _raw(
                "SELECT c.org_code, count(*) FROM deadlines d JOIN cases c ON c.id = d.case_id "
                "WHERE d.status = 'pending' AND d.due_at <= :h AND c.region LIKE :r GROUP BY c.org_code",
                h=year_end + timedelta(days=3),
                r=f"{REGION}%",
            ),
            "statistics": lambda s, _i: reports.statistics_for(s, boss, now=year_end, months=12),
            "statistics floor": _raw(
                "SELECT dispute_type, date_trunc('month', created_at), count(*) FROM cases "
                "WHERE region LIKE :r AND created_at >= :a GROUP BY 1, 2",
                r=f"{REGION}%",
                a=datetime(year, 1, 1, tzinfo=tz),
            ),
        },
    )
    stats = out["statistics"][1]
    assert stats.total == sum(sum(m.values()) for m in stats.by_type_month.values()) > 0
    row("督办 board (overdue, province)", out["board"][0], out["board floor"][0], "≤ 1000 ms")
    row("statistics, 12 months (province)", out["statistics"][0], out["statistics floor"][0], "≤ 1000 ms")

    # --- search by a full identity number, by a case number ---------------------------------------------
    out = timed(
        engine,
        {
            "by id": lambda s, i: list_cases(s, clerk, CaseFilters(q=sample[i % n].id_number, limit=20), now=year_end),
            "by id floor": lambda s, i: (
                s.connection()
                .execute(sa.select(PARTIES.c.case_id).where(PARTIES.c.id_number == sample[i % n].id_number))
                .all()
            ),
            "by no": lambda s, i: list_cases(s, clerk, CaseFilters(q=sample[i % n].case_no, limit=20), now=year_end),
            "by no floor": lambda s, i: (
                s.connection().execute(sa.select(CASES.c.id).where(CASES.c.case_no == sample[i % n].case_no)).all()
            ),
        },
    )
    assert str(sample[REPEAT % n].id) in {str(c.id) for c in out["by id"][1].data}
    assert out["by no"][1].count >= 1
    row("search: full identity number (clerk)", out["by id"][0], out["by id floor"][0], "≤ 20 ms")
    row("search: case number (clerk)", out["by no"][0], out["by no floor"][0], "≤ 20 ms")

    # --- a case page through the app --------------------------------------------------------------------
    from api.app import create_app

    password = secrets.token_urlsafe(18)
    username = f"bench-clerk-{county}"
    with Session(engine, expire_on_commit=False) as s:
        user = {"username": username, "password": password, "role": "intake", "org": f"SIM-{county}-ZZZX"}
        load_seed(s, {"users": [{**user, "display_name": "基准测试"}]})
    with TestClient(create_app(get_settings(), engine=engine)) as client:
        r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert r.status_code == 200, r.text
        auth = {"Authorization": f"Bearer {r.json()['access_token']}"}

        def page(_s: Session, i: int) -> Any:
            got = client.get(f"/api/v1/cases/{sample[i % n].id}", headers=auth)
            assert got.status_code == 200, got.text
            return got.json()

        def page_floor(s: Session, i: int) -> Any:
            c, cid = s.connection(), sample[i % n].id
            return (
                c.execute(sa.select(CASES).where(CASES.c.id == cid)).all(),
                c.execute(sa.select(PARTIES).where(PARTIES.c.case_id == cid)).all(),
                c.execute(sa.select(DEADLINES).where(DEADLINES.c.case_id == cid)).all(),
                c.execute(sa.select(EVENTS).where(EVENTS.c.case_id == cid)).all(),
            )

        out = timed(engine, {"page": page, "page floor": page_floor})
    assert out["page"][1]["case_no"] == sample[REPEAT % n].case_no
    row("case page GET /api/v1/cases/{id} (TestClient)", out["page"][0], out["page floor"][0], "≤ 50 ms")

    # --- the sweep over every open deadline --------------------------------------------------------------
    as_of = datetime.now(UTC).replace(microsecond=0)
    batch = get_settings().sweep_batch_size
    find_sql = (
        "SELECT id, case_id FROM deadlines WHERE status = 'pending' AND due_at <= %(as_of)s ORDER BY due_at LIMIT %(n)s"
    )
    out = timed(
        engine,
        {
            "find": lambda s, _i: (
                s.connection().execute(due_query(skip_locked=False), {"as_of": as_of, "n": batch}).all()
            ),
            "find floor": lambda s, _i: s.connection().exec_driver_sql(find_sql, {"as_of": as_of, "n": batch}).all(),
        },
    )
    with Session(engine) as s:
        due = (
            s.connection()
            .execute(
                sa.select(sa.func.count())
                .select_from(DEADLINES)
                .where(DEADLINES.c.status == "pending", DEADLINES.c.due_at <= as_of)
            )
            .scalar_one()
        )
        before_events = s.connection().execute(sa.select(sa.func.count()).select_from(EVENTS)).scalar_one()
    row(f"sweep: find a batch of {batch} due ({due:,} due)", out["find"][0], out["find floor"][0], "≤ 50 ms")
    if due:
        after_events = _fire_with_two_workers(engine, url, as_of, due, before_events)
    else:  # a database measured before (SCALE_FROM) whose due clocks an earlier run fired: nothing to time
        after_events = before_events
        print(f"  {'sweep: fire, two workers':<44} nothing due in this database: simulate afresh to time it")

    # --- jiefen audit verify over the whole database -----------------------------------------------------
    with Session(engine) as s:
        read_ms, _ = _ms(
            lambda: (
                s.connection().exec_driver_sql("SELECT case_id, seq, prev_hash, hash, payload FROM case_events").all()
            )
        )
    with Session(engine) as s:
        check_ms, checked = _ms(lambda: check(s))
    assert not checked.breaks and checked.events == after_events
    print(
        f"  {'audit check (in process, one connection)':<44} {check_ms:10.0f} {read_ms:9.0f} {check_ms / read_ms:7.1f}×"
        f"   {checked.events / check_ms * 1000:,.0f} events/s; floor: reading every event once"
    )
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "audit", "verify"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "JIEFEN_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=7200,
    )
    took = time.perf_counter() - t
    assert done.returncode == 0 and "intact" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
    print(
        f"  {'jiefen audit verify (subprocess)':<44} {took * 1000:10.0f} {read_ms:9.0f} {took * 1000 / read_ms:7.1f}×"
        f"   {after_events / took:,.0f} events/s with the process's start"
    )
    print(f"  {done.stdout.strip().splitlines()[-1]}")
