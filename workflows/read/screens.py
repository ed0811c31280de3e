"""Read side of the web screens: what one page shows, gathered from the scoped reads in one call.

Every function is scoped like the reads it makes (a case the caller cannot see raises NotVisible);
none writes. The web layer only renders what these return."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.privacy import scrub
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
from models.tables import CaseEvent, Document, Mediator, Organization
from states.enums import State
from workflows.access import Actor, get_visible_case
from workflows.errors import JiefenError
from workflows.outbox.retry import may_retry_documents
from workflows.read import case_list, queries, reference
from workflows.routing import replay as diversion
from workflows.routing.decide import Decision, decide
from workflows.routing.rules import active_rules
from workflows.stages.diversion import ESCALATION_EXHAUSTED

OPEN = ("pending", "paused")
RUNNING = ("pending", "fired")  # a clock whose due time can pass unanswered
NEAREST = ("pending", "paused", "fired")
# A transition into intake from these states sends a case back to the window (a decline or escalation
# with no body above, or the top body's acceptance period running out).
SENT_BACK_FROM = (str(State.DIVERSION), str(State.MEDIATION))


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
    failures: dict[str, str]  # a failed document's id → why, in words staff read (no exception text)
    may_retry: bool  # the caller may put a failed document back in the render queue


FAILURE_REASONS = {
    "SigningKeyMissing": "承办组织尚未配置电子签名证书，请系统管理员配置后重试。",
    "FileNotFoundError": "生成文书所需的文件（如字体、模板）缺失，请系统管理员检查后重试。",
    "OSError": "生成文书所需的文件（如字体、模板）无法读取，请系统管理员检查后重试。",
}
FAILURE_OTHER = "文书生成程序出错（详情已记入系统日志），可稍后重试；如仍失败请联系系统管理员。"


def failure_reason(last_error: str | None) -> str:
    """Why a document failed, for the case page: by the kind of failure the render worker recorded
    ("ExceptionType: message"), never the message itself (paths, internal names)."""
    kind = (last_error or "").split(":", 1)[0].strip()
    return FAILURE_REASONS.get(kind, FAILURE_OTHER)


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
    failed = [d.id for d in documents if d.status == "failed"]
    failures: dict[str, str] = {}
    if failed:
        rows = session.exec(select(Document.id, Document.last_error).where(col(Document.id).in_(failed))).all()
        failures = {str(i): failure_reason(e) for i, e in rows}
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
        failures=failures,
        may_retry=may_retry_documents(actor, case.mediator_code),
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


@dataclass(frozen=True, slots=True)
class ReturnedCase:
    """A case sent back to the window from the top of escalation (`escalation_exhausted`), with why:
    the last transition on its audit log that sent it back to intake (decline, escalate, a timeout)."""

    case: CasePublic
    trigger: str | None
    reason: str | None
    actor: str | None
    at: datetime | None
    from_org_code: str | None


def returned_to_window(session: Session, actor: Actor, *, limit: int = 50) -> list[ReturnedCase]:
    """The window's and supervisors' queue: cases at intake flagged `escalation_exhausted`, newest first
    (scoped like the case list), each with its last refusal — one query for all of them."""
    cases = case_list.list_cases(
        session, actor, case_list.CaseFilters(state=State.INTAKE, flag=ESCALATION_EXHAUSTED, limit=limit)
    ).data
    if not cases:
        return []
    rows = session.execute(
        sa.select(
            col(CaseEvent.case_id),
            col(CaseEvent.trigger),
            col(CaseEvent.actor),
            col(CaseEvent.at),
            col(CaseEvent.payload),
        )
        .where(
            col(CaseEvent.case_id).in_([c.id for c in cases]),
            col(CaseEvent.to_state) == State.INTAKE,
            col(CaseEvent.from_state).in_(SENT_BACK_FROM),
        )
        .order_by(col(CaseEvent.case_id), col(CaseEvent.seq).desc())
    ).all()
    last: dict[uuid.UUID, tuple[str, str, datetime, dict[str, object]]] = {}
    for case_id, trigger, who, at, payload in rows:
        last.setdefault(case_id, (trigger, who, at, payload or {}))
    out = []
    for c in cases:
        trigger, who, at, payload = last.get(c.id, (None, None, None, {}))
        reason, origin = payload.get("reason"), payload.get("from_org_code")
        out.append(
            ReturnedCase(
                case=c,
                trigger=trigger,
                reason=scrub(str(reason)) if reason else None,
                actor=who,
                at=at,
                from_org_code=str(origin) if origin else None,
            )
        )
    return out
