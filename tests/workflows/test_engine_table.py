"""Every row of the lifecycle table, fired through the real engine on a real database.

Each (row, source) pair is reached with make_case, fired once through workflows.engine.transition, and
must land in its destination, bump the version by exactly one and append exactly one audit event
naming the transition. Every (state, trigger) pair outside the table is refused with
IllegalTransition listing what the actor's role may do instead — and refused without a trace.
"""

from datetime import timedelta
from typing import Any

import pytest

from states.enums import Role, State, Trigger
from states.table import TABLE, TRIGGER_ROLES, row_for
from tests.factories import (
    COURT,
    ID_GS,
    LABOUR_ARBITRATION,
    MEDIATION_ORG,
    T0,
    actor,
    agreement_payload,
    case_payload,
    confirmation_request,
    make_case,
)
from tests.workflows.handoff_support import OTHER_COURT, extra_courts
from tests.workflows.support import events_of, picture, role_actor
from workflows import audit
from workflows.access import SYSTEM_TIMEOUT, party_actor
from workflows.engine import fire
from workflows.errors import IllegalTransition, NotVisible

T = Trigger
S = State
NOW = T0 + timedelta(hours=12)  # after every make_case step (one hour each), same local day
PARENT_ORG = "CN-ZJ-XH-RTW"  # parent of CN-ZJ-XH-CC-RTW

WHO: dict[Trigger, str | None] = {  # None: the system clock; "party": party 0 through the portal
    T.SIGN_JOINT_APPLICATION: "party",
    T.DIVERT: "window1",
    T.ACCEPT: "mediator1",
    T.DECLINE: "mediator1",
    T.ESCALATE: "mediator1",
    T.REJECT: "window1",
    T.TRANSFER_OUT: "super1",
    T.WITHDRAW: "window1",
    T.EXTEND: "mediator1",
    T.PAUSE_CLOCK: "mediator1",
    T.RESUME_CLOCK: "mediator1",
    T.REACH_AGREEMENT: "mediator1",
    T.FAIL: "mediator1",
    T.REQUEST_CONFIRMATION: "window1",
    T.COURT_CONFIRM: "court1",
    T.COURT_REJECT: "court1",
    T.RESUME_MEDIATION: "mediator1",
    T.REFER_ARBITRATION: "mediator1",
    T.REFER_LITIGATION: "window1",
    T.RECORD_OUTCOME: "window1",
    T.RECORD_FULFILMENT: "mediator1",
    T.CLOSE: "super1",
    T.RECORD_FOLLOWUP: "window1",
    T.DIVERSION_TIMEOUT: None,
    T.MEDIATION_TIMEOUT: None,
    T.MEDIATION_OVERDUE: None,
    T.COURT_OVERDUE: None,
    T.COURT_FILE: "court1",
    T.COURT_EXTEND: "court1",
    T.WITHDRAW_CONFIRMATION: "mediator1",
    T.REAPPLY_CONFIRMATION: "window1",
    T.ARBITRATION_ACCEPTED: "mediator1",
    T.ARBITRATION_NOT_ACCEPTED: "window1",
    T.ARBITRATION_EXTENDED: "mediator1",
    T.RECORD_AWARD: "window1",
}

PAYLOAD: dict[Trigger, dict[str, Any]] = {
    T.SIGN_JOINT_APPLICATION: {},
    T.DIVERT: {"org_code": MEDIATION_ORG},
    T.ACCEPT: {"mediator_code": "M-0002"},
    T.DECLINE: {"reason": "该纠纷不属于本调委会受理范围"},
    T.ESCALATE: {"reason": "涉及多方，需上级调委会调处"},
    T.REJECT: {"reason": "已经人民法院判决，不予受理"},
    T.TRANSFER_OUT: {"agency": "西湖区人力资源和社会保障局", "reason": "属于行政处理事项"},
    T.WITHDRAW: {"reason": "申请人撤回调解申请"},
    T.EXTEND: {"days": 10, "reason": "双方同意延长", "consent": True},
    T.PAUSE_CLOCK: {"reason": "委托医疗损害鉴定"},
    T.RESUME_CLOCK: {"reason": "鉴定意见已送达"},
    T.REACH_AGREEMENT: agreement_payload(),
    T.FAIL: {"reason": "双方分歧过大"},
    T.REQUEST_CONFIRMATION: confirmation_request(),
    T.COURT_CONFIRM: {"ruling_no": "（2026）浙0106民特11号"},
    T.COURT_REJECT: {"ruling_no": "（2026）浙0106民特12号", "reason": "协议内容不明确"},
    T.RESUME_MEDIATION: {"reason": "双方同意重新调解"},
    T.REFER_ARBITRATION: {"body_code": "CN-HZ-ZCW"},
    T.REFER_LITIGATION: {"court_code": COURT},
    T.RECORD_OUTCOME: {"outcome": "仲裁/诉讼已结", "reference": "（2026）杭仲字第1号"},
    T.RECORD_FULFILMENT: {"note": "已足额支付"},
    T.CLOSE: {"reason": "当事人不再主张"},
    T.RECORD_FOLLOWUP: {"satisfaction": 5, "performed": True, "note": "电话回访，满意"},
    T.DIVERSION_TIMEOUT: {},
    T.MEDIATION_TIMEOUT: {},
    T.MEDIATION_OVERDUE: {},
    T.COURT_OVERDUE: {},
    T.COURT_FILE: {"filed_on": "2026-11-02"},
    T.COURT_EXTEND: {"days": 10, "approved_by": "院长 周某", "reason": "需要补充材料"},
    T.WITHDRAW_CONFIRMATION: {"reason": "双方当事人申请撤回"},
    T.REAPPLY_CONFIRMATION: confirmation_request(OTHER_COURT),
    T.ARBITRATION_ACCEPTED: {"accepted_on": "2026-11-02"},
    T.ARBITRATION_NOT_ACCEPTED: {"decided_on": "2026-11-02", "reason": "不属于劳动争议"},
    T.ARBITRATION_EXTENDED: {"days": 15, "approved_on": "2026-11-02"},
    T.RECORD_AWARD: {"award_no": "杭西劳人仲案字〔2026〕3号", "received_on": "2026-11-02", "final": True},
}

