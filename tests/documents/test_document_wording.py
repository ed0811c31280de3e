"""What a party reads, worded by the law that applies (docs/legal-reference.md, v2 items 9 and 12): each
document kind rendered for real for the cases it differs on, read back with poppler, checked for the
phrases that must be there and those that must not (internal notes, codes, a deemed failure no rule
makes). Rendered once per module."""

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from models.schemas import CaseCreate
from states.enums import Role, Trigger
from tests.conftest import _clean
from tests.documents.support import Rendered, documents_of, rendered
from tests.factories import COURT, ID_A, ID_B, ID_C, T0, USCC_A, actor, case_payload, confirmation_request
from workflows.access import SYSTEM_TIMEOUT, Actor
from workflows.engine import fire
from workflows.intake import open_case
from workflows.outbox.documents import render_pending

# The mediation organizations of the demo centre, each with a mediator who may act for it.
PEOPLE = ("CN-ZJ-XH-CC-RTW", "M-0001")
COUNTY_PEOPLE = ("CN-ZJ-XH-RTW", "M-0010")
LABOUR = ("CN-ZJ-XH-LDTJ", "M-0004")
MEDICAL = ("CN-ZJ-XH-YTW", "M-0005")
TRAFFIC = ("CN-ZJ-XH-JTTW", "M-0006")
COMMERCIAL = ("CN-ZJ-XH-SSTJ", "M-0009")

COMPANY = {
    "role": "respondent",
    "kind": "organization",
    "name": "杭州某某物业服务有限公司",
    "uscc": USCC_A,
    "address": "杭州市西湖区文三路9号",
    "legal_representative": "赵大海",
    "agent": "钱多多（浙江某律师事务所律师）",
}
PERSON_A = {"role": "applicant", "kind": "person", "name": "张三", "id_number": ID_A}
PERSON_B = {"role": "respondent", "kind": "person", "name": "李四", "id_number": ID_B}
LOCAL = {"role": "respondent", "kind": "person", "name": "王五", "id_number": ID_C}  # domicile 330106 (西湖区)

OBLIGATION = {
    "obligor": 1,
    "obligee": 0,
    "description": "支付款项",
    "amount": "8500.50",
    "due_date": "2026-12-31",
    "payment_method": "银行转账至权利人账户",
}


def _walk(s: Session, dispute_type: str, org: tuple[str, str], end: str, **over: Any):
    """A case opened, diverted to `org`, accepted by its mediator, then ended by `end`:
    agree, confirm (agree + request_confirmation), fail, or timeout."""
    body = case_payload(dispute_type, **{"parties": [PERSON_A, PERSON_B], **over})
    if dispute_type not in ("labour", "land_contract", "family"):
        body.setdefault("arbitration_agreement", False)
    case, _ = open_case(s, data=CaseCreate.model_validate(body), actor=actor(s, "window1"), now=T0)
    med = Actor(f"t-{org[1]}", Role.MEDIATOR, org_code=org[0], mediator_code=org[1])
    at = T0
    steps: list[tuple[str, Actor, dict[str, Any]]] = [
        (Trigger.DIVERT, actor(s, "window1"), {"org_code": org[0]}),
        (Trigger.ACCEPT, med, {"mediator_code": org[1]}),
    ]
    agreement = {
        "facts": "双方因款项支付发生纠纷。",
        "liability": "被申请人承担支付责任。",
        "obligations": [OBLIGATION],
        "signed_at": (T0 + timedelta(hours=2, minutes=30)).isoformat(),
    }
    if end in ("agree", "confirm"):
        steps.append((Trigger.REACH_AGREEMENT, med, agreement))
    if end == "confirm":
        steps.append((Trigger.REQUEST_CONFIRMATION, med, confirmation_request()))
    if end == "fail":
        steps.append((Trigger.FAIL, med, {"reason": "双方分歧过大"}))
    if end == "timeout":
        steps.append((Trigger.MEDIATION_TIMEOUT, SYSTEM_TIMEOUT, {}))
    for trigger, who, payload in steps:
        at += timedelta(hours=1)
        case = fire(s, case_id=case.id, trigger=trigger, actor=who, payload=payload, now=at)
    return case


