"""The `transitions` machine, built once from the table; cases are fired through a thin adapter.

The machine is never bound to a database row and never holds a case: each call wraps a
snapshot in a `CaseAdapter` and triggers the event on it directly.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, cast

from transitions import EventData, Machine

from states.enums import State, Trigger
from states.guards import CONDITIONS, CaseSnapshot, Verdict, evaluate
from states.table import TABLE, Transition


class CaseAdapter:
    """What the machine sees of one case during one firing."""

    __slots__ = ("now", "payload", "snapshot", "state", "verdicts")

    def __init__(self, snapshot: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> None:
        self.state: State = snapshot.state
        self.snapshot = snapshot
        self.payload = payload
        self.now = now
        self.verdicts: list[Verdict] = []


def _guard_condition(row: Transition) -> Callable[[EventData], bool]:
    def check(event: EventData) -> bool:
        model = cast(CaseAdapter, event.model)
        model.verdicts = evaluate(row.guards, model.snapshot, model.payload, model.now)
        return all(v.ok for v in model.verdicts)

    check.__name__ = f"guards_{row.trigger}"
    return check


def _alternative(name: str) -> Callable[[EventData], bool]:
    def check(event: EventData) -> bool:
        return CONDITIONS[name](cast(CaseAdapter, event.model).snapshot)

    check.__name__ = name
    return check


def _build() -> Machine:
    specs = []
    for row in TABLE:
        guards = [_guard_condition(row)] if row.guards else []
        # Alternatives first: `transitions` takes the first transition of a trigger whose conditions pass.
        for name, dest in row.alternatives:
            specs.append(
                {
                    "trigger": row.trigger.value,
                    "source": list(row.source),
                    "dest": dest,
                    "conditions": [*guards, _alternative(name)],
                }
            )
        specs.append({"trigger": row.trigger.value, "source": list(row.source), "dest": row.dest, "conditions": guards})
    return Machine(
        model=None,
        states=State,
        transitions=specs,
        initial=State.INTAKE,
        auto_transitions=False,
        send_event=True,
        model_override=True,
        ignore_invalid_triggers=False,
    )


MACHINE = _build()


def run(snapshot: CaseSnapshot, trigger: Trigger, payload: Mapping[str, Any], now: datetime) -> CaseAdapter:
    """Fire `trigger` on a snapshot. Returns the adapter: `.state` is the new state when every
    guard passed, and `.verdicts` says why not otherwise. Raises transitions.MachineError when
    the trigger is not allowed from the snapshot's state."""
    adapter = CaseAdapter(snapshot, payload, now)
    MACHINE.events[trigger.value].trigger(adapter)
    return adapter
