"""The guards of docs/contract.md §4 (v2) as pure functions, both ways: a labour dispute's routes to court,
to arbitration and to judicial confirmation (劳动争议调解仲裁法; 劳动争议解释(一)), the arbitration record,
the joint application (民诉法解释 第351条), re-applying after a refusal for want of jurisdiction and the
court's extension (民事诉讼法 第187条). Each refusal is checked for the article it names."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from states.enums import DisputeType, State
from states.guards import GUARDS, CaseSnapshot

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
D = DisputeType
LATER, EARLIER = NOW + timedelta(days=1), NOW - timedelta(seconds=1)


def snap(state=State.ARBITRATION, dispute_type=D.LABOUR, **refs) -> CaseSnapshot:
    return replace(CaseSnapshot(state=state, dispute_type=dispute_type), refs=refs)


def check(name, case, payload=None):
    return GUARDS[name](case, payload or {}, NOW)


def clock(due, last_day="2026-11-28"):
    return {"due_at": due, "last_day": last_day}


def labour(arbitration=None, clocks=None, **over):
    return {"arbitration": arbitration or {}, "clocks": clocks or {}, "court_level": "basic", **over}


# Guards whose reason itself names the article that refuses (their basis lists every ground).
SPECIFIC = {"labour_litigation_grounds", "unperformed_agreement_only", "labour_confirmation_scope"}


def refused(name, case, article, payload=None):
    """Refused, and the refusal names `article`: in the reason itself for the guards in SPECIFIC, in the
    whole text (reason and basis) for the others."""
    v = check(name, case, payload)
    assert not v.ok, v
    text = v.reason.removesuffix(f"（{v.basis}）") if name in SPECIFIC else v.reason
    assert article in text, text
    return v


# --- refer_litigation: the grounds a labour dispute goes to court on ----------------------------------


@pytest.mark.parametrize("state", [State.FAILED, State.CONFIRMATION_REJECTED])
def test_labour_without_arbitration_is_refused_naming_article_5(state):
    refused("labour_litigation_grounds", snap(state, labour=labour()), "劳动争议调解仲裁法 第5条")


def test_an_award_received_allows_suit_for_15_days_then_not(state=State.ARBITRATION):
    award = {"award": {"award_no": "A1", "received_on": "2026-11-20", "final": False}}
    assert check("labour_litigation_grounds", snap(labour=labour(award, {"award_challenge": clock(LATER)}))).ok
    v = refused("labour_litigation_grounds", snap(labour=labour(award, {"award_challenge": clock(EARLIER)})), "第50条")
    assert "第48条" in v.reason and "2026-11-28 24时" in v.reason


def test_a_final_award_after_15_days_only_to_the_intermediate_court_within_30():
    award = {"award": {"award_no": "A1", "received_on": "2026-11-01", "final": True}}
    clocks = {"award_challenge": clock(EARLIER), "award_set_aside": clock(LATER, "2026-12-01")}
    basic = snap(labour=labour(award, clocks))
    v = refused("labour_litigation_grounds", basic, "第49条")
    assert "中级人民法院" in v.reason
    assert check("labour_litigation_grounds", snap(labour=labour(award, clocks, court_level="intermediate"))).ok
    ended = {**clocks, "award_set_aside": clock(EARLIER)}
    refused("labour_litigation_grounds", snap(labour=labour(award, ended, court_level="intermediate")), "第50条")


def test_refusal_of_the_application_allows_suit_article_29():
    record = {"applied_on": "2026-11-20", "not_accepted": {"decided_on": "2026-11-23"}}
    assert check("labour_litigation_grounds", snap(labour=labour(record))).ok


def test_no_decision_on_acceptance_within_five_days_allows_suit_article_29():
    record = {"applied_on": "2026-11-20"}
    assert check(
        "labour_litigation_grounds", snap(labour=labour(record, {"arbitration_acceptance": clock(EARLIER)}))
    ).ok
    v = refused(
        "labour_litigation_grounds", snap(labour=labour(record, {"arbitration_acceptance": clock(LATER)})), "第29条"
    )
    assert "尚未作出是否受理的决定" in v.reason


def test_no_award_within_the_award_period_allows_suit_article_43():
    record = {"applied_on": "2026-10-01", "accepted_on": "2026-10-05"}
    assert check("labour_litigation_grounds", snap(labour=labour(record, {"arbitration_award": clock(EARLIER)}))).ok
    refused("labour_litigation_grounds", snap(labour=labour(record, {"arbitration_award": clock(LATER)})), "第43条")


def test_a_wage_only_agreement_not_performed_goes_straight_to_court_article_51():
    agreement = snap(State.AGREEMENT, labour=labour(wages_only=True, overdue=True))
    assert check("labour_litigation_grounds", agreement).ok
    refused(
        "labour_litigation_grounds",
        snap(State.AGREEMENT, labour=labour(wages_only=True, overdue=False)),
        "劳动争议解释(一) 第51条",
    )
    refused("labour_litigation_grounds", snap(State.AGREEMENT, labour=labour(overdue=True)), "第15条")


def test_other_disputes_are_not_held_by_the_labour_grounds():
    assert check("labour_litigation_grounds", snap(State.FAILED, D.CONTRACT, labour=labour())).ok
    assert check("labour_litigation_grounds", snap(State.FAILED, D.LAND_CONTRACT, labour=labour())).ok


# --- refer_arbitration from an agreement (第15条) -----------------------------------------------------


def test_an_unperformed_labour_agreement_goes_to_arbitration_article_15():
    assert check("unperformed_agreement_only", snap(State.AGREEMENT, labour={"overdue": True})).ok
    refused("unperformed_agreement_only", snap(State.AGREEMENT, labour={"overdue": False}), "劳动争议调解仲裁法 第15条")


def test_other_agreements_never_go_to_arbitration():
    refused("unperformed_agreement_only", snap(State.AGREEMENT, D.CONTRACT), "人民调解法 第32条")
    assert check("unperformed_agreement_only", snap(State.FAILED, D.CONTRACT)).ok


# --- judicial confirmation of a labour agreement (第52条) ------------------------------------------------

PAID = {"obligations": [{"obligor": 1, "obligee": 0, "description": "支付工资", "amount": "9000.00"}]}


def test_a_labour_agreement_before_a_peoples_mediation_committee_on_payment_is_confirmable():
    case = snap(State.AGREEMENT, agreement_org_kind="people_mediation", agreement=PAID)
    assert check("labour_confirmation_scope", case).ok


def test_a_labour_agreement_before_another_body_is_not_confirmable_article_52():
    case = snap(State.AGREEMENT, agreement_org_kind="labour_mediation", agreement=PAID)
    refused("labour_confirmation_scope", case, "劳动争议解释(一) 第52条")


def test_a_labour_agreement_with_an_obligation_without_amount_is_not_confirmable_article_52():
    agreement = {"obligations": [*PAID["obligations"], {"obligor": 1, "obligee": 0, "description": "出具离职证明"}]}
    v = refused(
        "labour_confirmation_scope",
        snap(State.AGREEMENT, agreement_org_kind="people_mediation", agreement=agreement),
        "第52条",
    )
    assert "第2项" in v.reason


def test_other_types_are_not_restricted_to_payment():
    case = snap(State.AGREEMENT, D.CONTRACT, agreement_org_kind="commercial_mediation", agreement={"obligations": []})
    assert check("labour_confirmation_scope", case).ok


# --- the arbitration record -------------------------------------------------------------------------------


def test_the_body_decides_on_acceptance_once():
    assert check("acceptance_undecided", snap(arbitration={"applied_on": "2026-11-20"})).ok
    refused("acceptance_undecided", snap(arbitration={"accepted_on": "2026-11-21"}), "第29条")
    refused("acceptance_undecided", snap(arbitration={"not_accepted": {"decided_on": "2026-11-21"}}), "第29条")


def test_an_award_once_and_never_after_refusal():
    assert check("award_possible", snap(arbitration={"accepted_on": "2026-11-21"})).ok
    refused("award_possible", snap(arbitration={"not_accepted": {"decided_on": "2026-11-21"}}), "第29条")
    refused("award_possible", snap(arbitration={"award": {"award_no": "A1"}}), "第43条")


def test_the_award_period_extends_by_at_most_15_days_article_43():
    running = {"open": True, "cap": 15, "extended": 0}
    assert check("award_extension_allowed", snap(award_clock=running), {"days": 15}).ok
    v = refused("award_extension_allowed", snap(award_clock=running), "第43条", {"days": 16})
    assert "不得超过15日" in v.reason
    refused("award_extension_allowed", snap(award_clock={**running, "extended": 10}), "第43条", {"days": 6})
    refused("award_extension_allowed", snap(award_clock={**running, "open": False}), "第43条", {"days": 5})


# --- the joint application (民诉法解释 第351条) -------------------------------------------------------------


def joint(signed, agents=(), required=((0, "张三"), (1, "李四"))):
    return {"required": list(required), "signed": set(signed), "agents": list(agents)}


def agent(party, special=True, mediation_org=False, name="王律师"):
    return {"party": party, "name": name, "special": special, "mediation_org": mediation_org}


def test_both_parties_signing_is_a_joint_application():
    assert check("joint_application_complete", snap(State.AGREEMENT, joint=joint({0, 1}))).ok


def test_a_party_represented_by_a_specially_authorized_agent_applies():
    assert check("joint_application_complete", snap(State.AGREEMENT, joint=joint({0}, [agent(1)]))).ok


def test_a_party_who_neither_signs_nor_is_represented_is_refused_article_351():
    v = refused("joint_application_complete", snap(State.AGREEMENT, joint=joint({0})), "未在共同申请书上签名")
    assert "李四" in v.reason and "民诉法解释 第351条" in v.reason


def test_an_agent_with_general_authority_does_not_apply_for_the_party():
    v = refused(
        "joint_application_complete", snap(State.AGREEMENT, joint=joint({0}, [agent(1, special=False)])), "特别授权"
    )
    assert "第351条" in v.reason


def test_a_mediation_organization_is_never_an_agent():
    org = agent(1, mediation_org=True, name="城厢街道人民调解委员会")
    v = refused("joint_application_complete", snap(State.AGREEMENT, joint=joint({0, 1}, [org])), "调解组织")
    assert "人民调解法 第33条" in v.reason


# --- re-applying after a refusal for want of jurisdiction, the court's extension ----------------------------


def test_reapplying_is_allowed_after_a_refusal_for_jurisdiction_to_another_court():
    case = snap(State.CONFIRMATION_REJECTED, rejection={"kind": "jurisdiction", "court_code": "C1"})
    assert check("rejected_for_jurisdiction", case, {"court_code": "C2"}).ok
    refused("rejected_for_jurisdiction", case, "应向其他有管辖权的人民法院申请", {"court_code": "C1"})


def test_reapplying_after_a_refusal_on_the_merits_is_refused_naming_article_206():
    case = snap(State.CONFIRMATION_REJECTED, rejection={"kind": "merits", "court_code": "C1"})
    v = refused("rejected_for_jurisdiction", case, "民事诉讼法 第206条", {"court_code": "C2"})
    assert "第355条第1款第2项" in v.reason
    unknown = snap(State.CONFIRMATION_REJECTED, rejection={"kind": None, "court_code": "C1"})
    refused("rejected_for_jurisdiction", unknown, "第206条", {"court_code": "C2"})


def test_the_court_extends_its_running_clock_within_any_cap_article_187():
    state = State.JUDICIAL_CONFIRMATION
    assert check("court_extension_allowed", snap(state, court_clock={"open": True, "cap": None}), {"days": 30}).ok
    refused("court_extension_allowed", snap(state, court_clock={"open": False, "cap": None}), "第187条", {"days": 5})
    capped = snap(state, court_clock={"open": True, "cap": 10, "extended": 5})
    assert check("court_extension_allowed", capped, {"days": 5}).ok
    refused("court_extension_allowed", capped, "不得超过10日", {"days": 6})
