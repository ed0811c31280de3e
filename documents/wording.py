"""How a document is worded for the organization that issues it — as data, each clause with its article.

The law an agreement stands on depends on who mediated it (docs/legal-reference.md, v2 item 12):
- a people's mediation committee (人民调解委员会, and the 医调委, 交调委 and property committees set up
  as such) makes a 人民调解协议书 (人民调解法 第29条 effect, 第31–33条);
- a labour-dispute mediation organization makes a 劳动争议调解协议书 (劳动争议调解仲裁法 第14条: effect
  on signature, seal; 第15条 arbitration, 第16条 payment order; judicial confirmation only for a people's
  committee's agreement on payment, 劳动争议解释(一) 第52条);
- a commercial (or consumer-association) mediation organization makes a 调解协议书 that is a civil
  contract (民法典 第119条、第465条、第509条): no 人民调解法 effect clause; judicial confirmation under
  民事诉讼法 第205条 (any lawfully established mediation organization).
"本委员会" is only for a committee: an organization calls itself by what its name says it is.
Nothing here is an internal note: every text is what a party reads.
"""

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from states.enums import DisputeType, OrgKind


class Family(StrEnum):
    PEOPLE = "people"  # 人民调解
    LABOUR = "labour"  # 劳动争议调解
    CIVIL = "civil"  # 商事调解、消费者协会调解: a civil contract


FAMILY_OF_KIND: MappingProxyType[str, Family] = MappingProxyType(
    {
        OrgKind.PEOPLE_MEDIATION: Family.PEOPLE,
        OrgKind.MEDICAL_MEDIATION: Family.PEOPLE,  # 医疗纠纷人民调解委员会 (医疗纠纷预防和处理条例 第32条)
        OrgKind.TRAFFIC_MEDIATION: Family.PEOPLE,  # 交通事故纠纷人民调解委员会
        OrgKind.PROPERTY_MEDIATION: Family.PEOPLE,  # 物业纠纷人民调解委员会
        OrgKind.LABOUR_MEDIATION: Family.LABOUR,
        OrgKind.COMMERCIAL_MEDIATION: Family.CIVIL,
        OrgKind.CONSUMER_MEDIATION: Family.CIVIL,
    }
)


def family_of(kind: str | None) -> Family:
    """An unknown or missing kind reads as people's mediation (the wording every earlier document had)."""
    return FAMILY_OF_KIND.get(kind or "", Family.PEOPLE)


def self_name(org_name: str) -> str:
    """How the organization names itself in its own documents: 本委员会 only for a committee."""
    for suffix, word in (("委员会", "本委员会"), ("中心", "本中心"), ("协会", "本协会")):
        if org_name.endswith(suffix):
            return word
    return "本组织"


@dataclass(frozen=True, slots=True)
class AgreementWording:
    """The clauses of a mediation agreement; `{org}` is the organization's name."""

    title: str
    mediator_title: str
    performance: str  # what a party may do when the other does not perform
    effect: str  # when the agreement takes effect and what binds the parties
    confirmation: str | None  # the judicial-confirmation notice, None where none is available
    confirmation_law: str  # the articles the confirmation application rests on
    executed: str  # how it was executed, as the confirmation application says it


_CONFIRM_TAIL = (
    "人民法院依法确认调解协议有效，一方当事人拒绝履行或者未全部履行的，对方当事人可以向人民法院申请强制执行。"
)

