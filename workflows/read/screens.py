"""Read side of the web screens: what one page shows, gathered from the scoped reads in one call.

Every function is scoped like the reads it makes (a case the caller cannot see raises NotVisible);
none writes. The web layer only renders what these return."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from models.schemas import (
    ActionPublic,
    CasePublic,
    DeadlinePublic,
    DocumentPublic,
    DuplicatePublic,
    EventPublic,
    HandoffPublic,
    PartyPublic,
)
from models.tables import Mediator, Organization
from states.enums import State
from workflows.access import Actor, get_visible_case
from workflows.errors import JiefenError
from workflows.read import case_list, queries, reference
from workflows.routing import replay as diversion
from workflows.routing.decide import Decision, decide
from workflows.routing.rules import active_rules

OPEN = ("pending", "paused")
RUNNING = ("pending", "fired")  # a clock whose due time can pass unanswered
NEAREST = ("pending", "paused", "fired")


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    """A clock on the case page. Days left: whole days after today up to the last day (which ends
    at 24:00), negative once it has passed."""

    deadline: DeadlinePublic
    days_left: int
    overdue: bool
    open: bool


@dataclass(frozen=True, slots=True)
class CaseScreen:
    case: CasePublic
    parties: list[PartyPublic]
    events: list[EventPublic]
    documents: list[DocumentPublic]
    actions: list[ActionPublic]
    deadlines: list[DeadlineRow]
    duplicates: list[DuplicatePublic]
    suggestion: Decision | None  # where the routing rules would send a case still at intake
    orgs: list[Organization]
    org_names: dict[str, str]
    mediators: list[Mediator]  # of the case's organization, for the forms that name one


def case_screen(
    session: Session, actor: Actor, case_id: str | uuid.UUID, *, new: bool, now: datetime, today: date
) -> CaseScreen:
    """One case page. Possible duplicates are looked for on a case just opened or still at intake."""
    case = queries.get_case(session, actor, case_id)
    parties = queries.parties_for(session, actor, case_id)
    events = queries.events(session, actor, case_id)
    documents = queries.documents(session, actor, case_id)
    actions = queries.actions(session, actor, case_id)
    duplicates: list[DuplicatePublic] = []
    suggestion = None
    if new or case.state == State.INTAKE:
        row = get_visible_case(session, actor, case_id)
        duplicates = diversion.possible_duplicates(session, actor=actor, case=row)
        if case.state == State.INTAKE:
            suggestion = decide(session, row, active_rules())
    deadlines = [
        DeadlineRow(
            deadline=d,
            days_left=(d.last_day - today).days,
            overdue=d.status in RUNNING and d.due_at <= now,
            open=d.status in OPEN,
        )
        for d in case.deadlines
    ]
    orgs = reference.organizations(session)
    return CaseScreen(
        case=case,
        parties=parties,
        events=events,
        documents=documents,
        actions=actions.data,
        deadlines=deadlines,
        duplicates=duplicates,
        suggestion=suggestion,
        orgs=orgs,
        org_names={o.code: o.name for o in orgs},
        mediators=[m for m in reference.mediators(session, case.org_code or "") if m.active],
    )


@dataclass(frozen=True, slots=True)
class WorkbenchRow:
    case: CasePublic
    deadline: DeadlinePublic | None  # the nearest clock still running, if any
    days_left: int | None
    overdue: bool
    mine: bool  # the caller is the case's mediator


def workbench(session: Session, actor: Actor, *, now: datetime, today: date) -> list[WorkbenchRow]:
    """A mediator's open cases (up to 200), the nearest clock first; cases without one last."""
    rows = []
    for c in case_list.list_cases(session, actor, case_list.CaseFilters(limit=200)).data:
        if c.state == State.CLOSED:
            continue
        nearest = min((d for d in c.deadlines if d.status in NEAREST), key=lambda d: d.due_at, default=None)
        rows.append(
            WorkbenchRow(
                case=c,
                deadline=nearest,
                days_left=(nearest.last_day - today).days if nearest else None,
                overdue=nearest is not None and nearest.due_at <= now,
                mine=c.mediator_code == actor.mediator_code,
            )
        )
    rows.sort(key=lambda r: (r.deadline is None, r.deadline.due_at if r.deadline else now))
    return rows


@dataclass(frozen=True, slots=True)
class CourtItem:
    handoff: HandoffPublic
    docs: list[DocumentPublic]
    case: CasePublic | None  # None when the case is no longer visible to the caller


def court_inbox(session: Session, actor: Actor) -> list[CourtItem]:
    """A court's pending, then accepted, hand-offs with their case and documents. Forbidden for a
    caller with no inbox."""
    handoffs = [*queries.court_inbox(session, actor, "pending"), *queries.court_inbox(session, actor, "accepted")]
    items = []
    for h in handoffs:
        try:
            docs = queries.documents(session, actor, h.case_id)
            case = queries.get_case(session, actor, h.case_id)
        except JiefenError:
            docs, case = [], None
        items.append(CourtItem(handoff=h, docs=docs, case=case))
    return items
