"""Which mediation clock a case runs and what its expiry does (docs/contract.md §4 v2, §4a;
legal-reference v2 items 9 and 10).

- People's mediation has no statutory limit: "一般在一个月内调结" (人民调解工作若干规定 第33条) is a
  month (民法典 第202条) after which the case is flagged `mediation_overdue` for supervision — never
  deemed failed.
- Deemed failure only where a rule says so: medical (条例 第38条), labour (第14条), court-assigned 委派
  (特邀调解规定 第27条, 30 days), court-entrusted 委托 after filing (第27条: 15 days, 7 under the
  summary procedure; back to the court on expiry).
- Consumer: the 45 working days are the market regulator's administrative mediation alone
  (JIEFEN_CONSUMER_ADMINISTRATIVE_MEDIATION, off by default).

Dates counted by hand on the official 2026 schedule; Nov–Dec 2026 has no holiday.
"""

from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import col, select

from models.schemas import CaseCreate
from models.settings import get_settings
from models.tables import Document, Notification
from states.enums import State, Trigger as T
from tests.factories import COURT, actor, agreement_payload, case_payload, make_case
from tests.workflows.clock_support import settings_env
from tests.workflows.support import events_of, fire_as, local, one_deadline, picture
from workflows import audit
from workflows.clocks.sweep import sweep
from workflows.notify.party import KINDS as PARTY_KINDS
from workflows.read import supervision

ACCEPTED = local(2026, 11, 2, 10)  # Monday


def _accepted(session, *, dispute_type="neighbour", at=ACCEPTED, **over):
    case = make_case(session, state=State.DIVERSION, dispute_type=dispute_type, now=at - timedelta(hours=3), **over)
    fire_as(session, case, T.ACCEPT, "mediator1", {"mediator_code": "M-0001"}, now=at)
    return case


def _referral(kind=None, procedure=None):
    referral = {"court_code": COURT, "kind": kind, "procedure": procedure}
    return {"channel": "court_referral", "referral": {k: v for k, v in referral.items() if v}}


# --- people's mediation: a month, then supervision ----------------------------------------------------


def test_a_peoples_mediation_month_from_31_january_ends_on_the_last_day_of_february(session):
    case = _accepted(session, at=local(2026, 1, 31, 10))
    d = one_deadline(session, case.id, "mediation")
    # No 31 February: the month's last day, Sat 28 Feb 2026 — a 调休 working day, so it stays.
    assert (d.profile, d.days, d.last_day, d.on_expiry) == (
        "mediation.people",
        28,
        date(2026, 2, 28),
        "mediation_overdue",
    )
    assert "不视为调解不成" in d.basis


def test_a_configured_number_of_days_replaces_the_month(session, monkeypatch):
    with settings_env(monkeypatch, JIEFEN_MEDIATION_DEFAULT_DAYS="20"):
        case = _accepted(session)
    d = one_deadline(session, case.id, "mediation")
    assert (d.profile, d.days, d.last_day) == ("mediation.people", 20, date(2026, 11, 23))  # Sun 22 → Mon 23
    assert "本中心规则" in d.basis and d.on_expiry == "mediation_overdue"


def test_the_sweep_flags_an_overdue_peoples_mediation_and_mediation_goes_on(engine, session):
    case = _accepted(session)  # a month: last day Wed 2 Dec
    deadline = one_deadline(session, case.id, "mediation")
    report = sweep(engine, as_of=local(2026, 12, 3, 0, 5), now=local(2026, 12, 3, 0, 5))
    assert (report.fired, report.expired) == (1, 0)
    pic = picture(session, case.id)
    assert (pic.state, pic.case["flags"]) == ("mediation", ["mediation_overdue"])
    assert one_deadline(session, case.id, "mediation", status="fired").id == deadline.id
    ev = events_of(session, case.id)[-1]
    assert (ev.trigger, ev.actor, ev.from_state, ev.to_state) == (
        "mediation_overdue",
        "system:timeout",
        "mediation",
        "mediation",
    )
    assert (ev.payload["flag"], ev.payload["deadline_id"]) == ("mediation_overdue", str(deadline.id))
    assert audit.verify(session, case_id=case.id)[1] is None
    session.expire_all()
    notice = session.exec(
        select(Notification).where(Notification.case_id == case.id, col(Notification.kind).not_in(PARTY_KINDS))
    ).one()
    assert notice.kind == "overdue" and "mediation_overdue" in notice.payload["message"]
    assert session.exec(select(Document).where(Document.kind == "termination_notice")).all() == []
    assert sweep(engine, as_of=local(2026, 12, 20), now=local(2026, 12, 20)).fired == 0  # nothing fires twice
    listed = supervision.overdue(session, actor(session, "super1"), now=local(2026, 12, 20))
    assert [(c.case_id, c.kind, c.deadline_status, c.late_days) for g in listed.data for c in g.cases] == [
        (case.id, "mediation", "fired", 17)  # due 00:00 3 Dec; supervisors see it while mediation goes on
    ]

    # Mediation goes on: an agreement is still reached, and leaving mediation ends the supervision flag.
    fire_as(
        session,
        case,
        T.REACH_AGREEMENT,
        "mediator1",
        agreement_payload(local(2026, 12, 21, 9)),
        now=local(2026, 12, 21, 10),
    )
    after = picture(session, case.id)
    assert (after.state, after.case["flags"]) == ("agreement", [])
    assert one_deadline(session, case.id, "confirmation_window").last_day == date(2027, 1, 20)


