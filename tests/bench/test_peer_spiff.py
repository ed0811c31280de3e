"""Benchmark: jiefen's `fire` against a peer, SpiffWorkflow, on the same lifecycle and the same database.

Run with `make bench` (which installs the `bench` extra). A benchmark, not a test: it prints a table and
asserts only functional facts (every Spiff workflow reached its end event; every jiefen case is closed
with its six events, documents and hand-off; the audit chains verify). It never fails on a timing.

The lifecycle: the plain path of states/table.py — divert (intake) → accept → reach_agreement →
request_confirmation (mediator) → court_confirm (court) → record_fulfilment (mediator): intake →
diversion → mediation → agreement → judicial_confirmation → confirmed → closed. Six steps per case, the
payloads of tests/factories.py (built before the clock starts; both sides get the same dicts).

Per step, each side does this, one transaction per step on the same engine (SQLite in WAL mode;
PostgreSQL too when reachable), through the same `models.db.write_transaction` (BEGIN IMMEDIATE on
SQLite):

- SpiffWorkflow (3.x, tests/bench/lifecycle.bpmn: six user tasks in three lanes, no gateways): SELECT
  the workflow's row (FOR UPDATE on PostgreSQL); `BpmnWorkflowSerializer.deserialize_json` (the blob
  holds the process spec as well as the task tree: the default serializer writes both); take the ready
  user task, check its name and lane; put the payload in its data; run it and `do_engine_steps` to the
  next user task; `serialize_json`; UPDATE the row (JSON text, version + 1, updated_at); COMMIT. It
  persists one JSON blob: no payload validation, no rules or guards, no clocks, no documents, no audit
  chain (the task tree keeps the completed tasks and their data, unsigned, inside the same blob).
- jiefen (`workflows.engine.fire`, on the real triggers): lock the case row, check visibility, role and
  version; validate the payload against the trigger's model; resolve what it names (the organization,
  the mediator, the court and the courts competent for the agreement, the joint application's
  signatories); run the `transitions` machine with the table's guards (the confirmation window by the
  legal calendar, what a court may confirm, …); apply the stage's effects — the statutory clocks as
  deadline rows, each opened by one step and met by a later one (diversion acceptance, mediation,
  confirmation window, court decision, enforcement per obligation; counted on the legal calendar), the
  agreement and the joint application recorded on the case, the court hand-off outbox row written and
  then decided; register the documents the step produces as pending outbox rows (acceptance notice,
  mediation agreement, confirmation application: rendered after commit by a worker, not here); append
  the audit event, hash-chained with HMAC-SHA256 over canonical JSON; bump the version; COMMIT.

Each round walks fresh cases and fresh workflows (a lifecycle ends at closed); the two sides run
interleaved in ROUNDS rounds, the order alternating each round; the table shows the median of the
rounds per step and overall, and the ratio Spiff µs / jiefen µs (how many times faster jiefen is).

Knobs (environment): JIEFEN_BENCH_PEER_N_SQLITE, JIEFEN_BENCH_PEER_N_PG (100 cases and 100 workflows a
round), JIEFEN_BENCH_ROUNDS (5), JIEFEN_TEST_POSTGRES_URL (default a local server's `test`).
"""

import os
import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event
from sqlmodel import Session, select

from models.tables import Case, CaseEvent, CourtHandoff, Document
from states.enums import Role, State
from states.table import row_for
from tests.bench.peer_support import (
    DOCUMENT_KINDS,
    END_STATE,
    PATH,
    Peer,
    Timing,
    build,
    jiefen_pass,
    parse_spec,
    payloads,
    reached_end,
    spiff_pass,
)
from tests.bench.reach import unreachable
from tests.conftest import scratch_postgres
from workflows import audit

