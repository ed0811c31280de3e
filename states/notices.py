"""What the law makes the centre tell, or do, for a case with particular facts — as data, each with
its article. The intake response and the case page show them (models.schemas.CasePublic.notices);
the acceptance notice a party receives repeats the ones addressed to parties."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Notice:
    code: str
    title: str
    text: str
    basis: str
    to_parties: bool = False  # addressed to the parties (printed on the acceptance notice), not to staff alone


DOMESTIC_VIOLENCE: tuple[Notice, ...] = (
    Notice(
        "police_report",
        "涉家庭暴力：调解员的预防和报告义务",
        "人民调解员在调解纠纷过程中，发现纠纷有可能激化的，应当采取有针对性的预防措施；"
        "对有可能引起治安案件、刑事案件的纠纷，应当及时向当地公安机关或者其他有关部门报告。",
        "人民调解法 第25条",
    ),
    Notice(
        "victim_report",
        "家庭暴力受害人可以报案、求助",
        "家庭暴力受害人及其法定代理人、近亲属可以向加害人或者受害人所在单位、居民委员会、村民委员会、"
        "妇女联合会等单位投诉、反映或者求助，也可以向公安机关报案或者依法向人民法院起诉。",
        "反家庭暴力法 第13条",
        to_parties=True,
    ),
    Notice(
        "protection_order",
        "人身安全保护令",
        "当事人因遭受家庭暴力或者面临家庭暴力的现实危险，可以向人民法院申请人身安全保护令，人民法院应当受理。"
        "当事人是无民事行为能力人、限制民事行为能力人，或者因受到强制、威吓等原因无法申请的，其近亲属、公安机关、"
        "妇女联合会、居民委员会、村民委员会、救助管理机构可以代为申请。",
        "反家庭暴力法 第23条",
        to_parties=True,
    ),
)

LAND_REQUISITION: tuple[Notice, ...] = (
    Notice(
        "land_requisition",
        "征地补偿纠纷不属于农村土地承包仲裁范围",
        "因征收集体所有的土地及其补偿发生的纠纷，不属于农村土地承包仲裁委员会的受理范围，"
        "可以通过行政复议或者诉讼等方式解决。",
        "农村土地承包经营纠纷调解仲裁法 第2条第3款",
        to_parties=True,
    ),
)


def notices_for(*, domestic_violence: bool = False, land_requisition: bool = False) -> list[Notice]:
    return [*(DOMESTIC_VIOLENCE if domestic_violence else ()), *(LAND_REQUISITION if land_requisition else ())]
