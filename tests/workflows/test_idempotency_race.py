"""Two callers at once with one Idempotency-Key and different bodies, on both backends: one opens the case,
the other is refused (422) — never two cases, never the second body under the first key."""

import threading
from typing import Any

import pytest
from sqlmodel import Session, select

from models.schemas import CaseCreate
from models.tables import Case, IdempotencyKey, Party
from tests.factories import T0, actor, case_payload
from tests.workflows.support import fresh
from workflows.errors import PayloadInvalid
from workflows.intake import open_case

ROUNDS = 5


def _together(engine, jobs) -> list[tuple[str, Any]]:
    barrier = threading.Barrier(len(jobs), timeout=60)
    results: list[tuple[str, Any]] = [("missing", None)] * len(jobs)

    def work(i: int) -> None:
        with Session(engine, expire_on_commit=False) as s:
            try:
                barrier.wait()
                results[i] = ("ok", jobs[i](s))
            except BaseException as e:  # noqa: BLE001 - every outcome is recorded and judged below
                results[i] = ("error", e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return results


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_key_two_bodies_at_once_open_one_case_and_refuse_the_other(engine, session, round_):
    window = actor(session, "window1")
    bodies = [
        CaseCreate.model_validate(case_payload(summary="楼上漏水，天花板受损")),
        CaseCreate.model_validate(case_payload("contract", summary="货款未付")),
    ]
    key = f"race-{round_}"

    results = _together(
        engine,
        [lambda s, d=d: open_case(s, data=d, actor=window, idempotency_key=key, now=T0) for d in bodies],
    )

    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    [(won, created)] = [r for kind, r in results if kind == "ok"]
    [refusal] = [r for kind, r in results if kind == "error"]
    assert created is True
    assert isinstance(refusal, PayloadInvalid), repr(refusal)
    assert refusal.loc == ["header", "Idempotency-Key"] and "已用于另一份申请内容" in refusal.msg
    with fresh(session) as s:
        cases = s.exec(select(Case)).all()
        assert [c.id for c in cases] == [won.id]
        assert len(s.exec(select(Party)).all()) == 2
        [stored] = s.exec(select(IdempotencyKey)).all()
        assert (stored.key, stored.case_id) == (key, won.id)
        assert stored.request_digest is not None
