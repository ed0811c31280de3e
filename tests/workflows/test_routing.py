"""Diversion through the real engine on both databases: every rule of the shipped profile, every
stationing mode, capacity, mediator choice, escalation to the top and back, no bouncing, replay."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from models.tables import Case, CaseEvent, Notification
from tests.factories import T0
from tests.workflows.routing_support import (
    COUNTY,
    NO_COMMITTEE_VILLAGE,
    OTHER_TOWN_VILLAGE,
    SUPERVISOR,
    VILLAGE,
    VILLAGE2,
    WINDOW,
    county,
    divert,
    mediator_of,
    new_case,
)
from tests.workflows.support import events_of, local, one_deadline, picture
from workflows.access import SYSTEM_TIMEOUT
from workflows.engine import fire
from workflows.errors import JiefenError, PayloadInvalid


@pytest.fixture
def t3(engine):
    with county(engine):
        yield


def _many(n: int) -> list[dict]:
    parties = [{"role": "applicant", "kind": "person", "name": f"申请人{i}"} for i in range(n - 1)]
    return [*parties, {"role": "respondent", "kind": "organization", "name": "某公司"}]


ROUTES = [
    # id, dispute type, region, extra intake fields, rule expected, organization expected
    ("neighbour-own-village", "neighbour", VILLAGE, {}, "neighbour_family_village", "T3-VIL-RTW"),
    ("family-own-village", "family", VILLAGE2, {}, "neighbour_family_village", "T3-VIL2-RTW"),
    (
        "neighbour-village-without-committee",
        "neighbour",
        NO_COMMITTEE_VILLAGE,
        {},
        "people_mediation_nearest",
        "T3-TWN-RTW",
    ),
    ("property-town", "property", VILLAGE, {}, "property_community_town", "T3-TWN-WY"),
    ("labour-town", "labour", VILLAGE, {}, "labour_town_else_county", "T3-TWN-LD"),
    ("labour-else-county", "labour", OTHER_TOWN_VILLAGE, {}, "labour_town_else_county", "T3-CTY-LD"),
    ("medical-county", "medical", VILLAGE, {}, "medical_committee", "T3-CTY-YT"),
    ("traffic-county", "traffic", VILLAGE, {}, "traffic_county", "T3-CTY-JT"),
    ("consumer", "consumer", VILLAGE, {}, "consumer_association", "T3-CTY-XF"),
    ("contract-persons", "contract", VILLAGE, {}, "contract_persons_people_mediation", "T3-TWN-RTW"),
    ("commercial-persons", "commercial", VILLAGE, {}, "contract_persons_people_mediation", "T3-CTY-RTW"),
    ("land-contract-village", "land_contract", VILLAGE, {}, "land_contract_village_town", "T3-VIL-RTW"),
    ("other-nearest", "other", VILLAGE, {}, "people_mediation_nearest", "T3-TWN-RTW"),
    (
        "court-referral-neighbour",
        "neighbour",
        VILLAGE,
        {"channel": "court_referral", "referral": {"court_code": "T3-COURT", "kind": "pre_filing"}},
        "court_referral",
        "T3-CTY-RTW",
    ),
    (
        "court-referral-contract",
        "contract",
        VILLAGE,
        {"channel": "court_referral", "referral": {"court_code": "T3-COURT"}},
        "court_referral",
        "T3-CTY-SS",
    ),
    (
        "court-referral-without-court",
        "neighbour",
        VILLAGE,
        {"channel": "court_referral"},
        "neighbour_family_village",
        "T3-VIL-RTW",
    ),
    ("group-ten-parties", "neighbour", VILLAGE, {"parties": _many(10)}, "group_dispute", "T3-CTY-RTW"),
    ("nine-parties-not-group", "neighbour", VILLAGE, {"parties": _many(9)}, "neighbour_family_village", "T3-VIL-RTW"),
    ("group-large-claim", "labour", VILLAGE, {"claim_amount": "1000000.01"}, "group_dispute_persons", "T3-CTY-LD"),
    (
        "claim-at-threshold-not-group",
        "labour",
        VILLAGE,
        {"claim_amount": "1000000.00"},
        "labour_town_else_county",
        "T3-TWN-LD",
    ),
]


@pytest.mark.parametrize("dispute_type,region,extra,rule,org", [r[1:] for r in ROUTES], ids=[r[0] for r in ROUTES])
def test_divert_without_org_code_follows_the_rules(session, t3, dispute_type, region, extra, rule, org):
    case = new_case(session, dispute_type, region, **extra)
    done = divert(session, case)
    assert (done.state, done.org_code) == ("diversion", org)
    routing = events_of(session, case.id)[-1].payload["routing"]
    assert (routing["rule"], routing["org_code"]) == (rule, org)
    assert routing["profile"] == "jiefen-default@1" and routing["basis"] and routing["reason"]
    assert routing["candidates"][0] == {**routing["candidates"][0], "org_code": org, "passed_over": None}
    assert routing["rules"][-1] == {"rule": rule, "outcome": "chosen"}
    for c in routing["candidates"][1:]:
        assert c["passed_over"], c  # every other candidate says why it was passed over


def test_rules_that_applied_but_found_nobody_say_so(session, t3):
    case = new_case(session, "neighbour", NO_COMMITTEE_VILLAGE)
    divert(session, case)
    rules = {r["rule"]: r for r in events_of(session, case.id)[-1].payload["routing"]["rules"]}
    assert rules["neighbour_family_village"]["outcome"] == "no_candidate"
    assert rules["group_dispute"]["outcome"] == "not_applicable"
    assert "未达10人" in rules["group_dispute"]["why"]
    assert rules["court_referral"]["why"].startswith("来源渠道不符")


# --- stationing -------------------------------------------------------------------------------------


STATIONING = [
    # id, dispute type, region, divert at (local), org, next duty day on the case, call-out written
    ("resident", "family", VILLAGE2, local(2026, 11, 3, 10), "T3-VIL2-RTW", None, False),
    ("rotating-on-duty-monday", "other", VILLAGE, local(2026, 11, 2, 10), "T3-TWN-RTW", None, False),
    ("rotating-off-duty-tuesday", "other", VILLAGE, local(2026, 11, 3, 10), "T3-TWN-RTW", date(2026, 11, 4), False),
    ("rotating-off-duty-thursday", "other", VILLAGE, local(2026, 11, 5, 10), "T3-TWN-RTW", date(2026, 11, 9), False),
    # Thursday duty, diverted Wed 30 Sep: Thu 1 Oct is National Day, so the next sitting is Thu 8 Oct.
    ("rotating-holiday-skipped", "medical", VILLAGE, local(2026, 9, 30, 10), "T3-CTY-YT", date(2026, 10, 8), False),
    ("on-call", "neighbour", VILLAGE, local(2026, 11, 3, 10), "T3-VIL-RTW", None, True),
]


@pytest.mark.parametrize(
    "dispute_type,region,at,org,duty_day,call_out", [s[1:] for s in STATIONING], ids=[s[0] for s in STATIONING]
)
def test_stationing_decides_how_the_case_is_handed_over(session, t3, dispute_type, region, at, org, duty_day, call_out):
    case = new_case(session, dispute_type, region, now=at - timedelta(hours=1))
    divert(session, case, now=at)
    pic = picture(session, case.id)
    assert pic.case["org_code"] == org
    with Session(session.get_bind()) as s:
        row = s.get(Case, case.id)
        assert row.next_duty_day == duty_day
        notices = s.exec(select(Notification).where(Notification.case_id == case.id)).all()
    ev = events_of(session, case.id)[-1]
    assert ev.payload["stationing"]["mode"] in ("resident", "rotating", "on_call")
    if call_out:
        assert [(n.kind, n.org_code, n.status) for n in notices] == [("call_out", org, "pending")]
        assert notices[0].dedupe_key == f"call_out:{case.id}:{ev.seq}" and "随叫随驻" in notices[0].payload["message"]
        assert ev.payload["stationing"]["call_out"] is True
    else:
        assert notices == []
    if duty_day:
        assert ev.payload["stationing"]["next_duty_day"] == duty_day.isoformat()


def test_a_refused_divert_writes_no_call_out(session, t3):
    case = new_case(session, "neighbour", VILLAGE)
    divert(session, case)
    with pytest.raises(JiefenError):
        divert(session, case)  # already in diversion: refused, nothing written
    with Session(session.get_bind()) as s:
        assert len(s.exec(select(Notification).where(Notification.case_id == case.id)).all()) == 1


# --- capacity ----------------------------------------------------------------------------------------


def test_a_full_organization_is_passed_over_and_the_next_rule_decides(session, t3):
    first = new_case(session, "family", VILLAGE2)
    assert divert(session, first).org_code == "T3-VIL2-RTW"  # capacity 1: now full
    second = new_case(session, "family", VILLAGE2)
    assert divert(session, second).org_code == "T3-TWN-RTW"
    routing = events_of(session, second.id)[-1].payload["routing"]
    full = [c for c in routing["candidates"] if c["org_code"] == "T3-VIL2-RTW"]
    assert full and full[0]["passed_over"] == "已满负荷（在办1件，上限1件）"
    assert routing["rule"] == "people_mediation_nearest"


def test_labour_goes_to_the_county_when_the_town_committee_is_full(session, t3):
    assert divert(session, new_case(session, "labour")).org_code == "T3-TWN-LD"
    assert divert(session, new_case(session, "labour")).org_code == "T3-CTY-LD"


def test_a_closed_case_no_longer_counts_against_capacity(session, t3):
    first = new_case(session, "family", VILLAGE2)
    divert(session, first)
    fire(
        session,
        case_id=first.id,
        trigger="withdraw",
        actor=WINDOW,
        payload={"reason": "撤回"},
        now=T0 + timedelta(hours=1),
    )
    assert divert(session, new_case(session, "family", VILLAGE2)).org_code == "T3-VIL2-RTW"


# --- mediator choice on accept ----------------------------------------------------------------------------


def _at_county(session, dispute_type="neighbour"):
    case = new_case(session, dispute_type, COUNTY + "001001")
    divert(session, case, {"org_code": "T3-CTY-RTW"})
    return case


def test_accept_without_mediator_code_picks_the_specialist_with_fewest_open_cases(session, t3):
    who = mediator_of("T3-CTY-RTW")
    a, b, c = (_at_county(session) for _ in range(3))
    picks = []
    for i, case in enumerate((a, b, c)):
        done = fire(session, case_id=case.id, trigger="accept", actor=who, payload={}, now=T0 + timedelta(hours=i + 1))
        picks.append(done.mediator_code)
    # TM-1 (tie, by code), TM-2 (fewer open), TM-1 again: part-time TM-2 is at its capacity of 1.
    assert picks == ["TM-1", "TM-2", "TM-1"]
    choice = events_of(session, c.id)[-1].payload["mediator_choice"]
    assert choice["rule"] == "specialty_fewest_open" and choice["mediator_code"] == "TM-1"
    tm2 = next(x for x in choice["considered"] if x["mediator_code"] == "TM-2")
    assert tm2["passed_over"] == "兼职调解员已达上限（在办1件，上限1件）"
    tm3 = next(x for x in choice["considered"] if x["mediator_code"] == "TM-3")
    assert tm3["passed_over"].startswith("无")


def test_without_a_free_specialist_the_least_loaded_mediator_takes_it(session, t3):
    who = mediator_of("T3-CTY-RTW")
    fam1 = _at_county(session, "family")
    assert fire(session, case_id=fam1.id, trigger="accept", actor=who, payload={}, now=T0).mediator_code == "TM-2"
    fam2 = _at_county(session, "family")  # TM-2, the only family specialist, is full (part-time, 1)
    done = fire(session, case_id=fam2.id, trigger="accept", actor=who, payload={}, now=T0 + timedelta(hours=1))
    assert done.mediator_code == "TM-1"
    assert events_of(session, fam2.id)[-1].payload["mediator_choice"]["rule"] == "fewest_open"


def test_a_named_mediator_is_taken_as_named(session, t3):
    case = _at_county(session)
    done = fire(
        session,
        case_id=case.id,
        trigger="accept",
        actor=mediator_of("T3-CTY-RTW"),
        payload={"mediator_code": "TM-3"},
        now=T0,
    )
    assert done.mediator_code == "TM-3"
    assert "mediator_choice" not in events_of(session, case.id)[-1].payload


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
