"""The vocabulary: states are nouns, triggers are verbs, roles are who acts; then the words that
describe cases, parties and organizations. Values are what the API, the seed file and the database hold."""

from datetime import date
from enum import StrEnum


class State(StrEnum):
    INTAKE = "intake"
    DIVERSION = "diversion"
    MEDIATION = "mediation"
    AGREEMENT = "agreement"
    FAILED = "failed"
    JUDICIAL_CONFIRMATION = "judicial_confirmation"
    CONFIRMED = "confirmed"
    CONFIRMATION_REJECTED = "confirmation_rejected"
    ARBITRATION = "arbitration"
    LITIGATION = "litigation"
    CLOSED = "closed"


class Trigger(StrEnum):
    DIVERT = "divert"
    ACCEPT = "accept"
    DECLINE = "decline"
    ESCALATE = "escalate"
    REJECT = "reject"
    TRANSFER_OUT = "transfer_out"
    WITHDRAW = "withdraw"
    EXTEND = "extend"
    PAUSE_CLOCK = "pause_clock"
    RESUME_CLOCK = "resume_clock"
    REACH_AGREEMENT = "reach_agreement"
    FAIL = "fail"
    SIGN_JOINT_APPLICATION = "sign_joint_application"
    REQUEST_CONFIRMATION = "request_confirmation"
    COURT_CONFIRM = "court_confirm"
    COURT_REJECT = "court_reject"
    COURT_FILE = "court_file"
    COURT_EXTEND = "court_extend"
    WITHDRAW_CONFIRMATION = "withdraw_confirmation"
    REAPPLY_CONFIRMATION = "reapply_confirmation"
    RESUME_MEDIATION = "resume_mediation"
    REFER_ARBITRATION = "refer_arbitration"
    ARBITRATION_ACCEPTED = "arbitration_accepted"
    ARBITRATION_NOT_ACCEPTED = "arbitration_not_accepted"
    ARBITRATION_EXTENDED = "arbitration_extended"
    RECORD_AWARD = "record_award"
    REFER_LITIGATION = "refer_litigation"
    RECORD_OUTCOME = "record_outcome"
    RECORD_FULFILMENT = "record_fulfilment"
    CLOSE = "close"
    RECORD_FOLLOWUP = "record_followup"
    DIVERSION_TIMEOUT = "diversion_timeout"
    MEDIATION_TIMEOUT = "mediation_timeout"
    MEDIATION_OVERDUE = "mediation_overdue"
    COURT_OVERDUE = "court_overdue"


class Role(StrEnum):
    INTAKE = "intake"
    MEDIATOR = "mediator"
    COURT = "court"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    SYSTEM = "system"
    PARTY = "party"  # a party acting for itself through the portal (/p/), never an account


class DisputeType(StrEnum):
    LABOUR = "labour"
    LAND_CONTRACT = "land_contract"
    MEDICAL = "medical"
    TRAFFIC = "traffic"
    CONSUMER = "consumer"
    PROPERTY = "property"
    FAMILY = "family"
    NEIGHBOUR = "neighbour"
    CONTRACT = "contract"
    COMMERCIAL = "commercial"
    OTHER = "other"


class Channel(StrEnum):
    WINDOW = "window"
    GRID = "grid"
    HOTLINE = "hotline"
    ONLINE = "online"
    COURT_REFERRAL = "court_referral"
    POLICE = "police"
    PETITION = "petition"


class OrgKind(StrEnum):
    """What an organization is: a mediation body of some field, a court, an arbitration body, or the
    centre's own agency."""

    PEOPLE_MEDIATION = "people_mediation"
    LABOUR_MEDIATION = "labour_mediation"
    MEDICAL_MEDIATION = "medical_mediation"
    TRAFFIC_MEDIATION = "traffic_mediation"
    CONSUMER_MEDIATION = "consumer_mediation"
    PROPERTY_MEDIATION = "property_mediation"
    COMMERCIAL_MEDIATION = "commercial_mediation"
    COURT = "court"
    LABOUR_ARBITRATION = "labour_arbitration"
    LAND_ARBITRATION = "land_arbitration"
    COMMERCIAL_ARBITRATION = "commercial_arbitration"
    AGENCY = "agency"


# The kinds a case can be diverted to (mediation bodies), and the kinds that arbitrate.
MEDIATION_KINDS: frozenset[OrgKind] = frozenset(
    {
        OrgKind.PEOPLE_MEDIATION,
        OrgKind.LABOUR_MEDIATION,
        OrgKind.MEDICAL_MEDIATION,
        OrgKind.TRAFFIC_MEDIATION,
        OrgKind.CONSUMER_MEDIATION,
        OrgKind.PROPERTY_MEDIATION,
        OrgKind.COMMERCIAL_MEDIATION,
    }
)
ARBITRATION_KINDS: frozenset[OrgKind] = frozenset(
    {
        OrgKind.LABOUR_ARBITRATION,
        OrgKind.LAND_ARBITRATION,
        OrgKind.COMMERCIAL_ARBITRATION,
    }
)


class Level(StrEnum):
    """Where an organization sits in the administrative hierarchy, lowest first."""

    VILLAGE = "village"
    TOWN = "town"
    COUNTY = "county"
    CITY = "city"

    @property
    def rank(self) -> int:
        """0 for a village … 3 for a city: a parent ranks above its children."""
        return _LEVEL_ORDER.index(self)


_LEVEL_ORDER: tuple[Level, ...] = tuple(Level)


class Stationing(StrEnum):
    """How an organization sits at the centre: 常驻, 轮驻 (on its duty days), 随叫随驻 (called out)."""

    RESIDENT = "resident"
    ROTATING = "rotating"
    ON_CALL = "on_call"


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @classmethod
    def of(cls, day: date) -> "Weekday":
        return _WEEKDAY_ORDER[day.weekday()]


_WEEKDAY_ORDER: tuple[Weekday, ...] = tuple(Weekday)


class CourtLevel(StrEnum):
    """The level of a court that hears judicial confirmation (民事诉讼法 第205条)."""

    BASIC = "basic"
    INTERMEDIATE = "intermediate"


class PartyRole(StrEnum):
    APPLICANT = "applicant"
    RESPONDENT = "respondent"
    THIRD_PARTY = "third_party"


class RejectionKind(StrEnum):
    """Why a court refused to confirm an agreement (court_reject's `reason_kind`)."""

    JURISDICTION = "jurisdiction"  # 不属于收到申请的人民法院管辖（民诉法解释 第355条第1款第2项）
    INADMISSIBLE = "inadmissible"  # 第355条 other grounds (不予受理)
    MERITS = "merits"  # 第358条 (裁定驳回申请)


class PartyKind(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