AGREEMENTS: MappingProxyType[Family, AgreementWording] = MappingProxyType(
    {
        Family.PEOPLE: AgreementWording(
            title="人民调解协议书",
            mediator_title="人民调解员",
            performance="义务人未按本协议约定履行的，权利人可以请求{org}督促履行；当事人之间就本协议的履行或者内容发生争议的，"
            "可以向人民法院提起诉讼（《中华人民共和国人民调解法》第三十一条、第三十二条）。",
            effect="本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖{org}印章之日起生效"
            "（《中华人民共和国人民调解法》第二十九条）。本协议具有法律约束力，当事人应当按照约定履行（同法第三十一条）。",
            confirmation="双方当事人认为有必要的，可以自本协议生效之日起三十日内共同向有管辖权的人民法院申请司法确认"
            "（《中华人民共和国人民调解法》第三十三条、《中华人民共和国民事诉讼法》第二百零五条）。" + _CONFIRM_TAIL,
            confirmation_law="《中华人民共和国人民调解法》第三十三条、《中华人民共和国民事诉讼法》第二百零五条",
            executed="该协议已由各方当事人签名、盖章或者按指印，人民调解员签名并加盖{org}印章",
        ),
        Family.LABOUR: AgreementWording(
            title="劳动争议调解协议书",
            mediator_title="调解员",
            performance="达成调解协议后，一方当事人在协议约定期限内不履行调解协议的，另一方当事人可以依法申请仲裁"
            "（《中华人民共和国劳动争议调解仲裁法》第十五条）。因支付拖欠劳动报酬、工伤医疗费、经济补偿或者赔偿金事项"
            "达成调解协议，用人单位在协议约定期限内不履行的，劳动者可以持本协议书依法向人民法院申请支付令（同法第十六条）。",
            effect="本协议由双方当事人签名或者盖章，经调解员签名并加盖{org}印章后生效，对双方当事人具有约束力，"
            "当事人应当履行（《中华人民共和国劳动争议调解仲裁法》第十四条）。",
            confirmation=None,
            confirmation_law="《中华人民共和国民事诉讼法》第二百零五条",
            executed="该协议已由双方当事人签名或者盖章，经调解员签名并加盖{org}印章",
        ),
        Family.CIVIL: AgreementWording(
            title="调解协议书",
            mediator_title="调解员",
            performance="一方当事人不履行本协议的，对方当事人可以依法向人民法院提起诉讼；双方订有书面仲裁协议的，"
            "可以依约申请仲裁。",
            effect="本协议经{org}主持调解达成，是各方当事人自愿订立的民事合同，自各方当事人签名、盖章或者按指印之日起生效，"
            "对各方当事人具有法律约束力，当事人应当按照约定全面履行自己的义务"
            "（《中华人民共和国民法典》第一百一十九条、第四百六十五条、第五百零九条）。",
            confirmation="双方当事人认为有必要的，可以自本协议生效之日起三十日内共同向有管辖权的人民法院申请司法确认"
            "（《中华人民共和国民事诉讼法》第二百零五条）。" + _CONFIRM_TAIL,
            confirmation_law="《中华人民共和国民事诉讼法》第二百零五条",
            executed="该协议已由各方当事人签名、盖章或者按指印，并经调解员签名、加盖{org}印章确认",
        ),
    }
)

# A labour dispute mediated by a people's mediation committee (劳动争议调解仲裁法 第10条第2项): the labour
# law's remedies for non-performance, and judicial confirmation only of an agreement on payment.
LABOUR_IN_PEOPLE_COMMITTEE = (
    "一方当事人在协议约定期限内不履行本协议的，另一方当事人可以依法申请仲裁（《中华人民共和国劳动争议调解仲裁法》第十五条）；"
    "因支付拖欠劳动报酬、工伤医疗费、经济补偿或者赔偿金事项达成的协议，用人单位在约定期限内不履行的，"
    "劳动者可以持本协议书依法向人民法院申请支付令（同法第十六条）。"
)
LABOUR_CONFIRMATION = (
    "本协议仅就给付义务达成的，双方当事人认为有必要的，可以自本协议生效之日起三十日内共同向{org}所在地的基层人民法院申请司法确认"
    "（《最高人民法院关于审理劳动争议案件适用法律问题的解释（一）》第五十二条；"
    "《中华人民共和国人民调解法》第三十三条）。" + _CONFIRM_TAIL
)
MEDICAL_EFFECT = "医患双方经人民调解达成一致的，调解协议书经医患双方签字或者盖章，人民调解员签字并加盖{org}印章后生效（《医疗纠纷预防和处理条例》第三十九条）。"


