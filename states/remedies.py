"""Where each dispute type may go after mediation, with the law that says so.

Law lives here as data: the guards read these rows, never a literal of their own.
"""

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from states.enums import DisputeType, OrgKind


class ArbitrationRemedy(StrEnum):
    MANDATORY = "mandatory"  # must be arbitrated before any suit
    OPTIONAL = "optional"  # may arbitrate or sue directly
    AGREEMENT = "agreement"  # only with a written arbitration agreement
    NEVER = "never"  # not arbitrable


@dataclass(frozen=True, slots=True)
class DisputeRemedies:
    dispute_type: DisputeType
    arbitration: ArbitrationRemedy
    arbitration_basis: str
    arbitration_body_kind: OrgKind | None  # the kind of body competent to arbitrate
    # An unperformed mediation agreement may go to arbitration (the basis), where a rule says so.
    unperformed_agreement_arbitration: str | None = None
    # An unperformed agreement on wages alone may go to court directly (the basis), where a rule says so.
    wage_agreement_litigation: str | None = None
    # Judicial confirmation only of agreements made before these kinds of organization, and only on
    # payment obligations (every obligation with an amount), where a rule restricts it (the basis).
    confirmation_org_kinds: frozenset[OrgKind] | None = None
    confirmation_payment_only: bool = False
    confirmation_basis: str = ""


_AGREEMENT_BASIS = "仲裁法 第4条（当事人采用仲裁方式解决纠纷，应当双方自愿，达成仲裁协议）"


def _agreement(t: DisputeType) -> DisputeRemedies:
    return DisputeRemedies(t, ArbitrationRemedy.AGREEMENT, _AGREEMENT_BASIS, OrgKind.COMMERCIAL_ARBITRATION)


REMEDIES: MappingProxyType[DisputeType, DisputeRemedies] = MappingProxyType(
    {
        DisputeType.LABOUR: DisputeRemedies(
            DisputeType.LABOUR,
            ArbitrationRemedy.MANDATORY,
            "劳动争议调解仲裁法 第5条；劳动法 第79条（劳动争议仲裁前置）",
            OrgKind.LABOUR_ARBITRATION,
            unperformed_agreement_arbitration=(
                "劳动争议调解仲裁法 第15条（达成调解协议后，一方当事人在协议约定期限内不履行调解协议的，另一方当事人可以依法申请仲裁）"
            ),
            wage_agreement_litigation=(
                "劳动争议解释(一) 第51条第2款（仅就劳动报酬争议达成调解协议，用人单位不履行调解协议确定的给付义务，"
                "劳动者直接提起诉讼的，人民法院可以按照普通民事纠纷受理）"
            ),
            confirmation_org_kinds=frozenset({OrgKind.PEOPLE_MEDIATION}),
            confirmation_payment_only=True,
            confirmation_basis=(
                "劳动争议解释(一) 第52条（当事人在人民调解委员会主持下仅就给付义务达成的调解协议，双方认为有必要的，"
                "可以共同向人民调解委员会所在地的基层人民法院申请司法确认）"
            ),
        ),
        DisputeType.LAND_CONTRACT: DisputeRemedies(
            DisputeType.LAND_CONTRACT,
            ArbitrationRemedy.OPTIONAL,
            "农村土地承包经营纠纷调解仲裁法 第4条；农村土地承包法 第55条",
            OrgKind.LAND_ARBITRATION,
        ),
        DisputeType.FAMILY: DisputeRemedies(
            DisputeType.FAMILY,
            ArbitrationRemedy.NEVER,
            "仲裁法 第3条（婚姻、收养、监护、扶养、继承纠纷不能仲裁）",
            None,
        ),
        **{
            t: _agreement(t)
            for t in (
                DisputeType.CONTRACT,
                DisputeType.COMMERCIAL,
                DisputeType.CONSUMER,
                DisputeType.TRAFFIC,
                DisputeType.MEDICAL,
                DisputeType.PROPERTY,
                DisputeType.NEIGHBOUR,
                DisputeType.OTHER,
            )
        },
    }
)

assert set(REMEDIES) == set(DisputeType), "every dispute type needs its remedies"


# --- land requisition (征地补偿) -----------------------------------------------------------------------

