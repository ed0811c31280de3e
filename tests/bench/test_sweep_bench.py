"""Benchmark: the deadline sweep on SQLite — finding due deadlines through the (status, due_at) index
against a full scan of the table, and firing them through the engine's batch path.

Run: `.venv/bin/python -m pytest tests/bench/test_sweep_bench.py -p no:cacheprovider -q -s`
(`make bench` runs every benchmark). Not a test: it prints a table and asserts only functional facts
(everything due fired once, nothing else touched, the index is the one used). It never fails on a timing.

The data: PENDING pending deadlines, DUE of them due. The due ones sit on cases in
`mediation`, one clock each, so each fires `mediation_timeout` through the engine (lock, guards,
effects, audit event, version) as `system:timeout`. The rest are due from 2027 to 2030 on filler
cases. Rows are bulk-inserted with Core executemany in batches (not timed).

Goals: finding ≤ 50 ms; firing ≥ 1,000 per second.

Knobs (environment): JIEFEN_BENCH_SWEEP_PENDING (1,000,000), JIEFEN_BENCH_SWEEP_DUE (10,000),
JIEFEN_BENCH_SWEEP_SINGLE (1,000: deadlines fired one transaction each, for comparison),
JIEFEN_BENCH_SWEEP_BATCH (500: deadlines per transaction in the sweep).
"""

import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from models.db import make_engine, write_transaction
from models.migrate import upgrade
from models.tables import Case, CaseEvent, Deadline
from tests.conftest import _seed
from workflows.clocks.sweep import Due, due_query, fire_due_locked, sweep

PENDING = int(os.environ.get("JIEFEN_BENCH_SWEEP_PENDING", "1000000"))
DUE = int(os.environ.get("JIEFEN_BENCH_SWEEP_DUE", "10000"))
SINGLE = int(os.environ.get("JIEFEN_BENCH_SWEEP_SINGLE", "1000"))
BATCH = int(os.environ.get("JIEFEN_BENCH_SWEEP_BATCH", "500"))
FILLER_CASES = 1000
INSERT_BATCH = 20_000

