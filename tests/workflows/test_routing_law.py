"""The routing rules the law sets (docs/legal-reference.md §4, "Corrections and additions (v2)"), through the
real engine on both databases, and as pure functions: medical disputes only to a 医调委 (county, then the
city's) or the health department; natural persons' contract disputes to free people's mediation unless they
chose commercial mediation; land-requisition disputes to the county, never to land-contract arbitration;
domestic violence never to the village committee alone; the Zhejiang property regulation cited."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from models.tables import Case
from states.enums import Trigger
from tests.factories import T0, USCC_A, actor, make_case
from tests.workflows.routing_support import VILLAGE, WINDOW, divert, new_case
from tests.workflows.support import events_of
from workflows.engine import fire
from workflows.errors import GuardRefused, PayloadInvalid
from workflows.routing.decide import Facts, route
from workflows.routing.directory import Directory, OrgInfo
from workflows.routing.rules import DEFAULT_RULES, RulesError, load_rules_file, parse_rules

SHIPPED = load_rules_file(DEFAULT_RULES)
CITY_YTW = "CN-ZJ-HZ-YTW"  # the demo's city 医调委 (杭州市, 330100) also covers the test county 330110


def _passed(session: Session, case, *codes: str) -> None:
    """As if these organizations had declined or escalated the case (never sent back to them)."""
    session.exec(sa.update(Case).where(Case.id == case.id).values(passed_org_codes=list(codes)))
    session.commit()


def _routing(session, case):
    return events_of(session, case.id)[-1].payload["routing"]


# --- medical ----------------------------------------------------------------------------------------------


def test_a_medical_dispute_goes_to_the_county_medical_committee(session, t3):
    done = divert(session, new_case(session, "medical", VILLAGE))
    assert done.org_code == "T3-CTY-YT"
    assert _routing(session, done)["rule"] == "medical_committee"


def test_without_the_county_committee_the_city_committee_takes_it_never_a_people_committee(session, t3):
    case = new_case(session, "medical", VILLAGE)
    _passed(session, case, "T3-CTY-YT")
    done = divert(session, case)
    assert done.org_code == CITY_YTW  # T3-CTY-RTW (a people's committee taking every type) is never chosen
    considered = {c["org_code"] for c in _routing(session, done)["candidates"]}
    assert not considered & {"T3-VIL-RTW", "T3-TWN-RTW", "T3-CTY-RTW"}


def test_with_no_medical_committee_free_routing_stops_at_the_health_department(session, t3):
    case = new_case(session, "medical", VILLAGE)
    _passed(session, case, "T3-CTY-YT", CITY_YTW)
    with pytest.raises(PayloadInvalid) as e:
        divert(session, case)
    assert "卫生主管部门" in str(e.value.detail) and "不交村（居）、乡镇（街道）" in str(e.value.detail)
    # the window may still name a body, or transfer the case out to the health department
    done = fire(
        session,
        case_id=case.id,
        trigger=Trigger.TRANSFER_OUT,
        actor=WINDOW,
        payload={"agency": "测试县卫生健康局", "reason": "医疗纠纷行政调解"},
        now=T0,
    )
    assert done.state == "closed"


# --- contract disputes between natural persons ------------------------------------------------------------


PERSON_AND_COMPANY = [
    {"role": "applicant", "kind": "person", "name": "张三"},
    {"role": "respondent", "kind": "organization", "name": "某装修公司", "uscc": USCC_A},
]


@pytest.mark.parametrize(
    "over,rule,org",
    [
        ({}, "contract_persons_people_mediation", "T3-TWN-RTW"),
        ({"commercial_mediation_chosen": True}, "contract_commercial", "T3-CTY-SS"),
        ({"parties": PERSON_AND_COMPANY}, "contract_commercial", "T3-CTY-SS"),
        ({"claim_amount": "2000000.00"}, "group_dispute_persons", "T3-CTY-RTW"),
        ({"claim_amount": "2000000.00", "commercial_mediation_chosen": True}, "group_dispute", "T3-CTY-SS"),
    ],
    ids=["persons-free", "persons-chose-commercial", "a-company", "persons-large-claim", "large-claim-chosen"],
)
def test_persons_contract_disputes_go_to_free_people_mediation_unless_they_chose(session, t3, over, rule, org):
    done = divert(session, new_case(session, "contract", VILLAGE, **over))
    assert (_routing(session, done)["rule"], done.org_code) == (rule, org)


# --- land requisition --------------------------------------------------------------------------------------


def test_a_land_requisition_dispute_goes_to_the_county_committee_not_the_village(session, t3):
    done = divert(session, new_case(session, "land_contract", VILLAGE, land_requisition=True))
    assert (done.org_code, _routing(session, done)["rule"]) == ("T3-CTY-RTW", "land_requisition_county")
    plain = divert(session, new_case(session, "land_contract", VILLAGE))
    assert plain.org_code == "T3-VIL-RTW"  # an ordinary land-contract dispute stays in the village


def test_land_arbitration_is_refused_for_a_requisition_dispute_naming_the_article(session):
    case = make_case(session, state="failed", dispute_type="land_contract", land_requisition=True)
    with pytest.raises(GuardRefused) as e:
        fire(
            session,
            case_id=case.id,
            trigger=Trigger.REFER_ARBITRATION,
            actor=actor(session, "mediator1"),
            payload={"body_code": "CN-ZJ-XH-NTZC"},
            now=T0 + timedelta(hours=5),
        )
    assert "第2条第3款" in str(e.value.detail) and "not_land_requisition" in str(e.value.extra)
    ordinary = make_case(session, state="failed", dispute_type="land_contract", now=T0)
    done = fire(
        session,
        case_id=ordinary.id,
        trigger=Trigger.REFER_ARBITRATION,
        actor=actor(session, "mediator1"),
        payload={"body_code": "CN-ZJ-XH-NTZC"},
        now=T0 + timedelta(hours=5),
    )
    assert done.state == "arbitration"


# --- domestic violence ---------------------------------------------------------------------------------------


def test_domestic_violence_goes_to_the_town_committee_and_is_flagged(session, t3):
    case = new_case(session, "family", VILLAGE, domestic_violence=True)
    assert case.flags == ["domestic_violence"]
    done = divert(session, case)
    assert (done.org_code, _routing(session, done)["rule"]) == ("T3-TWN-RTW", "domestic_violence_town_county")
    assert "第25条" in _routing(session, done)["basis"]
    assert divert(session, new_case(session, "family", VILLAGE)).org_code == "T3-VIL-RTW"


def test_domestic_violence_never_falls_to_the_village_committee_alone(session, t3):
    case = new_case(session, "family", VILLAGE, domestic_violence=True)
    _passed(session, case, "T3-TWN-RTW", "T3-CTY-RTW")
    with pytest.raises(PayloadInvalid) as e:
        divert(session, case)  # the village committee would take family disputes: it is not asked
    assert "不交村（居）民委员会人民调解委员会单独调解" in str(e.value.detail)


# --- property: the Zhejiang regulation ------------------------------------------------------------------------


def test_a_zhejiang_property_dispute_cites_the_zhejiang_regulation(session, t3):
    done = divert(session, new_case(session, "property", VILLAGE))
    routing = _routing(session, done)
    assert routing["rule"] == "property_community_town"
    assert "浙江省物业管理条例 第38条" in routing["basis"] and "第49条第3款" in routing["basis"]


def test_outside_zhejiang_the_generic_property_rule_applies():
    d = Directory(
        [
            OrgInfo(
                "P",
                "P",
                "property_mediation",
                "town",
                "440303001",
                None,
                frozenset({"property"}),
                "resident",
                (),
                None,
                frozenset(),
            )
        ]
    )
    decision = route(Facts("property", "window", "440303001001", 2), d, SHIPPED, {})
    assert (decision.rule, decision.org_code) == ("property_community_town_other", "P")
    assert "浙江" not in decision.basis


# --- the rules file: facts and otherwise -----------------------------------------------------------------------

RULE = """\
profile: t
version: 1
rules:
  - id: a
    reason: 原因
    basis: 依据
    when:
{when}
    target:
      kinds: [people_mediation]
{otherwise}"""


@pytest.mark.parametrize(
    "when,otherwise,line,words",
    [
        ("      facts: {married: true}", "", 8, "unknown fact 'married'"),
        ("      facts: {all_persons: yes please}", "", 8, "must be true or false"),
        ("      facts: []", "", 8, "non-empty mapping"),
        ("      dispute_types: [family]", "    otherwise:\n      basis: 依据\n", 12, "reason is required"),
        (
            "      dispute_types: [family]",
            "    otherwise:\n      reason: 原因\n      why: x\n",
            13,
            "unknown key 'why'",
        ),
    ],
    ids=["unknown-fact", "not-a-boolean", "empty-facts", "otherwise-without-reason", "otherwise-unknown-key"],
)
def test_a_bad_facts_or_otherwise_is_refused_with_its_line(when, otherwise, line, words):
    with pytest.raises(RulesError) as e:
        parse_rules(RULE.format(when=when, otherwise=otherwise), "r.yaml")
    assert str(e.value).startswith(f"r.yaml:{line}: ") and words in str(e.value)


def test_facts_and_otherwise_parse():
    rules = parse_rules(
        RULE.format(
            when="      facts: {all_persons: true, land_requisition: false}",
            otherwise="    otherwise:\n      reason: 另行处理\n      basis: 某法 第1条\n",
        )
    )
    rule = rules.rules[0]
    assert rule.when.facts == (("all_persons", True), ("land_requisition", False))
    assert (rule.otherwise.reason, rule.otherwise.basis) == ("另行处理", "某法 第1条")


def test_a_fact_that_does_not_hold_is_explained():
    d = route(
        Facts("contract", "window", "440303001001", 2, Decimal("10"), all_persons=False), Directory([]), SHIPPED, {}
    )
    why = {r["rule"]: r.get("why", "") for r in d.explanation["rules"]}
    assert why["contract_persons_people_mediation"] == "不是“当事人均为自然人”的情形"


# --- judicial confirmation: the ground the chosen court is competent on ----------------------------------------


def test_the_grounds_are_those_the_chosen_court_covers():
    from types import SimpleNamespace

    from workflows.routing.jurisdiction import grounds

    why = {
        "ground": "regions",
        "court_level": "basic",
        "regions": {"domicile": ["110105"], "subject_matter": ["330106001001"], "mediation_organization": ["330106"]},
    }
    xihu, chaoyang = SimpleNamespace(code="XH", region="330106"), SimpleNamespace(code="CY", region="110105")
    assert grounds(xihu, why) == ["subject_matter", "mediation_organization"]
    assert grounds(chaoyang, why) == ["domicile"]
    assert grounds(SimpleNamespace(code="SH", region="310101"), why) == []
    city = {**why, "court_level": "intermediate"}
    assert grounds(SimpleNamespace(code="HZ", region="330100"), city) == ["subject_matter", "mediation_organization"]
    invited = {"ground": "inviting_court", "court_code": "XH"}
    assert grounds(xihu, invited) == ["inviting_court"] and grounds(chaoyang, invited) == []


def test_request_confirmation_records_the_ground_in_its_event(session):
    case = make_case(session, state="judicial_confirmation")
    recorded = events_of(session, case.id)[-1].payload["jurisdiction"]
    assert recorded["grounds"] == ["subject_matter", "mediation_organization"]
    assert "regions" not in recorded  # the event keeps the ground, not the parties' area codes