LAND_REQUISITION_BASIS = (
    "农村土地承包经营纠纷调解仲裁法 第2条第3款：因征收集体所有的土地及其补偿发生的纠纷，不属于农村土地承包仲裁委员会的受理范围，"
    "可以通过行政复议或者诉讼等方式解决"
)


# --- what a party is told when mediation ends: further routes, and the time bars that run ---------------


@dataclass(frozen=True, slots=True)
class RouteNote:
    """A route still open after mediation, in the words a party reads, with its article."""

    route: str
    text: str
    basis: str


EXTRA_ROUTES: MappingProxyType[DisputeType, tuple[RouteNote, ...]] = MappingProxyType(
    {
        DisputeType.TRAFFIC: (
            RouteNote(
                "公安机关交通管理部门调解",
                "对交通事故损害赔偿的争议，当事人可以请求公安机关交通管理部门调解；人民调解委员会调解未达成协议的，"
                "可以自终止调解之日起三日内一致书面申请公安机关交通管理部门进行调解，也可以直接向人民法院提起民事诉讼。",
                "道路交通安全法 第74条；道路交通事故处理程序规定 第85条",
            ),
        ),
    }
)

LAND_REQUISITION_ROUTES: tuple[RouteNote, ...] = (
    RouteNote(
        "行政复议或者诉讼",
        "本纠纷因征收集体所有的土地及其补偿发生，不属于农村土地承包仲裁委员会的受理范围，可以依法申请行政复议或者提起诉讼。",
        "农村土地承包经营纠纷调解仲裁法 第2条第3款",
    ),
)


@dataclass(frozen=True, slots=True)
class TimeBar:
    """A limitation period (时效) that runs against a party, as the party is told it."""

    text: str
    basis: str


_CIVIL = TimeBar(
    "向人民法院请求保护民事权利的诉讼时效期间为三年，自权利人知道或者应当知道权利受到损害以及义务人之日起计算。"
    "向人民调解委员会等组织提出保护民事权利的请求，诉讼时效从提出请求之日起中断，自调解终止时起重新计算。",
    "民法典 第188条、第195条；最高人民法院关于审理民事案件适用诉讼时效制度若干问题的规定 第12条",
)

TIME_BARS: MappingProxyType[DisputeType, tuple[TimeBar, ...]] = MappingProxyType(
    {
        DisputeType.LABOUR: (
            TimeBar(
                "劳动争议申请仲裁的时效期间为一年，从当事人知道或者应当知道其权利被侵害之日起计算；因当事人向有关部门请求权利救济"
                "（包括申请调解）而中断，从中断时起重新计算，请及时申请仲裁。劳动关系存续期间因拖欠劳动报酬发生争议的，"
                "不受一年的限制，但劳动关系终止的，应当自劳动关系终止之日起一年内提出。",
                "劳动争议调解仲裁法 第27条",
            ),
        ),
        DisputeType.LAND_CONTRACT: (
            TimeBar(
                "农村土地承包经营纠纷申请仲裁的时效期间为二年，自当事人知道或者应当知道其权利被侵害之日起计算。",
                "农村土地承包经营纠纷调解仲裁法 第18条",
            ),
            _CIVIL,
        ),
        DisputeType.FAMILY: (
            TimeBar("请求支付抚养费、赡养费或者扶养费，不适用诉讼时效的规定。", "民法典 第196条第3项"),
            _CIVIL,
        ),
        **{
            t: (_CIVIL,)
            for t in (
                DisputeType.MEDICAL,
                DisputeType.TRAFFIC,
                DisputeType.CONSUMER,
                DisputeType.PROPERTY,
                DisputeType.NEIGHBOUR,
                DisputeType.CONTRACT,
                DisputeType.COMMERCIAL,
                DisputeType.OTHER,
            )
        },
    }
)

LAND_REQUISITION_TIME_BARS: tuple[TimeBar, ...] = (
    TimeBar(
        "对征收决定、补偿决定等行政行为申请行政复议的，应当自知道或者应当知道该行政行为之日起六十日内提出；"
        "直接向人民法院提起行政诉讼的，应当自知道或者应当知道作出行政行为之日起六个月内提出（法律另有规定的除外）。",
        "行政复议法 第20条；行政诉讼法 第46条",
    ),
    _CIVIL,
)

assert set(TIME_BARS) == set(DisputeType), "every dispute type needs its time bars"
