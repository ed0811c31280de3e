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
