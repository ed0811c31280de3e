"""Escalation up the chain of organizations, and replaying a rules file over past cases (which changes nothing)."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from models.tables import Case, CaseEvent
from tests.factories import T0
from tests.workflows.routing_support import (
    SUPERVISOR,
    VILLAGE,
    divert,
    mediator_of,
    new_case,
)
from tests.workflows.support import events_of, local, one_deadline, picture
from workflows.access import SYSTEM_TIMEOUT
from workflows.engine import fire
from workflows.errors import PayloadInvalid

# --- escalation ----------------------------------------------------------------------------------------------


def test_escalation_climbs_to_the_top_and_comes_back_to_intake_flagged(session, t3):
    case = new_case(session, "neighbour", VILLAGE)
    assert divert(session, case).org_code == "T3-VIL-RTW"
    up = fire(
        session,
        case_id=case.id,
        trigger="decline",
        actor=mediator_of("T3-VIL-RTW"),
        payload={"reason": "不属本村"},
        now=local(2026, 11, 2, 11),
    )
    assert (up.state, up.org_code) == ("diversion", "T3-TWN-RTW")
    up = fire(
        session,
        case_id=case.id,
        trigger="diversion_timeout",
        actor=SYSTEM_TIMEOUT,
        payload={},
        now=local(2026, 11, 6, 0, 1),
    )
    assert (up.state, up.org_code) == ("diversion", "T3-CTY-RTW")
    one_deadline(session, case.id, "diversion_acceptance")
    top = fire(
        session,
        case_id=case.id,
        trigger="escalate",
        actor=mediator_of("T3-CTY-RTW"),
        payload={"reason": "需县级以上协调"},
        now=local(2026, 11, 9, 10),
    )
    assert (top.state, top.org_code) == ("intake", None)
    pic = picture(session, case.id)
    assert "escalation_exhausted" in pic.case["flags"]
    assert pic.open_deadlines() == []
    with Session(session.get_bind()) as s:
        assert s.get(Case, case.id).passed_org_codes == ["T3-VIL-RTW", "T3-TWN-RTW", "T3-CTY-RTW"]
    ev = events_of(session, case.id)[-1]
    assert ev.to_state == "intake" and ev.payload["escalation"]["to_org_code"] is None
    # Never back to a body that passed it on: routing finds nobody, naming one is refused.
    with pytest.raises(PayloadInvalid) as e:
        divert(session, case, now=local(2026, 11, 9, 11))
    assert e.value.loc == ["org_code"]
    with pytest.raises(PayloadInvalid) as e:
        divert(session, case, {"org_code": "T3-TWN-RTW"}, now=local(2026, 11, 9, 11))
    assert "不来回推诿" in e.value.msg
    # Another body can still take it.
    assert divert(session, case, {"org_code": "T3-CTY-SS"}, now=local(2026, 11, 9, 12)).org_code == "T3-CTY-SS"


def test_escalation_skips_a_parent_that_passed_the_case_on(session, t3):
    case = new_case(session, "neighbour", VILLAGE)
    divert(session, case, {"org_code": "T3-TWN-RTW"})
    fire(
        session,
        case_id=case.id,
        trigger="escalate",
        actor=SUPERVISOR,
        payload={"reason": "上报", "org_code": "T3-VIL-RTW"},
        now=T0 + timedelta(hours=1),
    )  # sent down by hand
    # The village's parent (the town) already passed it on: the way up goes on to the county.
    up = fire(
        session,
        case_id=case.id,
        trigger="decline",
        actor=mediator_of("T3-VIL-RTW"),
        payload={"reason": "不属本村"},
        now=T0 + timedelta(hours=2),
    )
    assert up.org_code == "T3-CTY-RTW"
    passed = events_of(session, case.id)[-1].payload["escalation"]["passed_over"]
    assert passed == [
        {
            "org_code": "T3-TWN-RTW",
            "name": "测试镇人民调解委员会",
            "passed_over": "曾退回或上报本案，不再分回（不来回推诿）",
        }
    ]


def test_escalating_to_a_body_that_passed_the_case_on_is_refused(session, t3):
    case = new_case(session, "neighbour", VILLAGE)
    divert(session, case)  # village
    fire(
        session,
        case_id=case.id,
        trigger="decline",
        actor=mediator_of("T3-VIL-RTW"),
        payload={"reason": "x"},
        now=T0 + timedelta(hours=1),
    )  # -> town
    with pytest.raises(PayloadInvalid) as e:
        fire(
            session,
            case_id=case.id,
            trigger="escalate",
            actor=mediator_of("T3-TWN-RTW"),
            payload={"reason": "退回村里", "org_code": "T3-VIL-RTW"},
            now=T0 + timedelta(hours=2),
        )
    assert e.value.loc == ["org_code"]
    assert picture(session, case.id).case["org_code"] == "T3-TWN-RTW"


# --- replay ------------------------------------------------------------------------------------------------------


REPLAY_RULES = """
profile: test-replay
version: 2
rules:
  - id: labour_county_only
    reason: 劳动争议一律由县级调解
    basis: 测试
    when: {dispute_types: [labour]}
    target: {kinds: [labour_mediation], levels: [county]}
  - id: nearest
    reason: 就近
    basis: 测试
    target: {kinds: [people_mediation], levels: [village, town, county]}
"""


def test_replay_shows_where_new_rules_would_send_each_case_and_changes_nothing(session, t3):
    from workflows.routing.replay import replay
    from workflows.routing.rules import parse_rules

    labour = new_case(session, "labour")
    divert(session, labour)  # T3-TWN-LD under the shipped rules
    neighbour = new_case(session, "neighbour")
    divert(session, neighbour)  # T3-VIL-RTW
    waiting = new_case(session, "other")  # never diverted

    def stored():
        with Session(session.get_bind()) as s:
            return (
                {c.id: (c.org_code, c.version) for c in s.exec(select(Case)).all()},
                len(s.exec(select(CaseEvent)).all()),
            )

    before = stored()

    rows = {r.case_id: r for r in replay(session, parse_rules(REPLAY_RULES))}

    assert (rows[labour.id].old_rule, rows[labour.id].old_org) == ("labour_town_else_county", "T3-TWN-LD")
    assert (rows[labour.id].new_rule, rows[labour.id].new_org, rows[labour.id].outcome) == (
        "labour_county_only",
        "T3-CTY-LD",
        "differs",
    )
    assert (rows[neighbour.id].new_org, rows[neighbour.id].outcome) == ("T3-VIL-RTW", "same")
    assert (rows[waiting.id].new_org, rows[waiting.id].outcome) == ("T3-TWN-RTW", "not_diverted")
    assert stored() == before