# Rows whose legal conditions need more than the source state: the dispute type, the payload, the
# agreement (an undated payment: performable at once, so unperformed), the state make_case stops at
# (then BEFORE reaches the source), and the parties (a domicile in 拱墅 makes the 拱墅 court competent).
TYPE: dict[tuple[Trigger, State] | Trigger, str] = {
    (T.REFER_ARBITRATION, S.AGREEMENT): "labour",
    T.ARBITRATION_EXTENDED: "labour",
}
PAYLOAD_AT: dict[tuple[Trigger, State], dict[str, Any]] = {
    (T.REFER_ARBITRATION, S.AGREEMENT): {"body_code": LABOUR_ARBITRATION},
}
UNDATED = {**agreement_payload(), "obligations": [{**agreement_payload()["obligations"][0], "due_date": None}]}
AGREEMENT: dict[tuple[Trigger, State], dict[str, Any]] = {(T.REFER_ARBITRATION, S.AGREEMENT): UNDATED}
START: dict[Trigger, State] = {T.REAPPLY_CONFIRMATION: S.JUDICIAL_CONFIRMATION}
PARTIES: dict[Trigger, list[dict[str, Any]]] = {
    T.REAPPLY_CONFIRMATION: [
        case_payload()["parties"][0],
        {"role": "respondent", "kind": "person", "name": "李四", "id_number": ID_GS},
    ]
}

# Preconditions some rows need beyond the source state (fired half an hour before NOW).
BEFORE: dict[Trigger, list[tuple[Trigger, str, dict[str, Any]]]] = {
    T.RESUME_CLOCK: [(T.PAUSE_CLOCK, "mediator1", {"reason": "委托鉴定"})],
    T.ARBITRATION_EXTENDED: [(T.ARBITRATION_ACCEPTED, "mediator1", {"accepted_on": "2026-11-02"})],
    T.REAPPLY_CONFIRMATION: [
        (
            T.COURT_REJECT,
            "court1",
            {"ruling_no": "（2026）浙0106民特13号", "reason": "不属于本院管辖", "reason_kind": "jurisdiction"},
        )
    ],
}

# Where the case's organization must be after the row (escalation goes one level up).
ORG_AFTER: dict[Trigger, str | None] = {
    T.DIVERT: MEDIATION_ORG,
    T.DECLINE: PARENT_ORG,
    T.ESCALATE: PARENT_ORG,
    T.DIVERSION_TIMEOUT: PARENT_ORG,
}
# Rows with alternative destinations: the street committee has a parent, so decline goes up.
DEST_AFTER: dict[Trigger, State] = {T.DECLINE: S.DIVERSION}

ROW_SOURCES = [(row, src) for row in TABLE for src in row.source]


@pytest.mark.parametrize("row,source", ROW_SOURCES, ids=[f"{r.trigger}-from-{s}" for r, s in ROW_SOURCES])
def test_every_table_row_fires_from_each_source_through_the_engine(session, engine, row, source):
    assert set(WHO) == set(Trigger) and set(PAYLOAD) == set(Trigger)
    if row.trigger is T.REAPPLY_CONFIRMATION:  # to the 拱墅 court, after 西湖 found it had no jurisdiction
        with extra_courts(engine):
            _fires_from(session, row, source)
    else:
        _fires_from(session, row, source)


