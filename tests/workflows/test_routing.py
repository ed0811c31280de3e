"""Diversion through the real engine on both databases: every rule of the shipped profile, every
stationing mode, capacity, mediator choice, escalation to the top and back, no bouncing, replay."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from models.tables import Case, Notification
from tests.factories import T0
from tests.workflows.routing_support import (
    COUNTY,
    NO_COMMITTEE_VILLAGE,
    OTHER_TOWN_VILLAGE,
    VILLAGE,
    VILLAGE2,
    WINDOW,
    divert,
    mediator_of,
    new_case,
)
from tests.workflows.support import events_of, local, picture
from workflows.engine import fire
from workflows.errors import JiefenError
from workflows.notify.party import KINDS as PARTY_KINDS


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
        notices = s.exec(
            select(Notification).where(Notification.case_id == case.id, col(Notification.kind).not_in(PARTY_KINDS))
        ).all()
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
        assert (
            len(
                s.exec(
                    select(Notification).where(
                        Notification.case_id == case.id, col(Notification.kind).not_in(PARTY_KINDS)
                    )
                ).all()
            )
            == 1
        )


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
