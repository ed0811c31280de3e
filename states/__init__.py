"""The lifecycle as data: states, triggers, the transition table, guards and the machine."""

from states.enums import Channel, DisputeType, Role, State, Trigger
from states.guards import GUARDS, CaseSnapshot, Verdict
from states.table import TABLE, Transition, row_for, triggers_from

__all__ = [
    "GUARDS",
    "TABLE",
    "CaseSnapshot",
    "Channel",
    "DisputeType",
    "Role",
    "State",
    "Transition",
    "Trigger",
    "Verdict",
    "row_for",
    "triggers_from",
]