def _fires_from(session, row, source):
    key = (row.trigger, source)
    dispute_type = TYPE.get(key) or TYPE.get(row.trigger) or "neighbour"
    over = {"parties": PARTIES[row.trigger]} if row.trigger in PARTIES else {}
    start = START.get(row.trigger, source)
    case = make_case(session, state=start, dispute_type=dispute_type, agreement=AGREEMENT.get(key), **over)
    for trig, username, payload in BEFORE.get(row.trigger, []):
        fire(
            session,
            case_id=case.id,
            trigger=trig,
            actor=actor(session, username),
            payload=payload,
            now=NOW - timedelta(minutes=30),
        )
    before = picture(session, case.id)
    username = WHO[row.trigger]
    who = (
        SYSTEM_TIMEOUT
        if username is None
        else party_actor(case.id, 0)
        if username == "party"
        else actor(session, username)
    )
    payload = PAYLOAD_AT.get(key, PAYLOAD[row.trigger])

    result = fire(session, case_id=case.id, trigger=row.trigger, actor=who, payload=payload, now=NOW)
    dest = DEST_AFTER.get(row.trigger, row.dest)

    assert result.state == dest
    after = picture(session, case.id)
    assert after.state == dest
    assert after.version == before.version + 1
    assert len(after.events) == len(before.events) + 1
    assert after.events[:-1] == before.events, "earlier events must not change"
    events = events_of(session, case.id)
    ev = events[-1]
    assert ev.seq == len(before.events) + 1
    assert (ev.trigger, ev.from_state, ev.to_state, ev.actor) == (row.trigger.value, source.value, dest.value, who.name)
    assert ev.prev_hash == events[-2].hash
    for name, value in payload.items():
        if isinstance(value, str | int | bool) and name != "signed_at":
            assert ev.payload[name] == value, name
    if row.trigger in ORG_AFTER:
        assert after.case["org_code"] == ORG_AFTER[row.trigger]
    if row.dest is State.CLOSED:
        assert after.open_deadlines() == [], "a closed case keeps no running clock"
    assert audit.verify(session, case_id=case.id)[1] is None


def _expected_allowed(state: State, role: Role) -> list[str]:
    return [r.trigger.value for r in TABLE if state in r.source and role in r.roles]


def _sees(role: Role, case) -> bool:
    """Who may see a case built by make_case (docs/contract.md §3), written out by hand."""
    return {
        Role.INTAKE: True,  # the centre's region 330106 covers the case's 330106001001
        Role.SUPERVISOR: True,
        Role.SYSTEM: True,
        Role.MEDIATOR: case.org_code == MEDIATION_ORG,
        Role.COURT: case.court_code == COURT,
        Role.PARTY: True,  # party 0 of this very case (role_actor)
    }[role]


@pytest.mark.parametrize("state", list(State), ids=str)
def test_triggers_outside_the_table_are_illegal_and_name_what_the_role_may_do(session, state):
    case = make_case(session, state=state)
    before = picture(session, case.id)
    problems: list[tuple[str, str, str]] = []
    illegal = 0
    for trig in Trigger:
        if row_for(state, trig) is not None:
            continue
        for role in sorted(TRIGGER_ROLES[trig]):
            who = role_actor(session, role, case.id)
            try:
                fire(session, case_id=case.id, trigger=trig, actor=who, payload={}, now=NOW)
            except IllegalTransition as e:
                illegal += 1
                if not _sees(role, case):
                    problems.append((trig, role, "a caller who may not see the case learnt its state"))
                if e.extra["allowed"] != _expected_allowed(state, role):
                    problems.append((trig, role, f"allowed={e.extra['allowed']}"))
            except NotVisible:
                if _sees(role, case):
                    problems.append((trig, role, "NotVisible for a caller who may see the case"))
            except Exception as e:  # noqa: BLE001 - any other outcome is the failure being looked for
                problems.append((trig, role, f"{type(e).__name__}: {e}"))
            else:
                problems.append((trig, role, "fired"))
    assert problems == []
    assert illegal >= 5, "most illegal pairs must reach the state check"
    assert picture(session, case.id) == before, "a refused trigger leaves no trace"


def test_illegal_transition_allowed_list_for_a_mediator_in_mediation(session):
    """Hand-written from docs/contract.md §4: what a mediator may do while mediating."""
    case = make_case(session, state=State.MEDIATION)
    with pytest.raises(IllegalTransition) as exc:
        fire(
            session,
            case_id=case.id,
            trigger=Trigger.RECORD_FULFILMENT,
            actor=actor(session, "mediator1"),
            payload={},
            now=NOW,
        )
    assert exc.value.extra["allowed"] == [
        "escalate",
        "withdraw",
        "extend",
        "pause_clock",
        "resume_clock",
        "reach_agreement",
        "fail",
    ]


def test_illegal_transition_allowed_list_for_intake_on_a_closed_case(session):
    case = make_case(session, state=State.CLOSED)
    with pytest.raises(IllegalTransition) as exc:
        fire(
            session,
            case_id=case.id,
            trigger=Trigger.DIVERT,
            actor=actor(session, "window1"),
            payload={"org_code": MEDIATION_ORG},
            now=NOW,
        )
    assert exc.value.extra["allowed"] == ["record_followup"]
