"""Helpers shared by the engine tests: fresh-session pictures of a case, role actors, local times.

A "picture" is everything `fire` may write for one case, re-read in a Session of its own so that
nothing cached in the caller's session can hide a change (or the absence of one).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.tables import Case, CaseEvent, CourtHandoff, Deadline
from states.enums import Role
from tests.factories import actor
from workflows.access import SYSTEM_TIMEOUT, Actor, party_actor

SHANGHAI = ZoneInfo("Asia/Shanghai")

# One seeded user per role (models/seed/demo.yaml).
ROLE_USERS: dict[Role, str] = {
    Role.INTAKE: "window1",
    Role.SUPERVISOR: "super1",
    Role.MEDIATOR: "mediator1",  # CN-ZJ-XH-CC-RTW, where make_case diverts every case
    Role.COURT: "court1",  # CN-ZJ-XH-FY, the court make_case addresses
    Role.ADMIN: "admin",
}


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    """A wall-clock time in Asia/Shanghai."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


def midnight_after(day: date) -> datetime:
    """24:00 of `day` in Asia/Shanghai: what a deadline's due_at must be."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)


def role_actor(session: Session, role: Role, case_id: uuid.UUID | None = None) -> Actor:
    """The seeded user of `role`; the system clock; or party 0 of `case_id` (Role.PARTY, the portal)."""
    if role is Role.SYSTEM:
        return SYSTEM_TIMEOUT
    if role is Role.PARTY:
        return party_actor(case_id or uuid.uuid4(), 0)
    return actor(session, ROLE_USERS[role])


@dataclass(frozen=True)
class Picture:
    case: dict[str, Any]
    events: tuple[tuple[Any, ...], ...]
    deadlines: tuple[tuple[Any, ...], ...]
    handoffs: tuple[tuple[Any, ...], ...]

    @property
    def version(self) -> int:
        return self.case["version"]

    @property
    def state(self) -> str:
        return self.case["state"]

    def open_deadlines(self) -> list[tuple[Any, ...]]:
        return [d for d in self.deadlines if d[1] in ("pending", "paused")]


def fresh(session: Session) -> Session:
    return Session(session.get_bind(), expire_on_commit=False)


def picture(session: Session, case_id: uuid.UUID) -> Picture:
    """Everything stored about one case, read in a fresh Session."""
    with fresh(session) as s:
        case = s.get(Case, case_id)
        assert case is not None
        row = {
            k: getattr(case, k)
            for k in (
                "state",
                "version",
                "org_code",
                "mediator_code",
                "court_code",
                "arbitration_body_code",
                "agreement",
                "arbitrated",
                "flags",
                "updated_at",
            )
        }
        events = tuple(
            (e.seq, e.trigger, e.from_state, e.to_state, e.actor, e.hash)
            for e in s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq))
        )
        deadlines = tuple(
            sorted(
                (
                    (d.kind, d.status, d.due_at, d.last_day, d.days, d.remaining_seconds, str(d.id))
                    for d in s.exec(select(Deadline).where(Deadline.case_id == case_id))
                ),
                key=lambda t: t[-1],
            )
        )
        handoffs = tuple(
            sorted(
                (
                    (h.court_code, h.status, str(h.id))
                    for h in s.exec(select(CourtHandoff).where(CourtHandoff.case_id == case_id))
                ),
                key=lambda t: t[-1],
            )
        )
    return Picture(row, events, deadlines, handoffs)


def deadlines_of(session: Session, case_id: uuid.UUID, kind: str | None = None) -> list[Deadline]:
    with fresh(session) as s:
        q = select(Deadline).where(Deadline.case_id == case_id)
        if kind is not None:
            q = q.where(Deadline.kind == kind)
        return list(s.exec(q.order_by(Deadline.created_at)))


def one_deadline(session: Session, case_id: uuid.UUID, kind: str, status: str = "pending") -> Deadline:
    rows = [d for d in deadlines_of(session, case_id, kind) if d.status == status]
    assert len(rows) == 1, (
        f"expected one {status} {kind} deadline, found {[(d.kind, d.status) for d in deadlines_of(session, case_id)]}"
    )
    return rows[0]


def events_of(session: Session, case_id: uuid.UUID) -> list[CaseEvent]:
    with fresh(session) as s:
        return list(s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))


def fire_as(
    session: Session,
    case: Any,
    trigger: Any,
    username: str | None,
    payload: dict[str, Any] | None = None,
    *,
    now: datetime,
) -> Any:
    """Fire as the seeded user `username` (None: the system's timeout actor)."""
    from workflows.engine import fire

    who = SYSTEM_TIMEOUT if username is None else actor(session, username)
    return fire(session, case_id=case.id, trigger=trigger, actor=who, payload=payload or {}, now=now)


def refused_without_change(
    session: Session,
    now: datetime,
    case: Any,
    trigger: Any,
    who: Actor,
    payload: Any,
    error: type[Exception],
    *,
    expected_version: int | None = None,
) -> Any:
    """Fire and expect `error`; the refused call must leave the case exactly as it was. Returns the error."""
    import pytest

    from workflows.engine import fire

    before = picture(session, case.id)
    with pytest.raises(error) as exc:
        fire(
            session,
            case_id=case.id,
            trigger=trigger,
            actor=who,
            payload=payload,
            now=now,
            expected_version=expected_version,
        )
    assert picture(session, case.id) == before, "a refused call must change nothing"
    return exc.value
