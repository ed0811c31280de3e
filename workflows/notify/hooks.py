"""The parties' messages that follow an event on a case, in its transaction.

`workflows.engine.write.append_event` calls `after_event` for every event of an existing case, and intake
(`workflows.intake.open_case`) for the opening, once the parties are written; it returns at once for an event
that tells the parties nothing (this runs inside every `fire`). The staff's messages in the app need the
actor and the transition, so the engine writes them from `workflows.engine.transition._apply`
(`workflows.notify.inbox.after_transition`).
The deadline sweep's reminder pass (`workflows.clocks.sweep.remind_once`) calls `after_reminders` with the
deadlines it reminded, in its transaction.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from workflows.notify.party import PARTY_EVENTS, queue_party_messages, queue_party_reminders


def after_event(
    conn: Connection,
    case: Any,
    *,
    event: str,
    seq: int,
    payload: Mapping[str, Any],
    at: datetime,
    parties: Sequence[Mapping[str, Any]] | None = None,
) -> None:
    if event in PARTY_EVENTS:
        queue_party_messages(conn, case, event=event, seq=seq, payload=payload, at=at, parties=parties)


def after_reminders(conn: Connection, reminders: Sequence[Any], *, at: datetime) -> None:
    """`reminders`: the deadline rows just reminded (id, case_id, case_no, kind, last_day, remind_at)."""
    queue_party_reminders(conn, reminders, at=at)
