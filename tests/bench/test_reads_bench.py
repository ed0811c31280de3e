"""Benchmark: case lists and the 督办 dashboard on many cases, SQLite and PostgreSQL.

Run: `JIEFEN_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
.venv/bin/python -m pytest tests/bench/test_reads_bench.py -p no:cacheprovider -q -s`
(without the variable the PostgreSQL half is skipped). Not a test: it prints µs per call (the median of
REPEAT calls, each in a session of its own as a request has, the calls compared taking turns) with
ratios, and the plan of every statement the new reads run. It asserts only functional facts — the old
and the new reads give the same cases, a walk by cursor and pages by offset give the same pages, the
capped count agrees with the full one up to the cap, the GROUP BY statistics and board equal the loop's
and the unindexed ones. It never fails on a timing.

The data (tests/bench/reads_support.py): CASES cases with two parties, their clocks and audit events.
Three columns:
- before: the old code (reads_support: ORM instances of whole rows and a full count; the statistics
  loop over every row and event) without the indexes of migration 0015;
- old code: the same on the 0015 indexes (what the indexes alone bring);
- new: Core columns into CasePublic with a capped count, pages by offset or by cursor; the statistics
  and the board's counts as GROUP BYs and window functions.
Rows: page 1 (PAGE rows) for a clerk (whole numbers), a supervisor (masked) and a mediator (one
organization); page DEEP by offset and by cursor (walked to first, not timed); the count of every case
(admin) and of the overdue ones (clerk), full against capped at COUNT_CAP; the 督办 statistics and board.

Knobs (environment): JIEFEN_BENCH_READS_CASES (20,000), JIEFEN_BENCH_READS_REPEAT (7).
"""

import os
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from models.db import is_sqlite
from models.schemas import CasesPublic
from models.tables import Case, Deadline
from tests.bench.reads_support import AS_OF, loop_statistics, orm_list_cases, populated_engine
from tests.factories import actor
from workflows.access import Actor
from workflows.read import reports, supervision
from workflows.read.case_list import COUNT_CAP, CaseFilters, count_capped, filter_clauses, list_cases

N = int(os.environ.get("JIEFEN_BENCH_READS_CASES", "20000"))
REPEAT = int(os.environ.get("JIEFEN_BENCH_READS_REPEAT", "7"))
PAGE = 20
DEEP = 50  # the page compared by offset and by cursor
NEW_INDEXES = {
    "ix_cases_updated_id",
    "ix_cases_org_updated",
    "ix_cases_created_scope",
    "ix_deadlines_case_kind_created",
}


@pytest.fixture(params=["sqlite", "postgres"])
def bench_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[sa.Engine]:
    with populated_engine(request.param, tmp_path, N, "reads-bench") as engine:
        yield engine


def _time(engine: sa.Engine, calls: dict[str, Callable[[Session], Any]]) -> dict[str, tuple[float, Any]]:
    """µs per call (median of REPEAT) and what the last call returned, for each of `calls`; the calls take
    turns, so that a burst of load on the shared machine falls on all of them alike."""
    times: dict[str, list[float]] = {k: [] for k in calls}
    out: dict[str, Any] = {}
    for _ in range(REPEAT):
        for key, fn in calls.items():
            with Session(engine, expire_on_commit=False) as session:
                t = time.perf_counter()
                out[key] = fn(session)
                times[key].append(time.perf_counter() - t)
    return {k: (statistics.median(v) * 1e6, out[k]) for k, v in times.items()}


def _row(label: str, before: float, old: float | None, new: float) -> None:
    """One line: µs before the new indexes (old code), old code on the new indexes, new code; ratios."""
    mid = f"{old:>10,.0f}" if old is not None else f"{'':>10}"
    ratio = f"×{old / new:5.1f}" if old is not None else f"{'':>6}"
    print(f"  {label:<40} {before:>10,.0f} {mid} {new:>10,.0f}   ×{before / new:5.1f} {ratio}")


def _indexes(engine: sa.Engine, create: bool) -> None:
    """Drop (or create again) the indexes of migration 0015, as declared on the tables."""
    with engine.begin() as conn:
        for table in (Case.__table__, Deadline.__table__):  # type: ignore[attr-defined]
            for index in table.indexes:
                if index.name in NEW_INDEXES and create:
                    index.create(conn)
                elif index.name in NEW_INDEXES:
                    index.drop(conn)
        conn.exec_driver_sql("ANALYZE")


