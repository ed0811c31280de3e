"""A medical dispute named by hand to a body goes to a 医疗纠纷人民调解委员会 (医疗纠纷预防和处理条例 第32条):
never to the village or street committee, whether the window diverts it or a mediator escalates it."""

import pytest

from states.enums import State, Trigger
from tests.factories import MEDIATION_ORG, actor, make_case
from tests.workflows.support import picture
from workflows.engine import fire
from workflows.errors import GuardRefused

COUNTY_MEDICAL = "CN-ZJ-XH-YTW"  # 西湖区医疗纠纷人民调解委员会
CITY_MEDICAL = "CN-ZJ-HZ-YTW"  # 杭州市医疗纠纷人民调解委员会


def test_the_window_cannot_divert_a_medical_dispute_to_a_street_committee(session):
    case = make_case(session, dispute_type="medical")
    before = picture(session, case.id)
    with pytest.raises(GuardRefused) as refused:
        fire(
            session,
            case_id=case.id,
            trigger=Trigger.DIVERT,
            actor=actor(session, "window1"),
            payload={"org_code": MEDIATION_ORG},
        )
    assert "医疗纠纷预防和处理条例 第32条" in str(refused.value.detail)
    assert picture(session, case.id) == before


def test_the_window_may_divert_a_medical_dispute_to_the_medical_committee(session):
    case = make_case(session, dispute_type="medical")
    done = fire(
        session,
        case_id=case.id,
        trigger=Trigger.DIVERT,
        actor=actor(session, "window1"),
        payload={"org_code": COUNTY_MEDICAL},
    )
    assert (done.state, done.org_code) == (State.DIVERSION, COUNTY_MEDICAL)


def test_a_medical_dispute_is_escalated_only_to_a_medical_committee(session):
    case = make_case(session, dispute_type="medical")
    fire(
        session,
        case_id=case.id,
        trigger=Trigger.DIVERT,
        actor=actor(session, "window1"),
        payload={"org_code": COUNTY_MEDICAL},
    )
    with pytest.raises(GuardRefused):
        fire(
            session,
            case_id=case.id,
            trigger=Trigger.ESCALATE,
            actor=actor(session, "super1"),
            payload={"reason": "上报", "org_code": MEDIATION_ORG},
        )
    done = fire(
        session,
        case_id=case.id,
        trigger=Trigger.ESCALATE,
        actor=actor(session, "super1"),
        payload={"reason": "上报", "org_code": CITY_MEDICAL},
    )
    assert done.org_code == CITY_MEDICAL


def test_other_disputes_may_still_be_named_to_any_mediation_body(session):
    case = make_case(session, dispute_type="neighbour")
    done = fire(
        session,
        case_id=case.id,
        trigger=Trigger.DIVERT,
        actor=actor(session, "window1"),
        payload={"org_code": MEDIATION_ORG},
    )
    assert done.org_code == MEDIATION_ORG
