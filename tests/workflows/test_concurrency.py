"""Many callers at once, on both backends: one case row, one counter, one idempotency key.

Every worker thread has its own Session on the shared engine and starts at a Barrier, so the
calls really overlap. The only acceptable losers' errors are the domain's own (IllegalTransition,
StaleVersion); an OperationalError ("database is locked", deadlock, serialization failure) is a
failure of the engine's locking.
"""

import re
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from models.schemas import CaseCreate
from models.tables import Case, CaseCounter, CaseEvent, IdempotencyKey
from states.enums import State, Trigger
from tests.factories import MEDIATION_ORG, T0, actor, agreement_payload, case_payload, make_case
from tests.workflows.support import fresh, picture
from workflows import audit
from workflows.engine import fire
from workflows.errors import IllegalTransition, StaleVersion
from workflows.intake import open_case

WORKERS = 20
NOW = T0 + timedelta(hours=12)


def _run_together(engine, jobs: list[Callable[[Session], Any]]) -> list[tuple[str, Any]]:
    """Run each job in its own thread and Session, all released at once. Returns
    [("ok", result) | ("error", exception)] in job order."""
    barrier = threading.Barrier(len(jobs), timeout=60)
    results: list[tuple[str, Any]] = [("missing", None)] * len(jobs)

    def work(i: int, job: Callable[[Session], Any]) -> None:
        with Session(engine, expire_on_commit=False) as s:
            try:
                barrier.wait()
                results[i] = ("ok", job(s))
            except BaseException as e:  # noqa: BLE001 - every outcome is recorded and judged below
                results[i] = ("error", e)

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return results


def _chain_is_whole(session, case_id) -> list[int]:
    with fresh(session) as s:
        seqs = list(s.exec(select(CaseEvent.seq).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))
    assert seqs == list(range(1, len(seqs) + 1)), f"gap or duplicate in {seqs}"
    with fresh(session) as s:  # the caller's session may still hold a snapshot from before the workers
        checked, broken = audit.verify(s, case_id=case_id)
    assert broken is None and checked == len(seqs)
    return seqs


def test_conflicting_triggers_at_once_exactly_one_wins(engine, session):
    case = make_case(session, state=State.MEDIATION)
    mediator = actor(session, "mediator1")
    jobs = []
    for i in range(WORKERS):
        if i % 2:
            trig, payload = Trigger.FAIL, {"reason": f"双方分歧过大（{i}）"}
        else:
            trig, payload = Trigger.REACH_AGREEMENT, agreement_payload()
        jobs.append(
            lambda s, trig=trig, payload=payload: (
                trig,
                fire(s, case_id=case.id, trigger=trig, actor=mediator, payload=payload, now=NOW).state,
            )
        )
    results = _run_together(engine, jobs)

    wins = [r for kind, r in results if kind == "ok"]
    errors = [r for kind, r in results if kind == "error"]
    assert len(wins) == 1, results
    assert all(isinstance(e, IllegalTransition) for e in errors), [repr(e) for e in errors]
    trig, dest = wins[0]
    pic = picture(session, case.id)
    assert pic.state == dest == (State.FAILED if trig is Trigger.FAIL else State.AGREEMENT)
    assert pic.version == 4
    assert _chain_is_whole(session, case.id) == [1, 2, 3, 4]
    assert pic.events[-1][1] == trig.value
    # Each loser was told what the winner's state allows.
    allowed_after = {
        "failed": ["withdraw", "resume_mediation", "refer_arbitration", "refer_litigation", "close"],
        "agreement": ["request_confirmation", "refer_arbitration", "refer_litigation", "record_fulfilment"],
    }[pic.state]
    assert all(e.extra["allowed"] == allowed_after for e in errors)


def test_same_version_at_once_exactly_one_wins_and_the_rest_are_stale(engine, session):
    """extend keeps the state, so only the version check can stop the other nineteen."""
    case = make_case(session, state=State.MEDIATION)
    mediator = actor(session, "mediator1")
    version = case.version
    jobs = [
        lambda s, i=i: (
            fire(
                s,
                case_id=case.id,
                trigger=Trigger.EXTEND,
                actor=mediator,
                payload={"days": 1, "reason": f"第{i}次申请延长", "consent": True},
                expected_version=version,
                now=NOW,
            ).version
        )
        for i in range(WORKERS)
    ]
    results = _run_together(engine, jobs)

    wins = [r for kind, r in results if kind == "ok"]
    errors = [r for kind, r in results if kind == "error"]
    assert wins == [version + 1], results
    assert len(errors) == WORKERS - 1
    assert all(isinstance(e, StaleVersion) for e in errors), [repr(e) for e in errors]
    assert {(e.extra["expected"], e.extra["actual"]) for e in errors} == {(version, version + 1)}
    pic = picture(session, case.id)
    assert pic.version == version + 1
    assert [d[4] for d in pic.deadlines if d[0] == "mediation"] == [31], "the deadline was extended exactly once"
    assert _chain_is_whole(session, case.id) == [1, 2, 3, 4]