CASES: dict[str, tuple[str, tuple[str, str], str, dict[str, Any]]] = {
    # name: dispute type, organization, how it ends, intake fields
    "people": ("property", PEOPLE, "confirm", {"parties": [PERSON_A, COMPANY]}),
    "labour": ("labour", LABOUR, "agree", {}),
    "labour_in_committee": ("labour", COUNTY_PEOPLE, "agree", {}),
    "commercial": ("contract", COMMERCIAL, "confirm", {"commercial_mediation_chosen": True}),
    "medical": ("medical", MEDICAL, "agree", {}),
    "local_party": ("neighbour", PEOPLE, "confirm", {"parties": [PERSON_A, LOCAL]}),
    "referral": (
        "neighbour",
        COUNTY_PEOPLE,
        "confirm",
        {"channel": "court_referral", "referral": {"court_code": COURT, "kind": "pre_filing"}},
    ),
    "medical_timeout": ("medical", MEDICAL, "timeout", {}),
    "labour_timeout": ("labour", LABOUR, "timeout", {}),
    "referral_timeout": (
        "neighbour",
        COUNTY_PEOPLE,
        "timeout",
        {"channel": "court_referral", "referral": {"court_code": COURT, "kind": "pre_filing"}},
    ),
    "neighbour_timeout": ("neighbour", PEOPLE, "timeout", {}),
    "traffic_fail": ("traffic", TRAFFIC, "fail", {}),
    "requisition_fail": ("land_contract", COUNTY_PEOPLE, "fail", {"land_requisition": True}),
    "family_fail": ("family", PEOPLE, "fail", {"domestic_violence": True}),
}


@pytest.fixture(scope="module")
def docs(sqlite_engine) -> dict[str, dict[str, Rendered]]:
    _clean(sqlite_engine)
    with Session(sqlite_engine, expire_on_commit=False) as s:
        made = {name: _walk(s, t, org, end, **over) for name, (t, org, end, over) in CASES.items()}
        report = render_pending(s, limit=200)
        assert report.failed == [], report.failed
        out = {name: {k: rendered(d) for k, d in documents_of(s, c.id).items()} for name, c in made.items()}
    _clean(sqlite_engine)
    return out


def _has(r: Rendered, *present: str, absent: tuple[str, ...] = ()) -> None:
    for item in present:
        assert item.replace(" ", "") in r.flat, item
    for item in absent:
        assert item.replace(" ", "") not in r.flat, item


# --- agreements, titled and worded by the organization's kind ---------------------------------------------


def test_a_people_committee_agreement_is_a_people_mediation_agreement_with_the_company_represented(docs):
    _has(
        docs["people"]["mediation_agreement"],
        "人民调解协议书",
        "人民调解员：王丽",
        "《中华人民共和国人民调解法》第二十九条",
        "第三十三条",
        "杭州某某物业服务有限公司",
        "法定代表人赵大海",
        "委托代理人钱多多（浙江某律师事务所律师）",
        "履行方式：银行转账至权利人账户",
        "最迟于2026年12月31日履行完毕",
        "大写：人民币捌仟伍佰元伍角整",
        absent=("劳动争议调解协议书", "民事合同", "M-0001", "案号"),
    )


def test_a_labour_mediation_agreement_stands_on_the_labour_law(docs):
    _has(
        docs["labour"]["mediation_agreement"],
        "劳动争议调解协议书",
        "调解员：李志强",
        "经调解员签名并加盖西湖区劳动人事争议调解中心印章后生效",
        "《中华人民共和国劳动争议调解仲裁法》第十四条",
        "可以依法申请仲裁",
        "第十五条",
        "支付令",
        absent=("人民调解协议书", "人民调解法", "人民调解员", "本委员会", "司法确认告知"),
    )


def test_a_labour_dispute_before_a_people_committee_may_be_confirmed_only_on_payment(docs):
    _has(
        docs["labour_in_committee"]["mediation_agreement"],
        "人民调解协议书",
        "劳动争议调解仲裁法》第十五条",
        "本协议仅就给付义务达成的",
        "解释（一）》第五十二条",
    )


def test_a_commercial_mediation_agreement_is_a_civil_contract(docs):
    _has(
        docs["commercial"]["mediation_agreement"],
        "调解协议书",
        "民事合同",
        "《中华人民共和国民法典》第一百一十九条",
        "《中华人民共和国民事诉讼法》第二百零五条",
        "调解员：赵磊",
        absent=("人民调解协议书", "人民调解法", "人民调解员", "本委员会"),
    )
    _has(
        docs["commercial"]["confirmation_application"],
        "《调解协议书》（编号",
        "经西湖区商事调解中心调解员赵磊主持调解",
        "（《中华人民共和国民事诉讼法》第二百零五条）",
        absent=("人民调解协议书", "人民调解法", "案号"),
    )


def test_a_medical_committee_agreement_cites_the_medical_regulation(docs):
    _has(docs["medical"]["mediation_agreement"], "人民调解协议书", "《医疗纠纷预防和处理条例》第三十九条", "司法确认")