N_SQLITE = int(os.environ.get("JIEFEN_BENCH_PEER_N_SQLITE", "100"))
N_PG = int(os.environ.get("JIEFEN_BENCH_PEER_N_PG", "100"))
ROUNDS = int(os.environ.get("JIEFEN_BENCH_ROUNDS", "5"))
PG_URL = os.environ.get("JIEFEN_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WARMUP = 10  # cases and workflows walked untimed first
GOAL = 2.0  # jiefen ≥ 2× faster per step than SpiffWorkflow
SIDES = ("jiefen", "spiff")


# --- the process is the table's plain path ----------------------------------------------------------


def test_the_bpmn_process_is_the_tables_plain_path() -> None:
    """lifecycle.bpmn's user tasks, in order, are PATH's triggers, each in a lane of a role its table
    row allows, and the path leads from intake to closed through the table's own destinations."""
    wf = BpmnWorkflow(parse_spec())
    wf.do_engine_steps()
    state = State.INTAKE
    for step in PATH:
        row = row_for(state, step.trigger)
        assert row is not None, f"{step.trigger} is not allowed in {state}"
        task = wf.get_next_task(state=TaskState.READY, manual=True)
        assert task is not None and task.task_spec.name == step.trigger
        assert Role(task.task_spec.lane) in row.roles
        task.run()
        wf.do_engine_steps()
        state = row.dest
    assert state is END_STATE
    assert reached_end(wf)


# --- the two backends -------------------------------------------------------------------------------


def _pool(n: int) -> int:
    return WARMUP + 1 + ROUNDS * n  # the warm-up, the one whose statements are counted, the rounds


@pytest.fixture(scope="module")
def sqlite_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    path = tmp_path_factory.mktemp("peer") / "jiefen-peer.db"
    peer = build("sqlite", f"sqlite:///{path}", _pool(N_SQLITE))
    yield peer
    peer.engine.dispose()  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def postgres_peer() -> Iterator[Peer]:
    why = unreachable(PG_URL)
    if why is not None:
        print(f"\nPostgreSQL skipped: {why}")
        yield Peer("postgresql", None, skipped="unreachable")
        return
    with scratch_postgres(PG_URL) as url:
        peer = build("postgresql", url, _pool(N_PG))
        try:
            yield peer
        finally:
            peer.engine.dispose()  # type: ignore[union-attr]


# --- measuring --------------------------------------------------------------------------------------


def _passes(peer: Peer, n: int) -> dict[str, Callable[[], list[Timing]]]:
    data = payloads(n)
    return {
        "jiefen": lambda: jiefen_pass(peer, peer.take_cases(n), data),
        "spiff": lambda: spiff_pass(peer, peer.take_workflows(n), data),
    }


def _statements(peer: Peer) -> dict[str, int]:
    """SQL statements each side sends for one case's six steps (BEGIN/COMMIT not counted)."""
    assert peer.engine is not None
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
        seen.append(statement.lstrip().upper())

    counts: dict[str, int] = {}
    for side, run in _passes(peer, 1).items():
        seen.clear()
        event.listen(peer.engine, "before_cursor_execute", record)
        try:
            run()
        finally:
            event.remove(peer.engine, "before_cursor_execute", record)
        counts[side] = sum(1 for s in seen if not s.startswith(("BEGIN", "COMMIT")))
    return counts


def _measure(peer: Peer, n: int) -> dict[str, list[list[Timing]]]:
    """ROUNDS interleaved rounds; per side, per round, the six steps' timings."""
    runs = _passes(peer, n)
    for run in _passes(peer, WARMUP).values():  # warm-up (not timed): caches, prepared statements, pool
        run()
    rounds: dict[str, list[list[Timing]]] = {side: [] for side in SIDES}
    for r in range(ROUNDS):
        for side in SIDES if r % 2 == 0 else reversed(SIDES):
            rounds[side].append(runs[side]())
        j, s = (1e6 * sum(w for w, _ in rounds[side][-1]) / (len(PATH) * n) for side in SIDES)
        print(f"  {peer.name} round {r + 1}/{ROUNDS}: jiefen {j:6,.0f} µs/step   Spiff {s:6,.0f} µs/step")
    return rounds


def _check(peer: Peer) -> None:
    """Functional facts only: where every case and every workflow ended up."""
    assert peer.engine is not None and peer.spiff is not None
    for wf_id in peer.wfs_walked:
        wf, version, _ = peer.spiff.load(wf_id)
        assert reached_end(wf), f"workflow {wf_id} did not reach its end event"
        assert version == len(PATH)
    ids = peer.cases_walked
    with Session(peer.engine) as s:
        states = set(s.exec(select(Case.state).where(Case.id.in_(ids))).all())  # type: ignore[attr-defined]
        assert states == {END_STATE}, states
        triggers: dict[uuid.UUID, list[str]] = defaultdict(list)
        for cid, trigger in s.exec(
            select(CaseEvent.case_id, CaseEvent.trigger).where(CaseEvent.case_id.in_(ids)).order_by(CaseEvent.seq)  # type: ignore[attr-defined]
        ):
            triggers[cid].append(trigger)
        expected = ["open", *(str(step.trigger) for step in PATH)]
        assert all(triggers[cid] == expected for cid in ids), "every case: opened, then the six steps in order"
        kinds: dict[uuid.UUID, list[str]] = defaultdict(list)
        for cid, kind in s.exec(select(Document.case_id, Document.kind).where(Document.case_id.in_(ids))):  # type: ignore[attr-defined]
            kinds[cid].append(kind)
        assert all(sorted(kinds[cid]) == sorted(DOCUMENT_KINDS) for cid in ids), "the documents each step registers"
        handoffs = s.exec(
            select(CourtHandoff.outcome, sa.func.count())
            .where(CourtHandoff.case_id.in_(ids))
            .group_by(CourtHandoff.outcome)  # type: ignore[attr-defined]
        ).all()
        assert handoffs == [("confirmed", len(ids))], handoffs
        checked, broken = audit.verify(s)
    assert broken is None, broken
    print(
        f"  {peer.name}: {len(ids)} cases closed by fire, {len(peer.wfs_walked)} Spiff workflows at their end "
        f"event; audit.verify ok over {checked} events"
    )


# --- the benchmark ----------------------------------------------------------------------------------


def _us(timings: list[Timing], n: int, cpu: bool = False) -> float:
    return 1e6 * sum(c if cpu else w for w, c in timings) / (len(timings) * n)


def test_peer_spiffworkflow(sqlite_peer: Peer, postgres_peer: Peer) -> None:
    results = []
    for peer, n in ((sqlite_peer, N_SQLITE), (postgres_peer, N_PG)):
        if peer.skipped:
            results.append((peer.name, None))
            continue
        print(
            f"\n{peer.name}: {len(peer.case_pool)} cases at intake and {len(peer.wf_pool)} Spiff workflows built "
            f"in {peer.setup_seconds:.1f} s; {ROUNDS} rounds of {n} cases × {len(PATH)} steps a side"
        )
        statements = _statements(peer)
        rounds = _measure(peer, n)
        _check(peer)
        assert peer.spiff is not None
        _, _, size = peer.spiff.load(peer.wfs_walked[-1])
        print(
            f"  {peer.name}: SQL statements for one case's six steps: jiefen {statements['jiefen']}, "
            f"Spiff {statements['spiff']} (BEGIN/COMMIT not counted); a finished workflow's JSON is {size:,} bytes"
        )
        per_step = {
            side: [statistics.median(1e6 * rnd[i][0] / n for rnd in rounds[side]) for i in range(len(PATH))]
            for side in SIDES
        }
        overall = {side: statistics.median(_us(rnd, n) for rnd in rounds[side]) for side in SIDES}
        cpu = {side: statistics.median(_us(rnd, n, cpu=True) for rnd in rounds[side]) for side in SIDES}
        results.append((peer.name, (per_step, overall, cpu)))

    print(
        f"\nSpiffWorkflow peer: the plain path, {len(PATH)} steps a case, one transaction a step; median of "
        f"{ROUNDS} rounds, µs per step (wall clock)\nratio = Spiff µs / jiefen µs: how many times faster jiefen is\n"
    )
    header = f"{'backend':<11}| {'step':<22}| {'jiefen µs':>9} | {'Spiff µs':>8} | {'ratio':>5}"
    print(header)
    print("-" * len(header))
    for name, figures in results:
        if figures is None:
            print(f"{name:<11}| skipped (unreachable)")
            continue
        per_step, overall, _ = figures
        for i, step in enumerate(PATH):
            j, s = per_step["jiefen"][i], per_step["spiff"][i]
            print(f"{name:<11}| {step.trigger:<22}| {j:>9,.0f} | {s:>8,.0f} | {s / j:>5.2f}")
        j, s = overall["jiefen"], overall["spiff"]
        print(f"{name:<11}| {'all six, per step':<22}| {j:>9,.0f} | {s:>8,.0f} | {s / j:>5.2f}")
    print("\nthe same as CPU time of this (client) process per step; PostgreSQL's server-side time is not in it")
    for name, figures in results:
        if figures is not None:
            j, s = figures[2]["jiefen"], figures[2]["spiff"]
            print(f"  {name:<11} jiefen {j:6,.0f} µs   Spiff {s:6,.0f} µs   ratio {s / j:.2f}")
    print()
    for name, figures in results:
        if figures is None:
            print(f"goal jiefen ≥ {GOAL:g}× faster per step than SpiffWorkflow on {name}: not measured (skipped)")
            continue
        j, s = figures[1]["jiefen"], figures[1]["spiff"]
        verdict = "met" if s / j >= GOAL else "NOT met"
        print(
            f"goal jiefen ≥ {GOAL:g}× faster per step than SpiffWorkflow on {name}: {verdict} "
            f"({s / j:.2f}×; jiefen {j:,.0f} µs vs Spiff {s:,.0f} µs per step)"
        )