def test_unversioned_self_loops_at_once_all_apply_in_turn(engine, session):
    """Without expected_version, twenty extensions serialize: twenty events, +20 days, no lost update."""
    case = make_case(session, state=State.MEDIATION)
    mediator = actor(session, "mediator1")
    jobs = [
        lambda s, i=i: (
            fire(
                s,
                case_id=case.id,
                trigger=Trigger.EXTEND,
                actor=mediator,
                payload={"days": 1, "reason": f"延长{i}", "consent": True},
                now=NOW,
            ).version
        )
        for i in range(WORKERS)
    ]
    results = _run_together(engine, jobs)
    assert [kind for kind, _ in results] == ["ok"] * WORKERS, [r for _, r in results]
    assert sorted(r for _, r in results) == list(range(4, 4 + WORKERS))
    pic = picture(session, case.id)
    assert pic.version == 3 + WORKERS
    assert [d[4] for d in pic.deadlines if d[0] == "mediation"] == [30 + WORKERS]
    assert _chain_is_whole(session, case.id) == list(range(1, 4 + WORKERS))


def test_twenty_cases_fired_at_once_all_succeed(engine, session):
    """Writers on different cases never fail on each other's locks (SQLite: no 'database is locked')."""
    cases = [make_case(session, state=State.INTAKE) for _ in range(WORKERS)]
    window = actor(session, "window1")
    jobs = [
        lambda s, c=c: (
            fire(
                s, case_id=c.id, trigger=Trigger.DIVERT, actor=window, payload={"org_code": MEDIATION_ORG}, now=NOW
            ).state
        )
        for c in cases
    ]
    results = _run_together(engine, jobs)
    assert results == [("ok", State.DIVERSION)] * WORKERS
    for c in cases:
        assert _chain_is_whole(session, c.id) == [1, 2]


def _seq(case_no: str) -> int:
    m = re.fullmatch(r"（2026）330106调(\d{4})号", case_no)
    assert m, case_no
    return int(m.group(1))


def test_twenty_cases_opened_at_once_get_case_numbers_one_to_twenty(engine, session):
    window = actor(session, "window1")
    jobs = [
        lambda s, i=i: (
            open_case(
                s, data=CaseCreate.model_validate(case_payload(summary=f"第{i}号窗口同时受理")), actor=window, now=NOW
            )[0].case_no
        )
        for i in range(WORKERS)
    ]
    results = _run_together(engine, jobs)
    assert [kind for kind, _ in results] == ["ok"] * WORKERS, [r for _, r in results]
    assert sorted(_seq(no) for _, no in results) == list(range(1, WORKERS + 1))
    with fresh(session) as s:
        assert len(s.exec(select(Case)).all()) == WORKERS
        assert s.exec(select(CaseCounter.last).where(CaseCounter.region == "330106")).one() == WORKERS
    with fresh(session) as s:
        assert audit.verify(s) == (WORKERS, None)


def test_ten_repeats_of_one_idempotency_key_at_once_open_one_case(engine, session):
    window = actor(session, "window1")
    data = CaseCreate.model_validate(case_payload())
    jobs = [
        lambda s: (lambda r: (str(r[0].id), r[1]))(
            open_case(s, data=data, actor=window, idempotency_key="window1-2026-11-02-0001", now=NOW)
        )
        for _ in range(10)
    ]
    results = _run_together(engine, jobs)
    assert [kind for kind, _ in results] == ["ok"] * 10, [r for _, r in results]
    ids = {case_id for _, (case_id, _created) in results}
    assert len(ids) == 1
    assert Counter(created for _, (_id, created) in results) == Counter({True: 1, False: 9})
    with fresh(session) as s:
        cases = s.exec(select(Case)).all()
        assert [str(c.id) for c in cases] == list(ids)
        assert _seq(cases[0].case_no) == 1
        assert len(s.exec(select(IdempotencyKey)).all()) == 1
    # The losers' rolled-back attempts consumed no case number.
    nxt, created = open_case(session, data=data, actor=window, now=NOW)
    assert created and _seq(nxt.case_no) == 2
    with fresh(session) as s:
        assert audit.verify(s) == (2, None)