def _plans(engine: sa.Engine, label: str, fn: Callable[[Session], Any]) -> None:
    """The plan of every statement `fn` runs."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine) as session:
            fn(session)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    explain = "EXPLAIN QUERY PLAN " if is_sqlite(engine) else "EXPLAIN "
    print(f"  plans: {label}")
    with engine.connect() as conn:
        for statement, params in seen:
            print("    " + " ".join(statement.split())[:150])
            for line in conn.exec_driver_sql(explain + statement, params).all():
                print("      " + " | ".join(str(x) for x in line[-1:]))


def _ids(page: CasesPublic) -> list[str]:
    return [str(c.id) for c in page.data]


def _same_cases(old: CasesPublic, new: CasesPublic) -> None:
    def rows(page: CasesPublic) -> list[dict[str, Any]]:
        return [c.model_dump(exclude={"limitation"}) for c in page.data]

    assert rows(old) == rows(new)


def test_reads_benchmark(bench_engine: sa.Engine) -> None:
    engine = bench_engine
    with Session(engine) as session:
        clerk, boss, mediator, admin = (actor(session, u) for u in ("window1", "super1", "mediator1", "admin"))
        total = session.connection().execute(sa.select(sa.func.count()).select_from(Case.__table__)).scalar_one()
    assert total == N
    first = CaseFilters(limit=PAGE)
    deep = CaseFilters(limit=PAGE, offset=(DEEP - 1) * PAGE)
    walked, cursor = _walk(engine, clerk)
    after_walk = CaseFilters(limit=PAGE, cursor=cursor)
    counts = {label: filter_clauses(who, CaseFilters(overdue=o), AS_OF) for label, who, o in _counted(admin, clerk)}
    old_calls: dict[str, Callable[[Session], Any]] = {
        **{
            f"page 1, {lb}": lambda s, a=who: orm_list_cases(s, a, first, now=AS_OF)
            for lb, who in _page_one(clerk, boss, mediator)
        },
        f"page {DEEP}, clerk, offset": lambda s: orm_list_cases(s, clerk, deep, now=AS_OF),
        **{f"count, {lb}": lambda s, w=w: _full_count(s, w) for lb, w in counts.items()},
        "statistics (督办)": lambda s: loop_statistics(s, boss, now=AS_OF),
        "overdue board (督办)": lambda s: supervision.overdue(s, boss, now=AS_OF),
    }
    new_calls: dict[str, Callable[[Session], Any]] = {
        **{
            f"page 1, {lb}": lambda s, a=who: list_cases(s, a, first, now=AS_OF)
            for lb, who in _page_one(clerk, boss, mediator)
        },
        f"page {DEEP}, clerk, offset": lambda s: list_cases(s, clerk, deep, now=AS_OF),
        f"page {DEEP}, clerk, cursor": lambda s: list_cases(s, clerk, after_walk, now=AS_OF),
        **{f"count, {lb}": lambda s, w=w: count_capped(s, w) for lb, w in counts.items()},
        "statistics (督办)": lambda s: reports.statistics_for(s, boss, now=AS_OF),
        "overdue board (督办)": lambda s: supervision.overdue(s, boss, now=AS_OF),
    }
    _indexes(engine, create=False)
    before = _time(engine, old_calls)
    _indexes(engine, create=True)
    both = _time(engine, {**{f"old {k}": fn for k, fn in old_calls.items()}, **new_calls})
    old = {k.removeprefix("old "): v for k, v in both.items() if k.startswith("old ")}
    new = {k: v for k, v in both.items() if not k.startswith("old ")}

    # Functional facts: the same rows whichever way they are read.
    for key in new:
        if key.startswith("page 1") or key.endswith("offset"):
            _same_cases(old[key][1], new[key][1])
            _same_cases(before[key][1], new[key][1])
            assert new[key][1].count == min(old[key][1].count, COUNT_CAP)
            assert new[key][1].count_exact == (old[key][1].count <= COUNT_CAP)
    by_offset, by_cursor = new[f"page {DEEP}, clerk, offset"][1], new[f"page {DEEP}, clerk, cursor"][1]
    assert _ids(by_offset) == _ids(by_cursor) and len(by_cursor.data) == PAGE
    assert not set(_ids(by_cursor)) & set(walked)
    for label in counts:
        full = old[f"count, {label}"][1]
        assert new[f"count, {label}"][1] == ((full, True) if full <= COUNT_CAP else (COUNT_CAP, False))
    assert new["statistics (督办)"][1] == old["statistics (督办)"][1] == before["statistics (督办)"][1]
    assert new["statistics (督办)"][1].total > 0
    board = new["overdue board (督办)"][1]
    assert board == before["overdue board (督办)"][1]
    assert (
        board.count
        == sum(len(g.cases) for g in board.data)
        == min(500, sum(g.overdue + g.soon_due for g in board.data))
    )

    print(f"[{engine.dialect.name}] µs per call (median of {REPEAT}); before: old code without the 0015 indexes")
    print(f"  {'':<40} {'before':>10} {'old code':>10} {'new':>10}   before/new  old/new")
    for key, (new_us, _out) in new.items():
        base = key.replace(", cursor", ", offset")
        _row(key, before[base][0], old[base][0] if key == base else new[base][0], new_us)
    print(f"  (page {DEEP} by cursor: its 'old code' column is the new code by offset)")

    _plans(engine, "page 1, clerk", new_calls["page 1, clerk"])
    _plans(engine, "page 1, mediator", new_calls["page 1, mediator"])
    _plans(engine, f"page {DEEP} by cursor, clerk", new_calls[f"page {DEEP}, clerk, cursor"])
    _plans(engine, "overdue board, supervisor", new_calls["overdue board (督办)"])
    _plans(engine, "statistics, supervisor", new_calls["statistics (督办)"])


def _page_one(clerk: Actor, boss: Actor, mediator: Actor) -> list[tuple[str, Actor]]:
    return [("clerk", clerk), ("supervisor", boss), ("mediator", mediator)]


def _counted(admin: Actor, clerk: Actor) -> list[tuple[str, Actor, bool]]:
    return [("admin, all", admin, False), ("clerk, overdue", clerk, True)]


def _full_count(session: Session, where: list[Any]) -> int:
    return session.connection().execute(sa.select(sa.func.count()).select_from(Case).where(*where)).scalar_one()


def _walk(engine: sa.Engine, who: Actor) -> tuple[list[str], str | None]:
    """The ids of the first DEEP - 1 pages walked by cursor, and the cursor to page DEEP."""
    cursor, walked = None, []
    with Session(engine) as session:
        for _ in range(DEEP - 1):
            page = list_cases(session, who, CaseFilters(limit=PAGE, cursor=cursor), now=AS_OF)
            walked += _ids(page)
            cursor = page.next_cursor
    assert len(walked) == len(set(walked)) == (DEEP - 1) * PAGE
    return walked, cursor