def agreement_wording(kind: str | None, dispute_type: str, org_name: str) -> dict[str, str | None]:
    """The agreement's clauses for this organization and dispute type, with the organization named."""
    w = AGREEMENTS[family_of(kind)]
    performance, effect, confirmation = w.performance, w.effect, w.confirmation
    if family_of(kind) is Family.PEOPLE and dispute_type == DisputeType.LABOUR:
        performance = LABOUR_IN_PEOPLE_COMMITTEE + performance
        confirmation = LABOUR_CONFIRMATION
    if kind == OrgKind.MEDICAL_MEDIATION:
        effect = MEDICAL_EFFECT
    return {
        "title": w.title,
        "mediator_title": w.mediator_title,
        "performance": performance.format(org=org_name),
        "effect": effect.format(org=org_name),
        "confirmation": confirmation.format(org=org_name) if confirmation else None,
        "confirmation_law": w.confirmation_law,
        "executed": w.executed.format(org=org_name),
        "self_name": self_name(org_name),
        "free_of_charge": "人民调解委员会调解民间纠纷，不收取任何费用（《中华人民共和国人民调解法》第四条）。"
        if family_of(kind) is Family.PEOPLE
        else "",
    }


# --- the end of mediation ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ending:
    """Why mediation ended when its clock ran out, as the rule that ends it says (and only such a rule)."""

    reason: str
    basis: str


# Keyed by the mediation clock's profile (workflows/clocks/deadlines.py). Only the medical rule deems
# mediation failed; labour opens arbitration; a court referral's period ends it. Any other clock (people's
# mediation has no statutory limit, 人民调解法): a neutral statement, never "视为调解不成".
ENDINGS: MappingProxyType[str, Ending] = MappingProxyType(
    {
        "mediation.medical": Ending(
            "自受理之日起三十个工作日内（鉴定时间不计入）未达成调解协议，视为调解不成。",
            "《医疗纠纷预防和处理条例》第三十八条",
        ),
        "mediation.labour": Ending(
            "自调解组织收到调解申请之日起十五日内未达成调解协议，当事人可以依法申请仲裁。",
            "《中华人民共和国劳动争议调解仲裁法》第十四条第三款",
        ),
        "mediation.court_referral": Ending(
            "人民法院委派调解的期限届满，双方当事人未同意延长，未能达成调解协议。",
            "《最高人民法院关于人民法院特邀调解的规定》第二十七条",
        ),
        "mediation.court_entrusted": Ending(
            "人民法院委托调解的期限届满，双方当事人未同意延长，未能达成调解协议，案件退回人民法院审理。",
            "《最高人民法院关于人民法院特邀调解的规定》第二十一条、第二十七条",
        ),
        "mediation.court_entrusted.summary": Ending(
            "人民法院委托调解的期限届满，双方当事人未同意延长，未能达成调解协议，案件退回人民法院审理。",
            "《最高人民法院关于人民法院特邀调解的规定》第二十一条、第二十七条",
        ),
    }
)
NEUTRAL_ENDING = Ending("调解期限届满，双方当事人未能达成调解协议，调解终止。", "")

TERMINATION_LAW: MappingProxyType[Family, str] = MappingProxyType(
    {
        Family.PEOPLE: "依照《中华人民共和国人民调解法》第二十六条的规定，",
        Family.LABOUR: "",
        Family.CIVIL: "",
    }
)

COURT_REFERRAL_ROUTE = (
    "人民法院委派调解",
    "本案系人民法院委派调解的案件，调解未达成协议的，特邀调解员应当将当事人的起诉状等材料移送人民法院；"
    "当事人坚持诉讼的，人民法院应当依法登记立案。",
    "最高人民法院关于人民法院特邀调解的规定 第21条",
)

# The diversion clock is the centre's own working time limit, not a statutory one: a party is told so,
# never the configuration behind it.
DIVERSION_CLOCK_NOTE = "该期限为分流工作时限，不是法律规定的期限，不影响你们依法申请仲裁或者向人民法院提起诉讼的权利。"

ACCEPTANCE_BY_FAMILY: MappingProxyType[Family, str] = MappingProxyType(
    {
        Family.PEOPLE: "受理后，调解组织将通知你们参加调解。人民调解委员会调解民间纠纷，不收取任何费用（《中华人民共和国人民调解法》第四条）。"
        "当事人一方明确拒绝调解的，不得调解（同法第十七条）。",
        Family.LABOUR: "受理后，调解组织将通知你们参加调解。自调解组织收到调解申请之日起十五日内未达成调解协议的，"
        "当事人可以依法申请仲裁（《中华人民共和国劳动争议调解仲裁法》第十四条）。",
        Family.CIVIL: "受理后，调解组织将通知你们参加调解。调解遵循自愿原则；是否收费及收费标准，以该调解组织事先告知并经你们同意的为准。",
    }
)
