"""A sweep "as of" another time (issue 15, item 2): `as_of` says what is due, `now` when the sweep writes.

Events always carry the time they were written (`now`: the wall clock, or the clock a test simulates);
a sweep as of an earlier time fires only what was due by then and records `as_of` in the payload; a
sweep as of a later time is refused — firing a deadline before it is due would end a party's period
early (and date the audit trail in the future: the dashboard's median days per stage went to 34.1).

Cases are made at T0 = Mon 2 Nov 2026 10:00 local, one hour per step (accepted at 12:00):
- 委派 court referral: 30 days -> last day Wed 2 Dec, due 00:00 3 Dec, then deemed failed;
- people's mediation: a month -> due 00:00 3 Dec (made a day later: 4 Dec; two days later: 5 Dec),
  reminded 3 days before.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from models.tables import Deadline, Notification
from states.enums import State
from tests.factories import T0, actor, make_case
from tests.workflows.support import SHANGHAI, events_of, local, one_deadline, picture
from workflows import audit
from workflows.clocks.sweep import sweep
from workflows.errors import PayloadInvalid
from workflows.read.reports import statistics_for

AS_OF = local(2026, 12, 3, 0, 5)  # the clocks due 00:00 3 Dec had run out by then
NOW = local(2026, 12, 10, 9)  # when the sweep actually runs, a week later
ACCEPTED = T0 + timedelta(hours=2)  # when make_case's cases entered mediation


def _notices(session: Session, kind: str) -> list[Notification]:
    with Session(session.get_bind()) as s:
        return list(s.exec(select(Notification).where(Notification.kind == kind)))


def test_an_as_of_later_than_now_is_refused_naming_it_and_nothing_is_written(engine, session):
    case = make_case(session, state=State.MEDIATION, channel="court_referral")  # due 00:00 3 Dec
    before = picture(session, case.id)
    with pytest.raises(PayloadInvalid) as refused:
        sweep(engine, as_of=local(2026, 12, 3, 0, 5), now=local(2026, 12, 2, 12))
    assert refused.value.loc == ["as_of"]
    assert "as_of" in refused.value.detail and "晚于当前时间" in refused.value.detail
    # On the wall clock too (the default `now`): tomorrow is later than now, whenever this test runs.
    with pytest.raises(PayloadInvalid):
        sweep(engine, as_of=datetime.now(UTC) + timedelta(days=1))
    assert picture(session, case.id) == before
    assert _notices(session, "overdue") == [] and _notices(session, "reminder") == []


def test_a_past_as_of_fires_what_was_due_then_dated_now_with_as_of_in_the_payload(engine, session):
    referred = make_case(session, state=State.MEDIATION, channel="court_referral")  # due 00:00 3 Dec
    later = make_case(session, state=State.MEDIATION, channel="court_referral", now=T0 + timedelta(days=5))  # 8 Dec

    report = sweep(engine, as_of=AS_OF, now=NOW)
    assert (report.timers, report.as_of, report.now) == (1, AS_OF, NOW)
    assert report.as_dict()["now"] == NOW.isoformat()

    events = events_of(session, referred.id)
    last = events[-1]
    assert (last.trigger, last.actor, last.at) == ("mediation_timeout", "system:timeout", NOW)
    assert last.payload["as_of"] == AS_OF.astimezone(UTC).isoformat()
    assert last.payload["due_at"] == one_deadline(session, referred.id, "mediation", status="fired").due_at.isoformat()
    assert [e.at for e in events] == sorted(e.at for e in events)  # the timeline stays in order
    assert audit.verify(session, case_id=referred.id)[1] is None
    assert one_deadline(session, referred.id, "mediation", status="fired").updated_at == NOW
    [notice] = _notices(session, "overdue")
    assert (notice.case_id, notice.created_at, notice.payload["as_of"]) == (
        referred.id,
        NOW,
        AS_OF.astimezone(UTC).isoformat(),
    )
    assert "2026-12-03T00:00:00+08:00 届满" in notice.payload["message"]  # the expiry, dated by the clock
    # Due on 8 Dec, before `now` but after `as_of`: not this sweep's (the next one fires it).
    assert picture(session, later.id).state == "mediation"
    assert sweep(engine, as_of=NOW, now=NOW).timers == 1
    assert "as_of" not in events_of(session, later.id)[-1].payload  # swept as of its own time: nothing to add


def test_a_past_as_of_reminds_only_of_what_is_not_yet_due_in_fact(engine, session):
    due_3 = make_case(session, state=State.MEDIATION)  # people's mediation: a month, due 00:00 3 Dec
    due_4 = make_case(session, state=State.MEDIATION, now=T0 + timedelta(days=1))
    due_5 = make_case(session, state=State.MEDIATION, now=T0 + timedelta(days=2))
    assert [one_deadline(session, c.id, "mediation").due_at for c in (due_3, due_4, due_5)] == [
        local(2026, 12, 3),
        local(2026, 12, 4),
        local(2026, 12, 5),
    ]  # each reminded from 3 days before
    as_of, now = local(2026, 12, 3, 12), local(2026, 12, 4, 12)

    report = sweep(engine, as_of=as_of, now=now)
    assert (report.timers, report.reminded) == (1, 1)
    assert picture(session, due_3.id).case["flags"] == ["mediation_overdue"]
    [reminder] = _notices(session, "reminder")
    assert (reminder.case_id, reminder.created_at, reminder.payload["as_of"]) == (
        due_5.id,
        now,
        as_of.astimezone(UTC).isoformat(),
    )
    assert one_deadline(session, due_5.id, "mediation").reminded_at == now
    # due_4's reminder time came by as_of, but by now its clock has run out: "将于…届满" would be false.
    # Neither reminded nor fired here; the next sweep (as of now) sends its overdue notice.
    d4 = one_deadline(session, due_4.id, "mediation")
    assert (d4.status, d4.reminded_at, d4.remind_at is not None) == ("pending", None, True)
    assert sweep(engine, now=now, as_of=now).timers == 1
    assert len(_notices(session, "reminder")) == 1


def _stats(engine, supervisor):
    with Session(engine) as s:  # a read of its own, after the sweep's commits
        return statistics_for(s, supervisor, now=NOW)


def test_the_dashboards_median_days_count_when_the_sweep_wrote_not_its_as_of(engine, session):
    supervisor = actor(session, "super1")
    referred = make_case(session, state=State.MEDIATION, channel="court_referral")
    assert _stats(engine, supervisor).stage_samples["mediation"] == 0

    # The sweep as of the future: refused, so nothing dated in the future distorts the figures.
    with pytest.raises(PayloadInvalid):
        sweep(engine, as_of=local(2027, 1, 30), now=NOW)
    stats = _stats(engine, supervisor)
    assert (stats.stage_samples["mediation"], stats.median_days["mediation"], stats.unresolved) == (0, None, 0)

    # As of a past time: the mediation ended when the sweep wrote it, a week after its clock ran out.
    sweep(engine, as_of=AS_OF, now=NOW)
    stats = _stats(engine, supervisor)
    expected = round((NOW - ACCEPTED).total_seconds() / 86400, 1)  # 2 Nov 12:00 -> 10 Dec 09:00 local
    assert (stats.stage_samples["mediation"], stats.median_days["mediation"], stats.unresolved) == (1, expected, 1)
    assert expected == 37.9
    assert picture(session, referred.id).state == "failed"


def test_a_deemed_failure_restarts_the_limitation_from_the_clocks_end_not_a_late_sweep(engine, session):
    case = make_case(session, state=State.MEDIATION, dispute_type="labour", occurred_on="2026-10-01")
    mediation = one_deadline(session, case.id, "mediation")
    assert mediation.on_expiry == "mediation_timeout"
    due_day = mediation.due_at.astimezone(SHANGHAI).date()
    late = mediation.due_at + timedelta(days=10)  # the sweep ran ten days late (as of then, or earlier)

    sweep(engine, as_of=mediation.due_at + timedelta(hours=1), now=late)

    assert picture(session, case.id).state == "failed"
    assert events_of(session, case.id)[-1].at == late
    with Session(engine) as s:
        restarted = s.exec(
            select(Deadline).where(
                Deadline.case_id == case.id, Deadline.kind == "limitation", Deadline.ref == "restarted"
            )
        ).one()
    # 民法典 第195条 "从…有关程序终结时起": the mediation ended when its period ran out, as a sweep on time
    # would have counted it; ten days late would have lengthened the warning past the law's end.
    assert restarted.start_date == due_day == late.astimezone(SHANGHAI).date() - timedelta(days=10)