# --- the confirmation application: the ground of jurisdiction actually used --------------------------------


def test_the_application_states_the_grounds_the_court_was_competent_on(docs):
    _has(
        docs["local_party"]["confirmation_application"],
        "杭州市西湖区人民法院系当事人住所地、标的物所在地、调解组织所在地的基层人民法院",
        "第二百零五条第（二）项",
    )
    _has(
        docs["people"]["confirmation_application"],
        "系标的物所在地、调解组织所在地的基层人民法院",
        absent=("当事人住所地的基层人民法院", "案号"),
    )
    _has(
        docs["referral"]["confirmation_application"],
        "委派调解",
        "第二百零五条第（一）项，由作出邀请的人民法院管辖",
        absent=("第（二）项",),
    )


# --- the termination notice ----------------------------------------------------------------------------------


def test_only_the_medical_rule_deems_mediation_failed(docs):
    _has(
        docs["medical_timeout"]["termination_notice"],
        "视为调解不成",
        "《医疗纠纷预防和处理条例》第三十八条",
        "本委员会于",
        "诉讼时效期间为三年",
    )
    for name in ("labour_timeout", "referral_timeout", "neighbour_timeout", "traffic_fail", "family_fail"):
        _has(docs[name]["termination_notice"], absent=("视为调解不成",))


def test_a_labour_timeout_opens_arbitration_and_states_the_one_year_bar(docs):
    _has(
        docs["labour_timeout"]["termination_notice"],
        "十五日内未达成调解协议，当事人可以依法申请仲裁",
        "《中华人民共和国劳动争议调解仲裁法》第十四条第三款",
        "劳动争议申请仲裁的时效期间为一年",
        "劳动争议调解仲裁法第27条",
        "本中心于",  # 西湖区劳动人事争议调解中心 is no committee
        absent=("本委员会", "人民调解法》第二十六条", "诉讼时效期间为三年"),
    )


def test_a_court_referral_timeout_names_the_referral_rules(docs):
    _has(
        docs["referral_timeout"]["termination_notice"],
        "《最高人民法院关于人民法院特邀调解的规定》第二十七条",
        "将当事人的起诉状等材料移送人民法院",
    )


def test_a_traffic_dispute_is_offered_the_traffic_police_mediation(docs):
    _has(
        docs["traffic_fail"]["termination_notice"],
        "公安机关交通管理部门调解",
        "自终止调解之日起三日内一致书面申请公安机关交通管理部门进行调解",
        "道路交通安全法第74条",
    )


def test_a_land_requisition_dispute_is_told_it_is_outside_land_arbitration(docs):
    _has(
        docs["requisition_fail"]["termination_notice"],
        "不属于农村土地承包仲裁委员会的受理范围",
        "行政复议",
        "行政复议法第20条",
        absent=("向农村土地承包经营纠纷仲裁委员会申请仲裁", "申请仲裁的时效期间为二年"),
    )


def test_support_claims_have_no_time_bar_in_a_family_notice(docs):
    _has(docs["family_fail"]["termination_notice"], "请求支付抚养费、赡养费或者扶养费，不适用诉讼时效的规定")


# --- the acceptance notice -------------------------------------------------------------------------------------


def test_the_acceptance_notice_of_a_domestic_violence_case_tells_of_protection_orders(docs):
    _has(
        docs["family_fail"]["acceptance_notice"],
        "人身安全保护令",
        "反家庭暴力法第23条",
        "向公安机关报案",
        "申请人张三、被申请人李四：",
    )


def test_the_acceptance_notice_is_worded_by_the_receiving_organization(docs):
    _has(
        docs["labour"]["acceptance_notice"], "十五日内未达成调解协议的", absent=("人民调解委员会调解民间纠纷，不收取",)
    )
    _has(docs["people"]["acceptance_notice"], "不收取任何费用")
    _has(docs["commercial"]["acceptance_notice"], "是否收费及收费标准", absent=("不收取任何费用",))


# --- nothing internal reaches a party ---------------------------------------------------------------------------

INTERNAL = (
    "可配置",
    "按本中心规则",
    "常驻",
    "轮驻",
    "在办",
    "上限",
    "CN-ZJ-",
    "CN-HZ-",
    "M-00",
    "window1",
    "mediator",
    "(V",
    "(U",
)


def test_no_document_carries_internal_notes_codes_or_usernames(docs):
    seen = 0
    for name, by_kind in docs.items():
        for kind, r in by_kind.items():
            for word in INTERNAL:
                assert word not in r.text, (name, kind, word)
            assert "案号" not in r.flat, (name, kind)  # a mediation case number is a 编号
            seen += 1
    assert seen >= 30
