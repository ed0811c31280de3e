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
    # Judicial confirmation is refused for status matters of this type (民诉法解释 第355条).
    status_matters_unconfirmable: bool = False
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
            status_matters_unconfirmable=True,
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
