"""What a case's events say its row must hold: a pure replay, events in, expected facts out.

- state: the last event's `to_state` (and every event starts where the one before it ended);
- organization and mediator: intake assigns neither; divert, decline, escalate and diversion_timeout
  record the organization the case leaves (`from_org_code`) and the one it goes to (`org_code`, absent
  when it goes back to the window) and clear the mediator; accept records the mediator
  (workflows/stages/diversion.py). An old event that did not record them leaves them unknown (not
  compared) until a later one does;
- case number and parties: the opening event's `case_no`, `parties` listing and `parties_digest`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

OPEN = "open"
ASSIGNING = frozenset({"divert", "decline", "escalate", "diversion_timeout"})
ACCEPT = "accept"


@dataclass(slots=True)
class Replayed:
    state: str | None = None
    state_seq: int = 0
    org_code: str | None = None
    org_seq: int | None = 0  # the event that set it; None: unknown
    mediator_code: str | None = None
    mediator_seq: int | None = 0
    case_no: str | None = None
    parties: list[dict[str, Any]] | None = None
    parties_digest: list[str] | None = None
    parties_key_id: str | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)


def replay(events: Iterable[Any]) -> Replayed:
    """Replay events (objects with seq, trigger, from_state, to_state, payload, key_id), oldest first."""
    r = Replayed()
    for ev in events:
        payload: Mapping[str, Any] = ev.payload or {}
        if r.state_seq == 0:
            if ev.trigger != OPEN or ev.from_state is not None:
                r.problems.append((ev.seq, f"第一个事件应为受理登记（open），实为“{ev.trigger}”"))
        elif ev.from_state != r.state:
            r.problems.append((ev.seq, f"事件的起始状态“{ev.from_state}”与上一事件的结束状态“{r.state}”不符"))
        r.state, r.state_seq = ev.to_state, ev.seq
        if ev.trigger == OPEN and ev.seq == 1:
            r.case_no = payload.get("case_no")
            listed = payload.get("parties")
            r.parties = list(listed) if isinstance(listed, list) else None
            digests = payload.get("parties_digest")
            r.parties_digest = list(digests) if isinstance(digests, list) else None
            r.parties_key_id = ev.key_id
        elif ev.trigger in ASSIGNING:
            known = "from_org_code" in payload
            r.org_code, r.org_seq = (payload.get("org_code"), ev.seq) if known else (None, None)
            r.mediator_code, r.mediator_seq = (None, ev.seq) if known else (None, None)
        elif ev.trigger == ACCEPT:
            known = "mediator_code" in payload
            r.mediator_code, r.mediator_seq = (payload.get("mediator_code"), ev.seq) if known else (None, None)
    return r


def row_problems(r: Replayed, case: Mapping[str, Any]) -> list[tuple[int, str]]:
    """Where the case row differs from its replayed events: (seq of the event that says otherwise, problem)."""
    out = list(r.problems)
    if r.state is not None and case["state"] != r.state:
        out.append((r.state_seq, f"案件状态为“{case['state']}”，审计事件记录的状态为“{r.state}”（状态未经事件被改动）"))
    if r.org_seq is not None and case["org_code"] != r.org_code:
        out.append((r.org_seq or 1, f"承办组织为“{case['org_code']}”，审计事件记录为“{r.org_code}”（未经事件被改动）"))
    if r.mediator_seq is not None and case["mediator_code"] != r.mediator_code:
        out.append(
            (
                r.mediator_seq or 1,
                f"承办调解员为“{case['mediator_code']}”，审计事件记录为“{r.mediator_code}”（未经事件被改动）",
            )
        )
    if r.case_no is not None and case["case_no"] != r.case_no:
        out.append((1, f"案件编号与受理事件记录的“{r.case_no}”不符（编号被改动）"))
    return out
