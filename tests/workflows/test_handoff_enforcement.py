"""After the ruling. Confirmed → the enforcement clock (民事诉讼法 第250条: two years from the
last performance day); on expiry nothing fires, the sweep marks it; record_fulfilment meets it."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.tables import CaseEvent, CourtHandoff, Deadline
from states.enums import DisputeType, State, Trigger
from states.guards import GUARDS, CaseSnapshot
from tests.factories import T0, actor, make_case
from workflows.clocks.sweep import sweep
from workflows.engine import fire
from workflows.routing import jurisdiction


def _enforcement(session: Session, case_id: object) -> Deadline:
    session.rollback()  # a fresh snapshot: the sweep wrote on its own connection
    return session.exec(select(Deadline).where(Deadline.case_id == case_id, Deadline.kind == "enforcement")).one()


def test_confirmation_opens_the_enforcement_clock_and_the_sweep_marks_its_expiry(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        case = make_case(session, state=State.CONFIRMED)
        d = _enforcement(session, case.id)
        # the agreement's only obligation is due 2026-12-31: two years on is 2028-12-31 (a Sunday)
        assert (d.status, d.start_date, d.on_expiry, d.working_days) == ("pending", date(2026, 12, 31), None, False)
        assert d.last_day >= date(2028, 12, 31) and d.last_day <= date(2029, 1, 3)
        assert "第250条" in d.basis
        h = session.exec(select(CourtHandoff).where(CourtHandoff.case_id == case.id)).one()
        assert (h.status, h.outcome, h.ruling_no) == ("decided", "confirmed", "（2026）浙0106民特1号")

        report = sweep(engine, as_of=d.due_at - timedelta(seconds=1), now=d.due_at - timedelta(seconds=1))
        assert _enforcement(session, case.id).status == "pending"
        report = sweep(engine, as_of=d.due_at + timedelta(hours=1), now=d.due_at + timedelta(hours=1))
        assert report.expired == 1 and report.fired == 0
        assert _enforcement(session, case.id).status == "fired"
        last = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
        ).first()  # type: ignore[attr-defined]
        assert (last.trigger, last.to_state, last.payload["kind"]) == ("deadline_expired", "confirmed", "enforcement")
        assert sweep(engine, as_of=d.due_at + timedelta(days=1), now=d.due_at + timedelta(days=1)).timers == 0  # once


def test_fulfilment_meets_the_enforcement_clock(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        case = make_case(session, state=State.CONFIRMED)
        fire(
            session,
            case_id=case.id,
            trigger=Trigger.RECORD_FULFILMENT,
            actor=actor(session, "mediator1"),
            payload={"note": "已履行"},
            now=T0 + timedelta(days=3),
        )
        assert _enforcement(session, case.id).status == "met"


def test_a_rejection_opens_no_enforcement_clock(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        case = make_case(session, state=State.CONFIRMATION_REJECTED)
        session.expire_all()
        assert (
            session.exec(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == "enforcement")).all()
            == []
        )
        h = session.exec(select(CourtHandoff).where(CourtHandoff.case_id == case.id)).one()
        assert (h.status, h.outcome) == ("decided", "rejected")


# --- the pre-screen, pure ---------------------------------------------------------------------------------


def _snap(**refs: object) -> CaseSnapshot:
    return CaseSnapshot(state=State.AGREEMENT, dispute_type=DisputeType.CONTRACT, refs=refs)


NOW = datetime(2026, 11, 2, tzinfo=UTC)


def test_jurisdiction_guard_names_the_right_courts() -> None:
    g = GUARDS["court_has_jurisdiction"]
    right = [("CN-A", "甲区人民法院"), ("CN-B", "乙区人民法院")]
    assert g(_snap(competent_courts=right), {"court_code": "CN-B"}, NOW).ok
    v = g(_snap(competent_courts=right), {"court_code": "CN-C"}, NOW)
    assert not v.ok and "甲区人民法院（CN-A）、乙区人民法院（CN-B）" in v.reason and "第205条" in v.reason
    v = g(_snap(competent_courts=[]), {"court_code": "CN-C"}, NOW)
    assert not v.ok and "未登记有管辖权" in v.reason


def test_ownership_wording_and_unclear_payments() -> None:
    assert jurisdiction.ownership_confirmation({"ownership_confirmation": True, "obligations": []})
    assert jurisdiction.ownership_confirmation({"obligations": [{"description": "确认302室房屋所有权归甲方"}]})
    assert jurisdiction.ownership_confirmation({"obligations": [{"description": "对涉案商标进行确权"}]})
    assert not jurisdiction.ownership_confirmation({"obligations": [{"description": "赔偿维修费用"}]})
    ws = jurisdiction.warnings(
        {
            "obligations": [
                {"description": "赔偿维修费用", "amount": "100.00", "due_date": "2026-12-31"},
                {"description": "支付误工费"},
                {"description": "赔礼道歉"},
            ]
        }
    )
    assert [(w["obligation"], w["missing"]) for w in ws] == [(1, ["amount", "due_date"])]
