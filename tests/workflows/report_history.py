"""A known history for the statistics report (tests/workflows/test_statistics_report.py), built through the
engine: each case opened at a time of our choosing and walked step by step, each step a number of days
after the one before, so that every figure of November 2026 can be worked out by hand."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from models.schemas import CaseCreate
from states.enums import Role
from tests.factories import COURT, MEDIATION_ORG, actor, agreement_payload, case_payload, confirmation_request
from workflows.access import Actor
from workflows.engine import fire
from workflows.intake import open_case

SH = ZoneInfo("Asia/Shanghai")
ELSEWHERE = "330102001001"  # 上城区: not the centre's district (an admin's only)
ELSEWHERE_WINDOW = Actor("window-sc", Role.INTAKE, None, "330102")  # 上城区's window

DIVERT = ("divert", "window1", {"org_code": MEDIATION_ORG})
ACCEPT = ("accept", "mediator1", {"mediator_code": "M-0001"})
FAIL = ("fail", "mediator1", {"reason": "双方分歧过大"})


def agree(signed: datetime) -> tuple[str, str, dict[str, Any]]:
    return ("reach_agreement", "mediator1", agreement_payload(signed_at=signed))


def walk(
    session: Session, opened: datetime, steps: list[tuple[tuple[str, str, dict[str, Any]], float]], **over: Any
) -> Any:
    """Open a case at `opened` (local) and fire each (step, days after the previous event)."""
    over.setdefault("arbitration_agreement", True)
    opener = over.pop("opener", None) or actor(session, "window1")
    case, _ = open_case(
        session,
        data=CaseCreate.model_validate(case_payload(over.pop("dispute_type", "neighbour"), **over)),
        actor=opener,
        now=opened,
    )
    at = opened
    for (trigger, username, payload), days in steps:
        at = at + timedelta(days=days)
        if callable(payload):
            payload = payload(at)
        case = fire(session, case_id=case.id, trigger=trigger, actor=actor(session, username), payload=payload, now=at)
    return case


def day(d: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, d, hour, tzinfo=SH)


def confirm_req(at: datetime) -> dict[str, Any]:
    return confirmation_request(signed_on=at.date().isoformat())


def agreed(at: datetime) -> dict[str, Any]:
    return agreement_payload(signed_at=at)


def build(session: Session) -> dict[str, Any]:
    """The history: cases A…L (see the test for what each adds to November's figures)."""
    agree_ = ("reach_agreement", "mediator1", agreed)
    request = ("request_confirmation", "mediator1", confirm_req)
    cases = {
        "A": walk(session, day(2), [(DIVERT, 1), (ACCEPT, 2), (agree_, 4)]),
        "B": walk(session, day(3), [(DIVERT, 0.5), (ACCEPT, 0.5), (FAIL, 6)], channel="hotline"),
        "C": walk(
            session,
            day(4),
            [(DIVERT, 1), (ACCEPT, 1), (agree_, 2), (request, 3),
             (("court_confirm", "court1", {"ruling_no": "（2026）浙0106民特1号"}), 5)],
            dispute_type="contract",
        ),
        "D": walk(
            session,
            day(5),
            [(DIVERT, 2), (ACCEPT, 1), (agree_, 3), (request, 1),
             (("court_reject", "court1", {"ruling_no": "（2026）浙0106民特2号", "reason": "协议内容不明确"}), 10)],
            dispute_type="consumer",
            channel="online",
        ),
        "E": walk(session, day(6), [(("withdraw", "window1", {"reason": "当事人自行和解"}), 1)], channel="online"),
        "F": walk(
            session,
            day(6),
            [(DIVERT, 1), (ACCEPT, 1), (FAIL, 3), (("refer_arbitration", "mediator1", {"body_code": "CN-HZ-ZCW"}), 2)],
            dispute_type="contract",
            channel="grid",
        ),
        "G": walk(
            session,
            day(7),
            [(DIVERT, 1), (ACCEPT, 1), (FAIL, 2), (("refer_litigation", "mediator1", {"court_code": COURT}), 1)],
        ),
        "H": walk(session, datetime(2026, 10, 13, 10, tzinfo=SH), [(DIVERT, 1), (ACCEPT, 1), (agree_, 21)]),
        "I": walk(session, datetime(2026, 11, 30, 23, 30, tzinfo=SH), []),
        "J": walk(session, datetime(2026, 12, 1, 0, 30, tzinfo=SH), []),
        "K": walk(session, day(10), [], dispute_type="family", region=ELSEWHERE, opener=ELSEWHERE_WINDOW),
        "L": walk(session, day(16), [(DIVERT, 0.125)]),
    }  # fmt: skip
    return cases


SWEPT_AT = datetime(2026, 11, 25, 10, tzinfo=SH)
"""When the history's one clock runs out: L's diversion (3 working days from 16 November) at 北山街道,
escalated by the sweep to 西湖区人民调解委员会."""


def build_and_sweep(session: Session, engine: Any) -> dict[str, Any]:
    from workflows.clocks.sweep import sweep

    cases = build(session)
    report = sweep(engine, as_of=SWEPT_AT, now=SWEPT_AT)
    assert report.timers == 1, report.as_dict()  # L's diversion, and nothing else due by then
    session.expire_all()
    return cases