AS_OF = datetime(2026, 12, 10, 0, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
CASES = Case.__table__  # type: ignore[attr-defined]
DEADLINES = Deadline.__table__  # type: ignore[attr-defined]
BASIS = "人民调解工作若干规定 第33条（一般在一个月内调结；人民调解默认期限，可配置）"


def _case(i: int, state: str) -> dict:
    return {
        "id": uuid.uuid4(),
        "case_no": f"（2026）330106调B{i:07d}号",
        "region": "330106001001",
        "dispute_type": "neighbour",
        "channel": "window",
        "summary": "基准测试案件",
        "state": state,
        "version": 3,
        "org_code": "CN-ZJ-XH-CC-RTW",
        "mediator_code": "M-0001",
        "court_code": None,
        "arbitration_body_code": None,
        "claim_amount": None,
        "occurred_on": None,
        "arbitration_agreement": False,
        "status_matter": False,
        "referral": None,
        "agreement": None,
        "arbitrated": False,
        "flags": [],
        "event_seq": 0,
        "event_head": "",
        "created_by": "bench",
        "created_at": T0,
        "updated_at": T0,
    }


def _deadline(case_id: uuid.UUID, due: datetime) -> dict:
    last = (due - timedelta(hours=16)).date()
    return {
        "id": uuid.uuid4(),
        "case_id": case_id,
        "kind": "mediation",
        "profile": "mediation.people",
        "start_date": last - timedelta(days=30),
        "days": 30,
        "working_days": False,
        "last_day": last,
        "due_at": due,
        "status": "pending",
        "basis": BASIS,
        "provisional": False,
        "on_expiry": "mediation_timeout",
        "remaining_seconds": None,
        "created_at": T0,
        "updated_at": T0,
        "reminder_lead_seconds": 3 * 86400,
        "remind_at": due - timedelta(days=3),
        "reminded_at": None,
    }


def _populate(engine) -> list[uuid.UUID]:
    due_cases = [_case(i, "mediation") for i in range(DUE + SINGLE)]
    fillers = [_case(DUE + SINGLE + i, "mediation") for i in range(FILLER_CASES)]
    with engine.begin() as conn:
        for i in range(0, len(due_cases), INSERT_BATCH):
            conn.execute(CASES.insert(), due_cases[i : i + INSERT_BATCH])
        conn.execute(CASES.insert(), fillers)
    # Due: spread over the two weeks before AS_OF (plus SINGLE more for the one-at-a-time comparison).
    rows = [
        _deadline(c["id"], AS_OF - timedelta(minutes=1 + (i * 20160) // max(1, DUE + SINGLE)))
        for i, c in enumerate(due_cases)
    ]
    with engine.begin() as conn:
        conn.execute(DEADLINES.insert(), rows)
        rest = PENDING - len(rows)
        span = int(timedelta(days=4 * 365).total_seconds())
        start = datetime(2027, 1, 1, tzinfo=UTC)
        for i in range(0, rest, INSERT_BATCH):
            n = min(INSERT_BATCH, rest - i)
            conn.execute(
                DEADLINES.insert(),
                [
                    _deadline(fillers[(i + k) % FILLER_CASES]["id"], start + timedelta(seconds=((i + k) * 7919) % span))
                    for k in range(n)
                ],
            )
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    return [c["id"] for c in due_cases]


def _time(fn, repeat: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def test_sweep_benchmark(tmp_path):
    url = f"sqlite:///{tmp_path / 'sweep-bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    _seed(engine)
    t = time.perf_counter()
    _populate(engine)
    populate_s = time.perf_counter() - t
    total_due = DUE + SINGLE

    indexed_batch = due_query(skip_locked=False)
    with engine.connect() as conn:
        plan = " | ".join(
            r[-1]
            for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id, case_id FROM deadlines WHERE status = 'pending' AND due_at <= ? "
                "ORDER BY due_at LIMIT 500",
                (AS_OF.replace(tzinfo=None).isoformat(sep=" "),),
            ).all()
        )
        params = {"as_of": AS_OF, "n": BATCH}
        find_batch_s, found = _time(lambda: conn.execute(indexed_batch, params).all())
        assert len(found) == min(BATCH, total_due)
        find_all_s, found_all = _time(lambda: conn.execute(indexed_batch, {"as_of": AS_OF, "n": total_due + 1}).all())
        assert len(found_all) == total_due
        scan_sql = sa.text(
            "SELECT id, case_id FROM deadlines NOT INDEXED WHERE status = 'pending' AND due_at <= :as_of "
            "ORDER BY due_at"
        ).bindparams(sa.bindparam("as_of", type_=Deadline.__table__.c.due_at.type))
        scan_s, scanned = _time(lambda: conn.execute(scan_sql, {"as_of": AS_OF}).all(), repeat=3)
        assert len(scanned) == total_due
        count_sql = "SELECT count(*) FROM deadlines {} WHERE status = 'pending' AND due_at <= ?"
        as_of_text = (AS_OF.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"),)
        count_s, counted = _time(lambda: conn.exec_driver_sql(count_sql.format(""), as_of_text).scalar())
        count_scan_s, counted_scan = _time(
            lambda: conn.exec_driver_sql(count_sql.format("NOT INDEXED"), as_of_text).scalar(), repeat=3
        )
        assert counted == counted_scan == total_due, (counted, counted_scan)
        total_rows = conn.execute(sa.select(sa.func.count()).select_from(DEADLINES)).scalar()
    assert "ix_deadlines_status_due" in plan, plan

    # One transaction per deadline (what firing each through `fire` costs): the first SINGLE due.
    with Session(engine, expire_on_commit=False) as session:
        singles = [Due(cid, did, AS_OF) for did, cid in found_all[:SINGLE]]
        t = time.perf_counter()
        for item in singles:
            with write_transaction(session) as conn:
                fire_due_locked(session, conn, item, now=AS_OF)  # a simulated clock
        single_s = time.perf_counter() - t

    # The sweep: batches of BATCH in one transaction each, through the engine's batch path.
    t = time.perf_counter()
    report = sweep(engine, as_of=AS_OF, now=AS_OF, batch_size=BATCH)
    sweep_s = time.perf_counter() - t
    assert report.timers == DUE and report.skipped == 0, report

    with engine.connect() as conn:
        fired = conn.execute(
            sa.select(sa.func.count()).select_from(DEADLINES).where(DEADLINES.c.status == "fired")
        ).scalar()
        pending = conn.execute(
            sa.select(sa.func.count()).select_from(DEADLINES).where(DEADLINES.c.status == "pending")
        ).scalar()
        events = conn.execute(
            sa.select(sa.func.count())
            .select_from(CaseEvent.__table__)
            .where(CaseEvent.__table__.c.actor == "system:timeout")
        ).scalar()
    assert (fired, pending, events) == (total_due, PENDING - total_due, total_due)
    again = sweep(engine, as_of=AS_OF, now=AS_OF, batch_size=BATCH)
    assert again.timers == 0

    rate = DUE / sweep_s
    single_rate = SINGLE / single_s if SINGLE else float("nan")
    print()
    print(
        f"sweep benchmark on SQLite: {total_rows:,} pending deadlines, {total_due:,} due "
        f"(populated in {populate_s:.1f} s; {os.cpu_count()} CPUs)"
    )
    print(f"plan: {plan}")
    print("| measure | result | goal |")
    print("|---|---|---|")
    print(f"| find one batch ({BATCH}) of due deadlines, index | {find_batch_s * 1000:.2f} ms | ≤ 50 ms |")
    print(f"| find all {total_due:,} due, index | {find_all_s * 1000:.2f} ms | |")
    print(f"| find all {total_due:,} due, full table scan (NOT INDEXED) | {scan_s * 1000:.1f} ms | |")
    print(f"| count the {total_due:,} due in SQL, index (no Python rows) | {count_s * 1000:.2f} ms | ≤ 50 ms |")
    print(f"| count the {total_due:,} due in SQL, full table scan | {count_scan_s * 1000:.1f} ms | |")
    print(
        f"| fire {DUE:,} through the engine, sweep (batches of {BATCH}) | {sweep_s:.2f} s = {rate:,.0f}/s | ≥ 1,000/s |"
    )
    print(f"| fire {SINGLE:,} one transaction each (as `fire` would) | {single_s:.2f} s = {single_rate:,.0f}/s | |")
    print(f"| sweep again (nothing due) | {again.timers} fired | 0 |")
    engine.dispose()
