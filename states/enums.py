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
