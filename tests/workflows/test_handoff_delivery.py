"""Hand-offs pushed to a court's webhook — a real HTTP receiver on 127.0.0.1, signatures
checked by the receiver, exponential backoff honoured by driving `now`, no duplicate effect, and a
delivery that never succeeds ends `failed`, listed for supervisors, never dropped."""

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from states.enums import State, Trigger
from tests.factories import COURT, T0, actor, confirmation_request, make_case
from tests.workflows.handoff_support import notifications, receiver, unused_port_url, webhook
from workflows.engine import fire
from workflows.flows.definitions import handoffs_deliver, using_engine
from workflows.outbox import handoffs, webhooks

SECRET = "court-shared-secret-0123456789"
T1 = T0 + timedelta(hours=4)  # make_case reaches `agreement` at T0 + 3 h


def _request(session: Session) -> object:
    case = make_case(session, state=State.AGREEMENT)
    fire(
        session,
        case_id=case.id,
        trigger=Trigger.REQUEST_CONFIRMATION,
        actor=actor(session, "mediator1"),
        payload=confirmation_request(),
        now=T1,
    )
    return case


def test_a_handoff_is_delivered_after_three_failures_with_backoff_signed_and_once(engine: Engine) -> None:
    with (
        receiver(SECRET, fail_first=3) as (url, rec),
        webhook(engine, COURT, url, SECRET),
        Session(engine, expire_on_commit=False) as session,
    ):
        case = _request(session)
        [n] = notifications(engine)
        assert (n.status, n.attempts, n.payload["event"]) == ("pending", 0, "handoff.created")
        assert n.payload["package"]["agreement"]["obligations"][0]["amount"] == "8500.00"

        # attempt 1 at T1: 500 → retry in 30 s
        with using_engine(engine):
            assert handoffs_deliver.fn(now=T1) == {"delivered": 0, "retrying": 1, "failed": 0}
        # not before the backoff has passed: nothing is sent
        assert webhooks.deliver_pending(session, now=T1 + timedelta(seconds=29)).as_dict()["retrying"] == 0
        assert len(rec.requests) == 1
        # attempt 2 at +30 s (500) → retry in 60 s; attempt 3 at +90 s (500) → retry in 120 s
        assert webhooks.deliver_pending(session, now=T1 + timedelta(seconds=30)).retrying
        assert not webhooks.deliver_pending(session, now=T1 + timedelta(seconds=89)).as_dict()["retrying"]
        assert webhooks.deliver_pending(session, now=T1 + timedelta(seconds=90)).retrying
        [n] = notifications(engine)
        assert n.attempts == 3 and n.last_error == "HTTP 500" and n.status == "pending"
        assert not webhooks.deliver_pending(session, now=T1 + timedelta(seconds=209)).delivered
        assert len(rec.requests) == 3
        # attempt 4 at +210 s: accepted, signature checked by the receiver
        assert webhooks.deliver_pending(session, now=T1 + timedelta(seconds=210)).delivered == [n.id]
        [n] = notifications(engine)
        assert (n.status, n.attempts) == ("delivered", 4)
        assert rec.bad_signatures == 0
        assert {r["delivery"] for r in rec.requests} == {str(n.id)}  # the same delivery id on every retry
        assert list(rec.recorded) == [str(n.id)]
        body = rec.recorded[str(n.id)]
        assert (body["event"], body["case_id"], body["court_code"]) == ("handoff.created", str(case.id), COURT)
        assert body["delivery_id"] == str(n.id)

        # delivered: nothing more is sent, however often the flow runs
        assert webhooks.deliver_pending(session, now=T1 + timedelta(days=1)).as_dict() == {
            "delivered": 0,
            "retrying": 0,
            "failed": 0,
        }
        assert len(rec.requests) == 4

        # a later change (receipt, then the ruling) is its own delivery
        hid = body["handoff_id"]
        handoffs.receive(session, actor=actor(session, "court1"), handoff_id=hid, now=T1 + timedelta(hours=1))
        handoffs.receive(session, actor=actor(session, "court1"), handoff_id=hid, now=T1 + timedelta(hours=2))
        fire(
            session,
            case_id=case.id,
            trigger=Trigger.COURT_CONFIRM,
            actor=actor(session, "court1"),
            payload={"ruling_no": "（2026）浙0106民特9号"},
            now=T1 + timedelta(hours=3),
        )
        assert len(webhooks.deliver_pending(session, now=T1 + timedelta(hours=3)).delivered) == 2
        events = [b["event"] for b in rec.recorded.values()]
        assert events == ["handoff.created", "handoff.accepted", "handoff.decided"]
        decided = list(rec.recorded.values())[2]
        assert (decided["outcome"], decided["ruling_no"]) == ("confirmed", "（2026）浙0106民特9号")
        assert rec.bad_signatures == 0

    # the receiver is told the same delivery twice (e.g. our answer was lost): it can tell, and acts once
    with (
        receiver(SECRET) as (url, rec2),
        webhook(engine, COURT, url, SECRET),
        Session(engine, expire_on_commit=False) as session,
    ):
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE notifications SET status = 'pending' WHERE kind = 'court_webhook'")
        assert len(webhooks.deliver_pending(session, now=T1 + timedelta(days=2)).delivered) == 3
        assert len(webhooks.deliver_pending(session, now=T1 + timedelta(days=2), max_attempts=99).delivered) == 0
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE notifications SET status = 'pending' WHERE kind = 'court_webhook'")
        webhooks.deliver_pending(session, now=T1 + timedelta(days=3), max_attempts=99)
        assert len(rec2.requests) == 6 and len(rec2.recorded) == 3


