"""The deadline sweep (`sweep_deadlines`): its logic on both backends on a simulated clock (`now`
given with `as_of`: the tests' cases live in Nov–Dec 2026), one real Prefect run under the session's test
harness on the wall clock, and the batch path of the engine.

Cases are made at T0 = Mon 2 Nov 2026 10:00 local, one hour per step:
- mediation accepted 2 Nov: people's mediation, a month (court referral: 30 days) -> last day Wed 2 Dec,
  due 00:00 3 Dec;
- judicial confirmation requested 2 Nov: 30 days -> due 00:00 3 Dec;
- diverted 2 Nov: 3 working days -> Thu 5 Nov, due 00:00 6 Nov.
"""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models.db import write_transaction
from models.tables import Case, CaseEvent, Deadline, Notification
from states.enums import State
from tests.factories import T0, make_case
from tests.workflows.support import events_of, local, one_deadline, picture
from workflows import audit
from workflows.clocks.sweep import Due, fire_due_locked, sweep, sweep_once
from workflows.flows.definitions import sweep_deadlines, using_engine

AS_OF = local(2026, 12, 10)


def _sweep(engine, as_of=AS_OF, **kw):
    """The flow's body on a simulated clock: the sweep runs at `as_of` (its events dated then)."""
    return sweep(engine, as_of=as_of, now=as_of, **kw).as_dict()


def _notices(session: Session, kind: str) -> list[Notification]:
    with Session(session.get_bind()) as s:
        return list(s.exec(select(Notification).where(Notification.kind == kind).order_by(Notification.dedupe_key)))


def test_sweep_fires_every_due_clock_once_as_system_timeout(engine, session):
    mediating = make_case(session, state=State.MEDIATION)  # people's mediation: overdue, never failed
    referred = make_case(session, state=State.MEDIATION, channel="court_referral")  # 委派: deemed failed
    at_court = make_case(session, state=State.JUDICIAL_CONFIRMATION)
    diverted = make_case(session, state=State.DIVERSION)
    later = make_case(session, state=State.MEDIATION, now=T0 + timedelta(days=20))  # due 00:00 23 Dec

    report = _sweep(engine)
    assert (report["timers"], report["fired"], report["expired"], report["skipped"]) == (4, 4, 0, 0)

    people = picture(session, mediating.id)
    assert (people.state, people.case["flags"]) == ("mediation", ["mediation_overdue"])
    assert one_deadline(session, mediating.id, "mediation", status="fired")
    assert picture(session, referred.id).state == "failed"
    assert one_deadline(session, referred.id, "mediation", status="fired")
    court = picture(session, at_court.id)
    assert (court.state, "court_overdue" in court.case["flags"]) == ("judicial_confirmation", True)
    assert one_deadline(session, at_court.id, "court_decision", status="fired")
    assert one_deadline(session, diverted.id, "diversion_acceptance", status="fired")
    assert picture(session, later.id).state == "mediation"

    for case, trigger in (
        (mediating, "mediation_overdue"),
        (referred, "mediation_timeout"),
        (at_court, "court_overdue"),
        (diverted, "diversion_timeout"),
    ):
        ev = events_of(session, case.id)[-1]
        assert (ev.trigger, ev.actor, ev.at) == (trigger, "system:timeout", AS_OF)
        assert ev.payload["deadline_id"] and ev.payload["kind"]
        assert audit.verify(session, case_id=case.id)[1] is None

    overdue = _notices(session, "overdue")
    assert sorted(n.case_id for n in overdue) == sorted([mediating.id, referred.id, at_court.id, diverted.id])
    assert all(n.status == "pending" and n.dedupe_key.startswith("overdue:") for n in overdue)
    assert "届满" in overdue[0].payload["message"]

    # Idempotent: a second sweep at the same time, or later the same day, fires nothing twice.
    versions = {c.id: picture(session, c.id).version for c in (mediating, referred, at_court, diverted)}
    assert _sweep(engine)["timers"] == 0
    assert _sweep(engine, as_of=AS_OF + timedelta(hours=5))["timers"] == 0
    assert {c.id: picture(session, c.id).version for c in (mediating, referred, at_court, diverted)} == versions
    assert len(_notices(session, "overdue")) == 4


def test_sweep_works_in_small_batches(engine, session):
    cases = [make_case(session, state=State.MEDIATION, now=T0 + timedelta(minutes=i)) for i in range(5)]
    report = _sweep(engine, batch_size=2)
    assert (report["timers"], report["batches"]) == (5, 3)
    assert {(picture(session, c.id).state, *picture(session, c.id).case["flags"]) for c in cases} == {
        ("mediation", "mediation_overdue")
    }


