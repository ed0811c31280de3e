"""What the termination notice (终止调解告知书) tells the parties: why mediation ended — in the words of the
rule that ended it, and only such a rule —, the routes still open for the dispute (人民调解法 第26条), and
the time bars that run against them. All from data: states/remedies.py and documents/wording.py."""

from typing import Any

from documents.wording import COURT_REFERRAL_ROUTE, ENDINGS, NEUTRAL_ENDING, Ending, Family
from states.enums import Channel, DisputeType
from states.labels import ARBITRATION_BODY_LABELS
from states.remedies import (
    EXTRA_ROUTES,
    LAND_REQUISITION_ROUTES,
    LAND_REQUISITION_TIME_BARS,
    REMEDIES,
    TIME_BARS,
    ArbitrationRemedy,
)


def ending(profile: str | None) -> Ending:
    """Why a mediation whose clock (of this profile) ran out has ended."""
    return ENDINGS.get(profile or "", NEUTRAL_ENDING)


def routes(case: Any, family: Family = Family.PEOPLE) -> list[dict[str, str]]:
    """Where the parties may still go, per dispute type (for a people's mediation committee, the routes
    人民调解法 第26条 makes it name; other organizations name the same routes on their own law)."""
    told = "人民调解法 第26条；" if family is Family.PEOPLE else ""
    dispute = DisputeType(case.dispute_type)
    route = REMEDIES[dispute]
    body = ARBITRATION_BODY_LABELS.get(route.arbitration_body_kind or "", "仲裁机构")
    out: list[dict[str, str]] = []
    if getattr(case, "land_requisition", False):
        out += [{"route": r.route, "text": r.text, "basis": r.basis} for r in LAND_REQUISITION_ROUTES]
    else:
        out.append(_arbitration(route.arbitration, body, route.arbitration_basis, case.arbitration_agreement))
    if case.channel == Channel.COURT_REFERRAL:
        name, text, basis = COURT_REFERRAL_ROUTE
        out.append({"route": name, "text": text, "basis": basis})
    out += [{"route": r.route, "text": r.text, "basis": r.basis} for r in EXTRA_ROUTES.get(dispute, ())]
    out.append(
        {
            "route": "行政途径",
            "text": "属于行政机关职权范围的事项，可以请求有关行政机关依法处理。",
            "basis": told.rstrip("；"),
        }
    )
    litigation = (
        "对仲裁裁决不服的，可以依法向人民法院提起诉讼。"
        if route.arbitration is ArbitrationRemedy.MANDATORY
        else "可以依法向有管辖权的人民法院提起诉讼。"
    )
    court_basis = (
        "劳动争议调解仲裁法 第5条、第50条" if route.arbitration is ArbitrationRemedy.MANDATORY else "民事诉讼法 第122条"
    )
    out.append({"route": "司法途径", "text": litigation, "basis": told + court_basis})
    return out


def _arbitration(remedy: ArbitrationRemedy, body: str, basis: str, agreement: bool) -> dict[str, str]:
    match remedy:
        case ArbitrationRemedy.MANDATORY:
            text = f"向有管辖权的{body}申请仲裁；劳动争议须先经仲裁，对仲裁裁决不服的，方可向人民法院提起诉讼。"
        case ArbitrationRemedy.OPTIONAL:
            text = f"向{body}申请仲裁，也可以直接向人民法院提起诉讼。"
        case ArbitrationRemedy.AGREEMENT:
            text = (
                f"双方已有书面仲裁协议的，可依该协议向约定的{body}申请仲裁。"
                if agreement
                else f"双方达成书面仲裁协议的，可向约定的{body}申请仲裁；没有仲裁协议的，不能申请仲裁。"
            )
        case _:
            text = "本类纠纷依法不能申请仲裁。"
    return {"route": "仲裁", "text": text, "basis": basis}


def time_bars(case: Any) -> list[dict[str, str]]:
    """The limitation periods that run against the parties, for this dispute type."""
    bars = (
        LAND_REQUISITION_TIME_BARS
        if getattr(case, "land_requisition", False)
        else TIME_BARS[DisputeType(case.dispute_type)]
    )
    return [{"text": b.text, "basis": b.basis} for b in bars]