def test_a_wrong_secret_is_caught_by_the_receiver_and_retried(engine: Engine) -> None:
    with (
        receiver(SECRET) as (url, rec),
        webhook(engine, COURT, url, "not-the-court-s-secret"),
        Session(engine, expire_on_commit=False) as session,
    ):
        _request(session)
        report = webhooks.deliver_pending(session, now=T1)
        assert report.retrying and rec.bad_signatures == 1 and rec.recorded == {}
        [n] = notifications(engine)
        assert n.last_error == "HTTP 401"


def test_a_delivery_that_never_succeeds_ends_failed_and_is_listed_for_supervisors(engine: Engine) -> None:
    with webhook(engine, COURT, unused_port_url(), SECRET), Session(engine, expire_on_commit=False) as session:
        case = _request(session)
        now = T1
        for attempt in range(1, webhooks.MAX_ATTEMPTS + 1):
            report = webhooks.deliver_pending(session, now=now)
            [n] = notifications(engine)
            assert n.attempts == attempt
            if attempt < webhooks.MAX_ATTEMPTS:
                assert report.retrying == [n.id] and n.status == "pending"
                assert n.next_attempt_at == now + webhooks.backoff(attempt)
                now = n.next_attempt_at
            else:
                assert report.failed == [n.id] and n.status == "failed"
        assert "ConnectError" in n.last_error
        # never dropped: still there, no longer retried, listed for the supervisor
        assert webhooks.deliver_pending(session, now=now + timedelta(days=30)).as_dict() == {
            "delivered": 0,
            "retrying": 0,
            "failed": 0,
        }
        [listed] = webhooks.undelivered(session, actor(session, "super1"))
        assert (listed["id"], listed["case_no"], listed["court_code"], listed["event"]) == (
            n.id,
            case.case_no,
            COURT,
            "handoff.created",
        )
        assert listed["attempts"] == webhooks.MAX_ATTEMPTS
        with pytest.raises(Exception, match="督办"):
            webhooks.undelivered(session, actor(session, "mediator1"))


def test_a_court_without_a_webhook_gets_no_push(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        _request(session)
        assert notifications(engine) == []


def test_two_deliverers_at_once_claim_disjoint_notices_and_push_each_once(engine: Engine) -> None:
    # Two workers' runs of handoffs_deliver overlapping: each notice is claimed (next_attempt_at moved a
    # lease ahead) before it is pushed, so the second deliverer skips what the first holds.
    with (
        receiver(SECRET) as (url, rec),
        webhook(engine, COURT, url, SECRET),
        Session(engine, expire_on_commit=False) as session,
        Session(engine, expire_on_commit=False) as other,
    ):
        _request(session)
        _request(session)
        first = webhooks.claim_next(session, now=T1)
        second = webhooks.claim_next(other, now=T1)
        assert first is not None and second is not None and first[0] != second[0]
        assert webhooks.claim_next(other, now=T1) is None  # both held: nothing left to claim
        assert webhooks.deliver_pending(other, now=T1).as_dict() == {"delivered": 0, "retrying": 0, "failed": 0}
        assert rec.requests == []
        # a deliverer that died leaves its claim to lapse: after the lease the notice is pushed (same id)
        later = T1 + webhooks.CLAIM_LEASE
        assert webhooks.deliver_pending(other, now=later).as_dict() == {"delivered": 2, "retrying": 0, "failed": 0}
        assert sorted(r["delivery"] for r in rec.requests) == sorted([str(first[0]), str(second[0])])
        assert webhooks.deliver_pending(session, now=later).as_dict()["delivered"] == 0
