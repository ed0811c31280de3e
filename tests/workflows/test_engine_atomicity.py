"""One commit covers state, effects and audit: a failure anywhere inside fire leaves nothing behind.

The failure is injected after the case row has been mutated (and flushed), so a partial write would
be visible to a fresh Session if the transaction were not rolled back as a whole.
"""

from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from models.tables import Case, CaseEvent, CourtHandoff, Deadline
from states.enums import State, Trigger
from tests.factories import MEDIATION_ORG, T0, actor, agreement_payload, confirmation_request, make_case
from tests.workflows.support import fresh, picture
from workflows import audit
from workflows.audit import chain
from workflows.clocks.deadlines import Deadlines
from workflows.engine import fire, transition
from workflows.stages import STAGES

T = Trigger
NOW = T0 + timedelta(hours=12)


class Boom(RuntimeError):
    pass


def _raise(*_args, **_kwargs):
    raise Boom("injected failure")


CASES = [
    ("divert", State.INTAKE, T.DIVERT, "window1", {"org_code": MEDIATION_ORG}),
    ("accept", State.DIVERSION, T.ACCEPT, "mediator1", {"mediator_code": "M-0001"}),
    ("reach_agreement", State.MEDIATION, T.REACH_AGREEMENT, "mediator1", agreement_payload()),
    ("request_confirmation", State.AGREEMENT, T.REQUEST_CONFIRMATION, "mediator1", confirmation_request()),
    ("pause_clock", State.MEDIATION, T.PAUSE_CLOCK, "mediator1", {"reason": "鉴定"}),
    ("withdraw", State.MEDIATION, T.WITHDRAW, "mediator1", {"reason": "撤回"}),
]