def test_nothing_is_due_before_the_end_of_the_last_day(engine, session):
    case = make_case(session, state=State.MEDIATION)  # last day Wed 2 Dec
    assert _sweep(engine, as_of=local(2026, 12, 2, 23, 59, 59))["timers"] == 0
    assert _sweep(engine, as_of=local(2026, 12, 3))["timers"] == 1
    assert picture(session, case.id).case["flags"] == ["mediation_overdue"]


def test_a_paused_clock_never_fires(engine, session):
    case = make_case(session, state=State.MEDIATION)
    from tests.factories import actor
    from workflows.engine import fire

    fire(
        session,
        case_id=case.id,
        trigger="pause_clock",
        actor=actor(session, "mediator1"),
        payload={"reason": "鉴定"},
        now=T0 + timedelta(days=1),
    )
    assert _sweep(engine, as_of=local(2027, 6, 1))["timers"] == 0
    assert picture(session, case.id).state == "mediation"


def fire_items(session, items):
    """The sweep's per-deadline step for chosen deadlines, in one write transaction, at their as_of."""
    with write_transaction(session) as conn:
        outcomes = [fire_due_locked(session, conn, item, now=item.as_of) for item in items]
    session.expire_all()
    return outcomes


def test_a_clock_without_an_expiry_trigger_is_marked_expired_with_an_audited_event(engine, session):
    agreed = make_case(session, state=State.AGREEMENT)  # signed 2 Nov: confirmation window to 2 Dec
    report = _sweep(engine)
    assert (report["timers"], report["fired"], report["expired"]) == (1, 0, 1)
    d = one_deadline(session, agreed.id, "confirmation_window", status="fired")
    ev = events_of(session, agreed.id)[-1]
    assert (ev.trigger, ev.actor, ev.from_state, ev.to_state) == (
        "deadline_expired",
        "system:timeout",
        "agreement",
        "agreement",
    )
    assert ev.payload["deadline_id"] == str(d.id)
    assert audit.verify(session, case_id=agreed.id)[1] is None
    assert _sweep(engine)["timers"] == 0


def test_a_refused_expiry_trigger_does_not_lose_the_rest_of_the_batch(engine, session):
    odd = make_case(session, state=State.MEDIATION)
    good = make_case(session, state=State.MEDIATION, channel="court_referral", now=T0 + timedelta(minutes=1))
    # A clock whose expiry trigger the case's state does not allow (court_overdue in mediation).
    with engine.begin() as conn:
        conn.execute(sa.update(Deadline).where(Deadline.case_id == odd.id).values(on_expiry="court_overdue"))
    items = [
        Due(d.case_id, d.id, AS_OF)
        for d in (one_deadline(session, odd.id, "mediation"), one_deadline(session, good.id, "mediation"))
    ]
    outcomes = fire_items(session, items)
    assert [o.result for o in outcomes] == ["expired", "fired"]
    assert "不能执行" in outcomes[0].detail
    assert picture(session, odd.id).state == "mediation" and picture(session, good.id).state == "failed"
    ev = events_of(session, odd.id)[-1]
    assert (ev.trigger, ev.payload["refused"]) == ("deadline_expired", outcomes[0].detail)
    # Firing the same items again skips both: their deadlines are settled.
    assert [o.result for o in fire_items(session, items)] == ["skipped", "skipped"]


def test_reminders_go_to_the_outbox_once_within_the_lead_time(engine, session):
    case = make_case(session, state=State.MEDIATION)  # due 00:00 3 Dec, 3 days' lead: remind from 00:00 30 Nov
    assert _sweep(engine, as_of=local(2026, 11, 29, 23))["reminded"] == 0
    report = _sweep(engine, as_of=local(2026, 11, 30, 9))
    assert (report["reminded"], report["timers"]) == (1, 0)
    assert _sweep(engine, as_of=local(2026, 11, 30, 10))["reminded"] == 0
    [n] = _notices(session, "reminder")
    assert (n.case_id, n.org_code, n.payload["kind"]) == (case.id, "CN-ZJ-XH-CC-RTW", "mediation")
    assert "调解期限将于 2026-12-03T00:00:00+08:00 届满" in n.payload["message"]
    d = one_deadline(session, case.id, "mediation")
    assert (d.remind_at, d.reminded_at) == (None, local(2026, 11, 30, 9))


