"""The vocabulary of the lifecycle: states are nouns, triggers are verbs, roles are who acts."""

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
    REQUEST_CONFIRMATION = "request_confirmation"
    COURT_CONFIRM = "court_confirm"
    COURT_REJECT = "court_reject"
    RESUME_MEDIATION = "resume_mediation"
    REFER_ARBITRATION = "refer_arbitration"
    REFER_LITIGATION = "refer_litigation"
    RECORD_OUTCOME = "record_outcome"
    RECORD_FULFILMENT = "record_fulfilment"
    CLOSE = "close"
    RECORD_FOLLOWUP = "record_followup"
    DIVERSION_TIMEOUT = "diversion_timeout"
    MEDIATION_TIMEOUT = "mediation_timeout"
    COURT_OVERDUE = "court_overdue"


class Role(StrEnum):
    INTAKE = "intake"
    MEDIATOR = "mediator"
    COURT = "court"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    SYSTEM = "system"


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


# Chinese labels for the screens and documents staff read.
STATE_LABELS: dict[State, str] = {
    State.INTAKE: "受理登记",
    State.DIVERSION: "分流交办",
    State.MEDIATION: "调解中",
    State.AGREEMENT: "达成协议",
    State.FAILED: "调解未成",
    State.JUDICIAL_CONFIRMATION: "司法确认中",
    State.CONFIRMED: "已司法确认",
    State.CONFIRMATION_REJECTED: "确认被驳回",
    State.ARBITRATION: "仲裁中",
    State.LITIGATION: "诉讼中",
    State.CLOSED: "已结案",
}

DISPUTE_TYPE_LABELS: dict[DisputeType, str] = {
    DisputeType.LABOUR: "劳动争议",
    DisputeType.LAND_CONTRACT: "农村土地承包经营纠纷",
    DisputeType.MEDICAL: "医疗纠纷",
    DisputeType.TRAFFIC: "道路交通事故损害赔偿纠纷",
    DisputeType.CONSUMER: "消费纠纷",
    DisputeType.PROPERTY: "物业纠纷",
    DisputeType.FAMILY: "婚姻家庭纠纷",
    DisputeType.NEIGHBOUR: "邻里纠纷",
    DisputeType.CONTRACT: "合同纠纷",
    DisputeType.COMMERCIAL: "商事纠纷",
    DisputeType.OTHER: "其他纠纷",
}