@pytest.mark.parametrize("state,trigger,username,payload", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_failing_audit_append_rolls_back_state_effects_and_version(
    session, monkeypatch, state, trigger, username, payload
):
    case = make_case(session, state=state)
    before = picture(session, case.id)
    calls = []

    def failing_insert(conn, row):
        calls.append(row["trigger"])
        raise Boom("audit store unavailable")

    monkeypatch.setattr(chain, "insert", failing_insert)
    with pytest.raises(Boom):
        fire(session, case_id=case.id, trigger=trigger, actor=actor(session, username), payload=payload, now=NOW)
    assert calls == [trigger], "the failure must come from inside the transition, once"
    assert picture(session, case.id) == before
    # The caller's own session sees the rolled-back row, too.
    session.expire_all()
    assert session.get(Case, case.id).state == before.state
    assert session.get(Case, case.id).version == before.version


@contextmanager
def failing_after(bind, statement_prefix: str):
    """Raise right after the database has executed the first statement starting with the prefix,
    i.e. after that write really happened inside the transaction."""
    seen: list[str] = []

    def hook(conn, cursor, statement, parameters, context, executemany):
        if " ".join(statement.split()).upper().startswith(statement_prefix) and not seen:
            seen.append(statement)
            raise Boom(f"injected after {statement_prefix}")

    event.listen(bind, "after_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(bind, "after_cursor_execute", hook)


WRITES = [
    ("divert-after-case-update", State.INTAKE, T.DIVERT, "window1", {"org_code": MEDIATION_ORG}, "UPDATE CASES"),
    (
        "divert-after-event-insert",
        State.INTAKE,
        T.DIVERT,
        "window1",
        {"org_code": MEDIATION_ORG},
        "INSERT INTO CASE_EVENTS",
    ),
    (
        "divert-after-deadline-insert",
        State.INTAKE,
        T.DIVERT,
        "window1",
        {"org_code": MEDIATION_ORG},
        "INSERT INTO DEADLINES",
    ),
    ("accept-after-deadline-update", State.DIVERSION, T.ACCEPT, "mediator1", {}, "UPDATE DEADLINES"),
    (
        "agreement-after-case-update",
        State.MEDIATION,
        T.REACH_AGREEMENT,
        "mediator1",
        agreement_payload(),
        "UPDATE CASES",
    ),
    (
        "confirmation-after-hand-off-insert",
        State.AGREEMENT,
        T.REQUEST_CONFIRMATION,
        "mediator1",
        confirmation_request(),
        "INSERT INTO COURT_HANDOFFS",
    ),
    (
        "withdraw-after-deadline-update",
        State.MEDIATION,
        T.WITHDRAW,
        "mediator1",
        {"reason": "撤回"},
        "UPDATE DEADLINES",
    ),
]


@pytest.mark.parametrize(
    "state,trigger,username,payload,statement", [w[1:] for w in WRITES], ids=[w[0] for w in WRITES]
)
def test_a_failure_after_a_write_reached_the_database_rolls_back_everything(
    session, state, trigger, username, payload, statement
):
    case = make_case(session, state=state)
    before = picture(session, case.id)
    who = actor(session, username)
    with failing_after(session.get_bind(), statement) as seen, pytest.raises(Boom):
        fire(session, case_id=case.id, trigger=trigger, actor=who, payload=payload, now=NOW)
    assert len(seen) == 1, f"the engine never executed {statement}"
    after = picture(session, case.id)
    assert after == before
    with fresh(session) as s:
        assert len(s.exec(select(CourtHandoff)).all()) == len(before.handoffs)


def test_a_failing_effect_after_the_assignment_rolls_back_the_assignment(session, monkeypatch):
    case = make_case(session, state=State.INTAKE)
    before = picture(session, case.id)

    original = STAGES[T.DIVERT].effect

    def assign_then_fail(ctx):
        original(ctx)
        assert ctx.case.org_code == MEDIATION_ORG
        raise Boom("after the assignment")

    monkeypatch.setattr(transition, "STAGES", {**STAGES, T.DIVERT: replace(STAGES[T.DIVERT], effect=assign_then_fail)})
    with pytest.raises(Boom):
        fire(
            session,
            case_id=case.id,
            trigger=T.DIVERT,
            actor=actor(session, "window1"),
            payload={"org_code": MEDIATION_ORG},
            now=NOW,
        )
    after = picture(session, case.id)
    assert after == before
    assert after.case["org_code"] is None


def test_a_failure_after_the_hand_off_was_written_leaves_no_hand_off(session, monkeypatch):
    case = make_case(session, state=State.AGREEMENT)
    stage = STAGES[T.REQUEST_CONFIRMATION]

    def hand_off_then_fail(ctx, doc_ids):
        stage.after_documents(ctx, doc_ids)
        assert ctx.conn.execute(select(CourtHandoff.id)).all(), "the hand-off row is written in the transaction"
        raise Boom("after the outbox row")

    monkeypatch.setattr(
        transition, "STAGES", {**STAGES, T.REQUEST_CONFIRMATION: replace(stage, after_documents=hand_off_then_fail)}
    )
    before = picture(session, case.id)
    with pytest.raises(Boom):
        fire(
            session,
            case_id=case.id,
            trigger=T.REQUEST_CONFIRMATION,
            actor=actor(session, "mediator1"),
            payload=confirmation_request(),
            now=NOW,
        )
    assert picture(session, case.id) == before
    with fresh(session) as s:
        assert s.exec(select(CourtHandoff)).all() == []
        assert s.exec(select(Deadline).where(Deadline.kind == "court_decision")).all() == []


def test_a_failure_while_opening_a_deadline_rolls_back_the_settled_ones(session, monkeypatch):
    """accept settles diversion_acceptance as met, then opens the mediation clock — which fails."""
    case = make_case(session, state=State.DIVERSION)
    before = picture(session, case.id)
    monkeypatch.setattr(Deadlines, "open", _raise)
    with pytest.raises(Boom):
        fire(session, case_id=case.id, trigger=T.ACCEPT, actor=actor(session, "mediator1"), payload={}, now=NOW)
    after = picture(session, case.id)
    assert after == before
    assert [d[1] for d in after.deadlines if d[0] == "diversion_acceptance"] == ["pending"]


def test_after_a_failed_firing_the_next_one_continues_the_chain_without_a_gap(session, monkeypatch):
    case = make_case(session, state=State.INTAKE)
    with monkeypatch.context() as m:
        m.setattr(chain, "insert", _raise)
        with pytest.raises(Boom):
            fire(
                session,
                case_id=case.id,
                trigger=T.DIVERT,
                actor=actor(session, "window1"),
                payload={"org_code": MEDIATION_ORG},
                now=NOW,
            )
    done = fire(
        session,
        case_id=case.id,
        trigger=T.DIVERT,
        actor=actor(session, "window1"),
        payload={"org_code": MEDIATION_ORG},
        expected_version=1,
        now=NOW,
    )
    assert (done.state, done.version) == (State.DIVERSION, 2)
    with fresh(session) as s:
        seqs = s.exec(select(CaseEvent.seq).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    assert seqs == [1, 2]
    assert audit.verify(session, case_id=case.id)[1] is None