def test_an_extension_after_the_reminder_arms_a_new_one(engine, session):
    from tests.factories import actor
    from workflows.engine import fire

    case = make_case(session, state=State.MEDIATION)
    _sweep(engine, as_of=local(2026, 11, 30, 9))
    fire(
        session,
        case_id=case.id,
        trigger="extend",
        actor=actor(session, "mediator1"),
        payload={"days": 10, "reason": "双方同意", "consent": True},
        now=local(2026, 11, 30, 10),
    )
    d = one_deadline(session, case.id, "mediation")  # now ends Mon 14 Dec (40 days, 12 Dec a Saturday)
    assert d.remind_at == local(2026, 12, 12)
    assert _sweep(engine, as_of=local(2026, 12, 12, 8))["reminded"] == 1
    assert len(_notices(session, "reminder")) == 2


@pytest.mark.usefixtures("prefect_harness")
def test_the_sweep_flow_runs_for_real_under_prefect(sqlite_only):
    engine = sqlite_only
    real = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:  # 委派: 30 days, run out long ago
        case = make_case(session, state=State.MEDIATION, channel="court_referral", now=real - timedelta(days=90))
    as_of = (real - timedelta(days=1)).replace(microsecond=0)  # an operator's sweep as of yesterday
    with using_engine(engine):
        state = sweep_deadlines(as_of=as_of, return_state=True)
    assert state.is_completed()
    assert state.result()["timers"] == 1

    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
    assert [r.name for r in runs] == [f"sweep_deadlines-{as_of}"]
    # the run records what it was asked, and no database URL: the flow reads it from settings
    assert set(runs[0].parameters) == {"as_of", "batch_size"}
    with Session(engine) as s:
        assert s.get(Case, case.id).state == "failed"
        last = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())).first()
        # dated when written, never as_of; as_of recorded in the payload
        assert (last.actor, last.at >= real, last.payload["as_of"]) == ("system:timeout", True, as_of.isoformat())

    # A sweep as of tomorrow would fire deadlines before they are due: the flow run fails, nothing written.
    with Session(engine, expire_on_commit=False) as session:
        soon = make_case(session, state=State.MEDIATION, channel="court_referral", now=real - timedelta(days=29))
    with using_engine(engine):
        refused = sweep_deadlines(as_of=real + timedelta(days=3), return_state=True)
    assert refused.is_failed() and "as_of" in refused.message
    with Session(engine) as s:
        assert s.get(Case, soon.id).state == "mediation"


def test_a_sweep_batch_fires_many_in_one_transaction(engine, session):
    cases = [
        make_case(session, state=State.MEDIATION, channel="court_referral", now=T0 + timedelta(minutes=i))
        for i in range(4)
    ]
    items = [Due(c.id, one_deadline(session, c.id, "mediation").id, AS_OF) for c in cases]
    commits: list[int] = []

    def count(_conn) -> None:
        commits.append(1)

    sa.event.listen(engine, "commit", count)
    try:
        outcomes, found, deferred = sweep_once(session, as_of=AS_OF, batch_size=10, now=AS_OF)
    finally:
        sa.event.remove(engine, "commit", count)
    assert commits == [1]
    assert (found, deferred) == (4, 0)
    assert {(o.case_id, o.deadline_id) for o in outcomes} == {(i.case_id, i.deadline_id) for i in items}
    assert [o.result for o in outcomes] == ["fired"] * 4
    assert {picture(session, c.id).state for c in cases} == {"failed"}
    assert all(audit.verify(session, case_id=c.id)[1] is None for c in cases)


def test_two_due_clocks_of_one_case_are_both_acted_on_in_order(engine, session):
    case = make_case(session, state=State.JUDICIAL_CONFIRMATION)  # court clock due 00:00 3 Dec
    court = one_deadline(session, case.id, "court_decision")
    with engine.begin() as conn:  # a second due clock on the same case, with no expiry trigger
        row = {c.name: getattr(court, c.name) for c in Deadline.__table__.columns}
        import uuid as _uuid

        conn.execute(
            Deadline.__table__.insert().values(
                {
                    **row,
                    "id": _uuid.uuid4(),
                    "kind": "followup",
                    "profile": "followup",
                    "on_expiry": None,
                    "due_at": court.due_at - timedelta(hours=1),
                }
            )
        )
    report = _sweep(engine, batch_size=10)
    assert (report["timers"], report["fired"], report["expired"]) == (2, 1, 1)
    assert [e.trigger for e in events_of(session, case.id)[-2:]] == ["deadline_expired", "court_overdue"]
    assert audit.verify(session, case_id=case.id)[1] is None
