"""The parties themselves, through the engine on both databases (docs/contract.md §4 v2): each party signs
the joint application for judicial confirmation online (`sign_joint_application`, actor `party:<n>`),
`request_confirmation` without a paper application is made of those signatures and refused (409 naming
the party and 民诉法解释 第351条) while one is missing; signatures count for the agreement shown and
are gone once the case leaves it; and each party rates the handling once after closing."""

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from models.tables import Case, CaseEvent
from states.enums import State, Trigger as T
from tests.factories import (
    COURT,
    ID_A,
    ID_B,
    ID_C,
    actor,
    agreement_payload,
    case_payload,
    confirmation_request,
    make_case,
)
from tests.workflows.support import fresh, local, picture
from workflows.access import party_actor
from workflows.engine import fire
from workflows.errors import Forbidden, GuardRefused, NotVisible, PayloadInvalid

NOW = local(2026, 11, 4, 10)  # Wed 4 Nov; make_case's agreement was signed Mon 2 Nov (李四 pays 张三)


def sign(session, case, position, *, now=NOW):
    return fire(
        session,
        case_id=case.id,
        trigger=T.SIGN_JOINT_APPLICATION,
        actor=party_actor(case.id, position),
        payload={},
        now=now,
    )


def request(session, case, body=None, *, now=NOW):
    return fire(
        session,
        case_id=case.id,
        trigger=T.REQUEST_CONFIRMATION,
        actor=actor(session, "window1"),
        payload=body or {"court_code": COURT},
        now=now,
    )


def events(session, case, trigger):
    with fresh(session) as s:
        query = select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.trigger == str(trigger))
        return list(s.exec(query.order_by(CaseEvent.seq)))


def stored(session, case):
    with fresh(session) as s:
        return s.get(Case, case.id)


def test_both_parties_sign_online_and_the_window_applies_without_a_paper_application(session):
    case = make_case(session, state=State.AGREEMENT)
    sign(session, case, 1, now=NOW - timedelta(days=1))
    sign(session, case, 0)
    signed = events(session, case, T.SIGN_JOINT_APPLICATION)
    assert [(e.actor, e.from_state, e.to_state) for e in signed] == [
        ("party:1", "agreement", "agreement"),
        ("party:0", "agreement", "agreement"),
    ]
    assert signed[0].payload == {"position": 1, "signed_on": "2026-11-03", "channel": "portal"}
    for number in (ID_A, ID_B, "13812345678"):
        assert all(number not in str(e.payload) for e in signed)
    kept = stored(session, case).confirmation["portal_signatures"]
    assert sorted(kept) == ["0", "1"] and kept["0"]["signed_on"] == "2026-11-04"

    result = request(session, case)
    assert result.state == State.JUDICIAL_CONFIRMATION
    row = stored(session, case)
    [application] = row.confirmation["applications"]
    assert application["applicants"] == [0, 1] and application["signed"] == [0, 1]
    assert application["signed_on"] == "2026-11-04" and application["agents"] == []  # the latest signature
    assert [(o["party"], o["signed_on"], o["channel"]) for o in application["online"]] == [
        (0, "2026-11-04", "portal"),
        (1, "2026-11-03", "portal"),
    ]
    assert "portal_signatures" not in row.confirmation, "an application made of them uses them up"
    [event] = events(session, case, T.REQUEST_CONFIRMATION)
    assert event.payload["joint_application"]["applicants"] == [0, 1]


def test_a_party_who_has_not_signed_is_named_and_the_rule_refuses_the_application(session):
    case = make_case(session, state=State.AGREEMENT)
    sign(session, case, 0)
    before = picture(session, case.id)
    with pytest.raises(GuardRefused) as exc:
        request(session, case)
    assert [r["rule"] for r in exc.value.extra["rules"]] == ["joint_application_complete"]
    assert "李四 尚未在线签署司法确认申请" in exc.value.detail and "第351条" in exc.value.detail
    assert "张三" not in exc.value.detail
    assert picture(session, case.id) == before


def test_without_a_paper_application_or_any_signature_the_field_is_named(session):
    case = make_case(session, state=State.AGREEMENT)
    with pytest.raises(PayloadInvalid) as exc:
        request(session, case)
    assert exc.value.loc == ["joint_application"] and "尚未在线签署" in exc.value.msg


def test_a_paper_signature_and_an_online_one_make_one_application(session):
    case = make_case(session, state=State.AGREEMENT)
    sign(session, case, 1)
    request(session, case, confirmation_request(applicants=[0], signed_on="2026-11-03"))
    [application] = stored(session, case).confirmation["applications"]
    assert application["applicants"] == [0, 1] and application["signed_on"] == "2026-11-04"
    assert [o["party"] for o in application["online"]] == [1]


def test_a_second_signature_by_the_same_party_is_refused_and_changes_nothing(session):
    case = make_case(session, state=State.AGREEMENT)
    sign(session, case, 0)
    before = picture(session, case.id)
    with pytest.raises(GuardRefused) as exc:
        sign(session, case, 0, now=NOW + timedelta(hours=1))
    assert [r["rule"] for r in exc.value.extra["rules"]] == ["signed_once"]
    assert "张三已于2026年11月4日在线签署" in exc.value.detail
    assert picture(session, case.id) == before


