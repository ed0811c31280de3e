"""The table is the lifecycle: every row fires, every other (state, trigger) pair is refused."""

from collections import deque
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from transitions import MachineError

from states.diagram import mermaid
from states.enums import DisputeType, Role, State, Trigger
from states.guards import GUARDS, CaseSnapshot
from states.labels import TRIGGER_LABELS
from states.machine import MACHINE, run
from states.table import TABLE, TRIGGER_ROLES, row_for, triggers_from

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
PAIRS = [(s, t) for s in State for t in Trigger]
TABLE_PAIRS = {(s, r.trigger) for r in TABLE for s in r.source}


def permissive(state: State) -> CaseSnapshot:
    """A snapshot on which every guard passes."""
    return CaseSnapshot(
        state=state,
        dispute_type=DisputeType.CONTRACT,
        arbitration_agreement=True,
        agreement_form="written",
        confirmation_due_at=NOW + timedelta(days=10),
        has_next_level=True,
        clock="running",
        refs={"body_kind": "commercial_arbitration"},
    )


@pytest.mark.parametrize(
    "row,source", [(r, s) for r in TABLE for s in r.source], ids=lambda x: str(getattr(x, "trigger", x))
)
def test_every_row_fires_to_its_destination(row, source):
    snap = permissive(source)
    if (row.trigger, source) == (Trigger.REFER_ARBITRATION, State.AGREEMENT):  # labour only (第15条)
        snap = replace(snap, dispute_type=DisputeType.LABOUR, refs={"body_kind": "labour_arbitration"})
    if row.trigger is Trigger.RESUME_CLOCK:
        snap = CaseSnapshot(**{**{f: getattr(snap, f) for f in snap.__slots__}, "clock": "paused"})
    adapter = run(snap, row.trigger, {"reason": "x"}, NOW)
    assert all(v.ok for v in adapter.verdicts), adapter.verdicts
    assert adapter.state in row.dests
    # The conditions choosing between destinations read whether there is a level above: with and
    # without one, the machine reaches the row's destination and each alternative, and nothing else.
    reached = {
        run(replace(snap, has_next_level=has_next), row.trigger, {"reason": "x"}, NOW).state
        for has_next in (True, False)
    }
    assert reached == set(row.dests), (row.trigger, reached)


@pytest.mark.parametrize(
    "trigger,with_parent,without_parent",
    [
        (Trigger.DECLINE, State.DIVERSION, State.INTAKE),
        (Trigger.ESCALATE, State.DIVERSION, State.INTAKE),
        (Trigger.DIVERSION_TIMEOUT, State.DIVERSION, State.INTAKE),
    ],
)
def test_escalation_goes_up_while_there_is_a_level_and_back_to_intake_at_the_top(trigger, with_parent, without_parent):
    up = CaseSnapshot(state=State.DIVERSION, dispute_type=DisputeType.OTHER, has_next_level=True)
    top = CaseSnapshot(state=State.DIVERSION, dispute_type=DisputeType.OTHER, has_next_level=False)
    assert run(up, trigger, {"reason": "x"}, NOW).state is with_parent
    assert run(top, trigger, {"reason": "x"}, NOW).state is without_parent


@pytest.mark.parametrize("state,trigger", [p for p in PAIRS if p not in TABLE_PAIRS])
def test_pairs_not_in_the_table_are_refused(state, trigger):
    assert row_for(state, trigger) is None
    with pytest.raises(MachineError):
        run(permissive(state), trigger, {}, NOW)


def test_every_state_is_reachable_from_intake():
    seen, todo = {State.INTAKE}, deque([State.INTAKE])
    while todo:
        s = todo.popleft()
        for t in triggers_from(s):
            dest = row_for(s, t).dest
            if dest not in seen:
                seen.add(dest)
                todo.append(dest)
    assert seen == set(State)


def test_closed_is_reachable_from_every_state():
    reverse: dict[State, set[State]] = {s: set() for s in State}
    for r in TABLE:
        for s in r.source:
            reverse[r.dest].add(s)
    seen, todo = {State.CLOSED}, deque([State.CLOSED])
    while todo:
        for s in reverse[todo.popleft()]:
            if s not in seen:
                seen.add(s)
                todo.append(s)
    assert seen == set(State)


def test_every_contract_trigger_is_in_the_table_once_per_source():
    assert {r.trigger for r in TABLE} == set(Trigger)
    assert len(TABLE_PAIRS) == sum(len(r.source) for r in TABLE)


def test_system_timeouts_belong_to_the_system_alone():
    for t in (Trigger.DIVERSION_TIMEOUT, Trigger.MEDIATION_TIMEOUT, Trigger.COURT_OVERDUE):
        assert TRIGGER_ROLES[t] == {Role.SYSTEM}
    for r in TABLE:
        if r.trigger.value.endswith(("_timeout", "_overdue")):
            continue
        assert Role.SYSTEM not in r.roles, r.trigger


def test_every_row_has_a_legal_basis_and_known_guards():
    for r in TABLE:
        assert r.basis.strip(), r.trigger
        assert set(r.guards) <= set(GUARDS)


def test_every_row_has_a_label_for_staff():
    assert set(TRIGGER_LABELS) == set(Trigger)
    assert all(r.label == TRIGGER_LABELS[r.trigger] and r.label.strip() for r in TABLE)


def test_the_machine_holds_no_cases():
    for _ in range(100):
        run(permissive(State.INTAKE), Trigger.DIVERT, {}, NOW)
    assert MACHINE.models == []


def test_diagram_has_one_edge_per_row_source_and_destination():
    edges = [line for line in mermaid().splitlines() if "-->" in line and "[*]" not in line]
    assert len(edges) == sum(len(r.source) * len(r.dests) for r in TABLE)
    assert "    mediation --> agreement : reach_agreement" in edges
    assert "    diversion --> diversion : decline [next_level_found]" in edges


def test_readme_diagram_equals_jiefen_diagram():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("```mermaid\n") + len("```mermaid\n")
    end = readme.index("```", start)
    assert readme[start:end] == mermaid(), "README diagram is stale: paste the output of `jiefen diagram`"