def test_an_overdue_peoples_mediation_can_still_fail_by_the_mediators_decision(engine, session):
    case = _accepted(session)
    sweep(engine, as_of=local(2026, 12, 3), now=local(2026, 12, 3))
    fire_as(session, case, T.FAIL, "mediator1", {"reason": "双方分歧过大"}, now=local(2026, 12, 4, 10))
    pic = picture(session, case.id)
    assert (pic.state, pic.case["flags"]) == ("failed", [])
    assert [e.trigger for e in events_of(session, case.id)[-2:]] == ["mediation_overdue", "fail"]


# --- court referrals: 委派 and 委托 (特邀调解规定 第27条) ---------------------------------------------------


@pytest.mark.parametrize(
    "kind,procedure,profile,days,last_day",
    [
        (None, None, "mediation.court_referral", 30, date(2026, 12, 2)),  # the referral does not say: 委派
        ("pre_filing", None, "mediation.court_referral", 30, date(2026, 12, 2)),
        ("post_filing", None, "mediation.court_entrusted", 15, date(2026, 11, 17)),  # Tue 17 Nov
        ("post_filing", "ordinary", "mediation.court_entrusted", 15, date(2026, 11, 17)),
        ("post_filing", "summary", "mediation.court_entrusted.summary", 7, date(2026, 11, 9)),  # Mon 9 Nov
    ],
)
def test_a_court_referral_runs_the_clock_of_its_kind(session, kind, procedure, profile, days, last_day):
    case = _accepted(session, **_referral(kind, procedure))
    d = one_deadline(session, case.id, "mediation")
    assert (d.profile, d.days, d.working_days, d.last_day) == (profile, days, False, last_day)
    assert (d.on_expiry, "第27条" in d.basis) == ("mediation_timeout", True)


def test_an_entrusted_mediation_returns_to_the_court_when_its_15_days_run_out(engine, session):
    from documents.context import build

    case = _accepted(session, **_referral("post_filing"))
    assert sweep(engine, as_of=local(2026, 11, 17, 23, 59), now=local(2026, 11, 17, 23, 59)).fired == 0
    assert sweep(engine, as_of=local(2026, 11, 18), now=local(2026, 11, 18)).fired == 1
    assert picture(session, case.id).state == "failed"
    assert events_of(session, case.id)[-1].trigger == "mediation_timeout"
    doc = session.exec(select(Document).where(Document.case_id == case.id, Document.kind == "termination_notice")).one()
    ctx = build(session, doc, tz=get_settings().tz, public_url="http://127.0.0.1:8000")
    assert "退回人民法院审理" in ctx["reason"] and "特邀调解的规定》第二十一条、第二十七条" in ctx["reason_basis"]


def test_a_summary_procedure_is_only_ordinary_or_summary():
    body = case_payload(**_referral("post_filing", "fast"))
    with pytest.raises(ValidationError) as exc:
        CaseCreate.model_validate(body)
    assert exc.value.errors()[0]["loc"] == ("referral", "procedure")


# --- consumer disputes --------------------------------------------------------------------------------------


def test_a_consumer_case_at_a_mediation_committee_gets_the_peoples_month_and_is_never_deemed_failed(engine, session):
    case = _accepted(session, dispute_type="consumer")
    d = one_deadline(session, case.id, "mediation")
    assert (d.profile, d.last_day, d.on_expiry) == ("mediation.people", date(2026, 12, 2), "mediation_overdue")
    sweep(engine, as_of=local(2026, 12, 3), now=local(2026, 12, 3))
    assert picture(session, case.id).state == "mediation"


def test_the_market_regulators_45_working_days_are_selectable_and_reach_into_2027(session, monkeypatch):
    with settings_env(monkeypatch, JIEFEN_CONSUMER_ADMINISTRATIVE_MEDIATION="true"):
        case = _accepted(session, dispute_type="consumer")
    d = one_deadline(session, case.id, "mediation")
    # 45 working days from Mon 2 Nov: 43 up to Thu 31 Dec, [Fri 1 Jan 元旦 (2027 statutory), weekend],
    # Mon 4 (44), Tue 5 Jan 2027 (45).
    assert (d.profile, d.days, d.working_days, d.on_expiry) == ("mediation.consumer", 45, True, "mediation_timeout")
    assert (d.last_day, d.provisional) == (date(2027, 1, 5), True)
    assert "市场监督管理部门" in d.basis