def test_staff_cannot_sign_for_a_party_and_a_party_can_do_nothing_else(session):
    case = make_case(session, state=State.AGREEMENT)
    for username in ("window1", "mediator1", "super1", "admin"):
        with pytest.raises(Forbidden):
            fire(session, case_id=case.id, trigger=T.SIGN_JOINT_APPLICATION, actor=actor(session, username), now=NOW)
    party = party_actor(case.id, 0)
    for trigger, payload in (
        (T.REQUEST_CONFIRMATION, confirmation_request()),
        (T.RECORD_FULFILMENT, {}),
        (T.REFER_LITIGATION, {"court_code": COURT}),
    ):
        with pytest.raises(Forbidden):
            fire(session, case_id=case.id, trigger=trigger, actor=party, payload=payload, now=NOW)
    with pytest.raises(NotVisible):  # a party of another case does not see this one
        fire(session, case_id=case.id, trigger=T.SIGN_JOINT_APPLICATION, actor=party_actor(uuid.uuid4(), 0), now=NOW)
    with pytest.raises(Forbidden):  # no such party in this case
        sign(session, case, 5)
    assert events(session, case, T.SIGN_JOINT_APPLICATION) == []


def test_a_party_the_agreement_does_not_bind_does_not_sign(session):
    third = {"role": "third_party", "kind": "person", "name": "王五", "id_number": ID_C}
    case = make_case(session, state=State.AGREEMENT, parties=[*case_payload()["parties"], third])
    with pytest.raises(GuardRefused) as exc:
        sign(session, case, 2)
    assert "王五不是调解协议的义务人或权利人" in exc.value.detail


def test_signatures_count_only_for_the_agreement_they_were_given_for(session, engine):
    case = make_case(session, state=State.AGREEMENT)
    sign(session, case, 0)
    with fresh(session) as s:  # the agreement as it stands is not the one 张三 was shown
        row = s.get(Case, case.id)
        row.agreement = {**row.agreement, "liability": "双方各承担一半维修责任。"}
        s.add(row)
        s.commit()
    with pytest.raises(GuardRefused) as exc:
        request(session, case, confirmation_request(applicants=[1]))
    assert "张三" in exc.value.detail


def test_signatures_are_gone_once_the_case_leaves_the_agreement(session):
    case = make_case(session, state=State.AGREEMENT)
    sign(session, case, 0)
    sign(session, case, 1)
    request(session, case)
    court = actor(session, "court1")
    fire(
        session,
        case_id=case.id,
        trigger=T.COURT_REJECT,
        actor=court,
        payload={"ruling_no": "（2026）浙0106民特21号", "reason": "协议内容不明确", "reason_kind": "merits"},
        now=NOW + timedelta(hours=1),
    )
    mediator = actor(session, "mediator1")
    fire(session, case_id=case.id, trigger=T.RESUME_MEDIATION, actor=mediator, payload={}, now=NOW + timedelta(hours=2))
    fire(
        session,
        case_id=case.id,
        trigger=T.REACH_AGREEMENT,
        actor=mediator,
        payload=agreement_payload(signed_at=NOW + timedelta(hours=3)),
        now=NOW + timedelta(hours=3),
    )
    assert "portal_signatures" not in (stored(session, case).confirmation or {})
    with pytest.raises(PayloadInvalid):  # the new agreement has no signature yet
        request(session, case, now=NOW + timedelta(hours=4))
    sign(session, case, 0, now=NOW + timedelta(hours=4))  # and may be signed again
    with pytest.raises(GuardRefused) as exc:
        request(session, case, now=NOW + timedelta(hours=5))
    assert "李四 尚未在线签署" in exc.value.detail


def test_a_withdrawn_application_needs_new_signatures(session):
    case = make_case(session, state=State.AGREEMENT)
    sign(session, case, 0)
    sign(session, case, 1)
    request(session, case)
    fire(
        session,
        case_id=case.id,
        trigger=T.WITHDRAW_CONFIRMATION,
        actor=actor(session, "mediator1"),
        payload={"reason": "双方当事人申请撤回"},
        now=NOW + timedelta(hours=1),
    )
    with pytest.raises(PayloadInvalid):
        request(session, case, now=NOW + timedelta(hours=2))


# --- 回访 by the party ----------------------------------------------------------------------------------------


def followup(session, case, who, body, *, now):
    return fire(session, case_id=case.id, trigger=T.RECORD_FOLLOWUP, actor=who, payload=body, now=now)


def test_each_party_rates_the_handling_once_and_staff_as_often_as_they_visit(session):
    case = make_case(session, state=State.CLOSED)
    later = local(2026, 11, 20, 9)
    followup(session, case, party_actor(case.id, 1), {"satisfaction": 4, "performed": True, "note": "已付"}, now=later)
    before = picture(session, case.id)
    with pytest.raises(GuardRefused) as exc:
        followup(session, case, party_actor(case.id, 1), {"satisfaction": 1, "performed": False}, now=later)
    assert "已提交回访评价" in exc.value.detail
    assert [r["rule"] for r in exc.value.extra["rules"]] == ["one_followup_per_party"]
    assert picture(session, case.id) == before
    followup(session, case, party_actor(case.id, 0), {"satisfaction": 5, "performed": True}, now=later)
    window = actor(session, "window1")
    for _ in range(2):
        followup(session, case, window, {"satisfaction": 3, "performed": True}, now=later)
    rows = events(session, case, T.RECORD_FOLLOWUP)
    assert [(e.actor, e.payload.get("position"), e.payload["satisfaction"]) for e in rows] == [
        ("party:1", 1, 4),
        ("party:0", 0, 5),
        ("window1", None, 3),
        ("window1", None, 3),
    ]
    assert rows[0].payload == {"satisfaction": 4, "performed": True, "note": "已付", "position": 1, "channel": "portal"}
