"""Clocks of arbitration after mediation (docs/contract.md §4a v2), as data with their legal basis: the
labour arbitration committee's decision on acceptance (劳动争议调解仲裁法 第29条), and the time to sue on an
award or to apply to set a final one aside (第48条至第50条; 农村土地承包经营纠纷调解仲裁法 第48条). The award
period itself (第43条) is the `arbitration.labour` / `arbitration.land` profile. The deadline profiles
(workflows/clocks/profiles.py) include these rules; this module imports nothing of the clocks.

Where the law leaves room: the committee's "五日" are counted as working days, as 劳动人事争议仲裁办案规则
第19条 reads them (unverified; JIEFEN_LABOUR_ARBITRATION_ACCEPTANCE_WORKING_DAYS=false counts calendar
days). Working days end later, so the applicant's right to sue for want of a decision never opens early.
"""

from dataclasses import dataclass

from states.enums import DisputeType

LABOUR = frozenset({DisputeType.LABOUR})
LAND = frozenset({DisputeType.LAND_CONTRACT})
ON_RECEIPT = "record_award（收到仲裁裁决书之日，received_on）"


@dataclass(frozen=True, slots=True)
class ArbitrationRule:
    """One clock: its kind, length, the dispute types it governs, the law, when it starts, the words staff
    read. `working_days` None: the acceptance decision's unit, from the setting."""

    name: str
    kind: str
    days: int
    dispute_types: frozenset[DisputeType]
    basis: str
    starts: str
    label: str
    reminder_days: int
    working_days: bool | None = False


RULES: tuple[ArbitrationRule, ...] = (
    ArbitrationRule(
        "arbitration_acceptance.labour",
        "arbitration_acceptance",
        5,
        LABOUR,
        "劳动争议调解仲裁法 第29条（劳动争议仲裁委员会收到仲裁申请之日起五日内，认为符合受理条件的，应当受理；"
        "对不予受理或者逾期未作出决定的，申请人可以就该劳动争议事项向人民法院提起诉讼）；“五日”按劳动人事争议仲裁办案规则"
        " 第19条计为工作日（待核实，可配置：JIEFEN_LABOUR_ARBITRATION_ACCEPTANCE_WORKING_DAYS；工作日届满更晚，不致过早届满）",
        "refer_arbitration（仲裁委员会收到仲裁申请之日，applied_on；未填写的，为引导仲裁之日）",
        "劳动争议仲裁受理审查期限",
        1,
        working_days=None,
    ),
    ArbitrationRule(
        "award_challenge.labour",
        "award_challenge",
        15,
        LABOUR,
        "劳动争议调解仲裁法 第48条、第50条（劳动者对终局裁决不服的，当事人对其他裁决不服的，可以自收到仲裁裁决书之日起"
        "十五日内向人民法院提起诉讼；期满不起诉的，裁决书发生法律效力）",
        ON_RECEIPT,
        "不服劳动争议仲裁裁决起诉期限",
        3,
    ),
    ArbitrationRule(
        "award_set_aside.labour",
        "award_set_aside",
        30,
        LABOUR,
        "劳动争议调解仲裁法 第49条（用人单位有证据证明终局裁决有法定情形的，可以自收到仲裁裁决书之日起三十日内"
        "向劳动争议仲裁委员会所在地的中级人民法院申请撤销裁决）",
        f"{ON_RECEIPT}，终局裁决",
        "申请撤销劳动争议终局裁决期限",
        5,
    ),
    ArbitrationRule(
        "award_challenge.land",
        "award_challenge",
        30,
        LAND,
        "农村土地承包经营纠纷调解仲裁法 第48条（当事人不服仲裁裁决的，可以自收到裁决书之日起三十日内向人民法院起诉；"
        "逾期不起诉的，裁决书即发生法律效力）",
        ON_RECEIPT,
        "不服农村土地承包仲裁裁决起诉期限",
        5,
    ),
)
