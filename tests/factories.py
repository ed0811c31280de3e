"""Deterministic factories: cases built through the real engine, never random."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.schemas import CaseCreate
from models.tables import Case, User
from states.enums import State, Trigger
from workflows.access import Actor, actor_for
from workflows.engine import fire
from workflows.intake import open_case

# Valid identity numbers (GB 11643 check digits) and credit codes (GB 32100) for tests.
ID_A = "11010519491231002X"
ID_B = "110105198001010016"
ID_C = "330106199203150027"
ID_GS = "330105199001010011"  # domiciled in 拱墅区 (330105): makes the 拱墅 court competent too
USCC_A = "91110000600037341L"

CENTRE_REGION = "330106"
VILLAGE_REGION = "330106001001"
T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # Monday 2026-11-02 10:00 in Asia/Shanghai

MEDIATION_ORG = "CN-ZJ-XH-CC-RTW"
COURT = "CN-ZJ-XH-FY"
LABOUR_ARBITRATION = "CN-ZJ-XH-LDZC"


def actor(session: Session, username: str) -> Actor:
    user = session.exec(select(User).where(User.username == username)).one()
    return actor_for(session, user)


def case_payload(dispute_type: str = "neighbour", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dispute_type": dispute_type,
        "summary": "楼上漏水导致楼下天花板受损，双方就维修费用协商未果",
        "channel": "window",
        "region": VILLAGE_REGION,
        "parties": [
            {
                "role": "applicant",
                "kind": "person",
                "name": "张三",
                "id_number": ID_A,
                "phone": "13812345678",
                "address": "杭州市西湖区北山街道1号",
            },
            {"role": "respondent", "kind": "person", "name": "李四", "id_number": ID_B, "phone": "13987654321"},
        ],
        "claim_amount": "8500.00",
    }
    body.update(over)
    return body


def agreement_payload(signed_at: datetime | None = None) -> dict[str, Any]:
    return {
        "facts": "2026年10月，李四家卫生间漏水致张三家天花板受损。",
        "liability": "李四承担全部维修责任。",
        "obligations": [
            {
                "obligor": 1,
                "obligee": 0,
                "description": "赔偿维修费用",
                "amount": "8500.00",
                "due_date": "2026-12-31",
                "place": "北山街道人民调解委员会",
            }
        ],
        "signed_at": (signed_at or T0 + timedelta(hours=2, minutes=30)).isoformat(),
    }


def joint_application(
    signed_on: str = "2026-11-02", applicants: list[int] | None = None, **over: Any
) -> dict[str, Any]:
    """Both parties sign the application for judicial confirmation (民诉法解释 第351条), on the day the
    agreement of agreement_payload() was signed unless told otherwise."""
    return {"applicants": [0, 1] if applicants is None else applicants, "signed_on": signed_on, **over}


def confirmation_request(court_code: str = COURT, **over: Any) -> dict[str, Any]:
    return {"court_code": court_code, "joint_application": joint_application(**over)}


def _steps(dispute_type: str, day: str = "2026-11-02") -> dict[State, list[tuple[Trigger, str, dict[str, Any]]]]:
    """The path from intake to each state: (trigger, username, payload) steps; `day`: the local date the
    walk starts on (an award is received that day)."""
    divert = (Trigger.DIVERT, "window1", {"org_code": MEDIATION_ORG})
    accept = (Trigger.ACCEPT, "mediator1", {"mediator_code": "M-0001"})
    agree = (Trigger.REACH_AGREEMENT, "mediator1", agreement_payload())
    fail = (Trigger.FAIL, "mediator1", {"reason": "双方分歧过大"})
    confirm_req = (Trigger.REQUEST_CONFIRMATION, "mediator1", confirmation_request())
    return {
        State.INTAKE: [],
        State.DIVERSION: [divert],
        State.MEDIATION: [divert, accept],
        State.AGREEMENT: [divert, accept, agree],
        State.FAILED: [divert, accept, fail],
        State.JUDICIAL_CONFIRMATION: [divert, accept, agree, confirm_req],
        State.CONFIRMED: [
            divert,
            accept,
            agree,
            confirm_req,
            (Trigger.COURT_CONFIRM, "court1", {"ruling_no": "（2026）浙0106民特1号"}),
        ],
        State.CONFIRMATION_REJECTED: [
            divert,
            accept,
            agree,
            confirm_req,
            (Trigger.COURT_REJECT, "court1", {"ruling_no": "（2026）浙0106民特2号", "reason": "协议内容不明确"}),
        ],
        State.ARBITRATION: [
            divert,
            accept,
            fail,
            (
                Trigger.REFER_ARBITRATION,
                "mediator1",
                {"body_code": LABOUR_ARBITRATION if dispute_type == "labour" else "CN-HZ-ZCW"},
            ),
        ],
        State.LITIGATION: [divert, accept, fail, (Trigger.REFER_LITIGATION, "mediator1", {"court_code": COURT})]
        if dispute_type != "labour"
        else [
            divert,
            accept,
            fail,
            (Trigger.REFER_ARBITRATION, "mediator1", {"body_code": LABOUR_ARBITRATION}),
            (Trigger.RECORD_AWARD, "mediator1", {"award_no": "杭西劳人仲案字〔2026〕1号", "received_on": day}),
            (Trigger.REFER_LITIGATION, "mediator1", {"court_code": COURT}),
        ],
        State.CLOSED: [divert, accept, fail, (Trigger.CLOSE, "mediator1", {"reason": "当事人不再主张"})],
    }


def make_case(
    session: Session,
    *,
    state: State = State.INTAKE,
    dispute_type: str = "neighbour",
    now: datetime = T0,
    agreement: dict[str, Any] | None = None,
    **over: Any,
) -> Case:
    """A case in `state`, reached through the real engine one hour per step from `now`; `agreement`: the
    reach_agreement payload, when not agreement_payload()."""
    if dispute_type in ("contract", "commercial", "consumer", "traffic", "medical", "property", "neighbour", "other"):
        over.setdefault("arbitration_agreement", True)
    case, _ = open_case(
        session,
        data=CaseCreate.model_validate(case_payload(dispute_type, **over)),
        actor=actor(session, "window1"),
        now=now,
    )
    at = now
    day = now.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    for trigger, username, payload in _steps(dispute_type, day)[state]:
        at = at + timedelta(hours=1)
        if trigger is Trigger.REACH_AGREEMENT and agreement is not None:
            payload = agreement
        case = fire(session, case_id=case.id, trigger=trigger, actor=actor(session, username), payload=payload, now=at)
    assert case.state == state
    return case
