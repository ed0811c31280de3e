"""Read-side services: what a caller may see, shaped for the API. Every query is scoped and indexed.
Case lists: workflows/read/case_list.py."""

import uuid

from sqlmodel import Session, col, select

from models.privacy import shown_to
from models.rows import CaseRow
from models.schemas import (
    ActionPublic,
    ActionsPublic,
    CasePublic,
    DeadlinePublic,
    DocumentPublic,
    EventPublic,
    HandoffPublic,
    PartyPublic,
)
from models.tables import Case, CaseEvent, CourtHandoff, Deadline, Document, Party
from states.enums import Role, State
from states.table import TABLE
from workflows.access import Actor, get_visible_case
from workflows.errors import Forbidden, NotVisible


def case_public(session: Session, case: Case | CaseRow, *, actor: Actor) -> CasePublic:
    """A case as the API shows it to `actor`: a `Case`, or the engine's working copy of its row after a
    transition. Its parties are masked for every role (the whole numbers are in `parties_for`); its
    free text too for the roles that see numbers masked (models.privacy)."""
    parties = session.exec(select(Party).where(Party.case_id == case.id).order_by(col(Party.position))).all()
    deadlines = session.exec(
        select(Deadline).where(Deadline.case_id == case.id).order_by(col(Deadline.created_at), col(Deadline.kind))
    ).all()
    return shown_to(actor.role, CasePublic.of(case, list(parties), list(deadlines)))


def parties_for(session: Session, actor: Actor, case_id: str | uuid.UUID) -> list[PartyPublic]:
    """A visible case's parties: whole for the roles that need them, masked for the rest (models.privacy)."""
    case = get_visible_case(session, actor, case_id)
    rows = session.exec(select(Party).where(Party.case_id == case.id).order_by(col(Party.position))).all()
    whole = [
        PartyPublic(
            position=p.position,
            role=p.role,
            kind=p.kind,
            name=p.name,
            id_number=p.id_number,
            uscc=p.uscc,
            phone=p.phone,
            email=p.email,
            address=p.address,
            legal_representative=p.legal_representative,
            agent=p.agent,
        )
        for p in rows
    ]
    return shown_to(actor.role, whole)


def get_case(session: Session, actor: Actor, case_id: str | uuid.UUID) -> CasePublic:
    return case_public(session, get_visible_case(session, actor, case_id), actor=actor)


def events(session: Session, actor: Actor, case_id: str | uuid.UUID) -> list[EventPublic]:
    case = get_visible_case(session, actor, case_id)
    rows = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.seq))).all()
    return shown_to(actor.role, [EventPublic.model_validate(e, from_attributes=True) for e in rows])


def deadlines(session: Session, actor: Actor, case_id: str | uuid.UUID) -> list[DeadlinePublic]:
    case = get_visible_case(session, actor, case_id)
    rows = session.exec(select(Deadline).where(Deadline.case_id == case.id).order_by(col(Deadline.created_at))).all()
    return [DeadlinePublic.model_validate(d, from_attributes=True) for d in rows]


def documents(session: Session, actor: Actor, case_id: str | uuid.UUID) -> list[DocumentPublic]:
    case = get_visible_case(session, actor, case_id)
    rows = session.exec(select(Document).where(Document.case_id == case.id).order_by(col(Document.created_at))).all()
    return [DocumentPublic.model_validate(d, from_attributes=True) for d in rows]


def document(session: Session, actor: Actor, doc_id: str | uuid.UUID) -> Document:
    try:
        did = doc_id if isinstance(doc_id, uuid.UUID) else uuid.UUID(doc_id)
    except ValueError:
        raise NotVisible("文书不存在") from None
    doc = session.get(Document, did)
    if doc is None or doc.case_id is None:  # None: the centre's monthly workbook, on the report screen
        raise NotVisible("文书不存在")
    try:
        get_visible_case(session, actor, doc.case_id)
    except NotVisible:
        raise NotVisible("文书不存在") from None
    return doc


def actions(session: Session, actor: Actor, case_id: str | uuid.UUID) -> ActionsPublic:
    case = get_visible_case(session, actor, case_id)
    state = State(case.state)
    rows = [r for r in TABLE if state in r.source and actor.role in r.roles]
    return ActionsPublic(
        allowed=[str(r.trigger) for r in rows],
        data=[
            ActionPublic(
                trigger=r.trigger,
                label=r.label,
                to_state=r.dest,
                required=list(r.required),
                optional=list(r.optional),
                basis=r.basis,
                alternatives=[{"when": name, "to_state": str(dest)} for name, dest in r.alternatives],
            )
            for r in rows
        ],
    )


def court_inbox(
    session: Session, actor: Actor, status: str | None, *, offset: int = 0, limit: int = 50
) -> list[HandoffPublic]:
    """A court's hand-offs (admins see every court's). Other roles have no inbox."""
    if actor.role not in (Role.COURT, Role.ADMIN):
        raise Forbidden("只有人民法院用户可以查看司法确认收件箱")
    query = select(CourtHandoff, Case.case_no).join(Case, col(Case.id) == CourtHandoff.case_id)
    if actor.role is Role.COURT:
        query = query.where(CourtHandoff.court_code == (actor.org_code or ""))
    if status:
        query = query.where(CourtHandoff.status == status)
    query = query.order_by(col(CourtHandoff.created_at)).offset(offset).limit(limit)
    return [handoff_public(h, no, actor=actor) for h, no in session.exec(query)]


def handoff_public(h: CourtHandoff, case_no: str, *, actor: Actor) -> HandoffPublic:
    """A hand-off as the court's inbox and its detail show it: the package whole for the court, masked
    for an admin (models.privacy)."""
    public = HandoffPublic(
        id=h.id,
        case_id=h.case_id,
        case_no=case_no,
        court_code=h.court_code,
        status=h.status,
        package=h.package,
        created_at=h.created_at,
        accepted_at=h.accepted_at,
        decided_at=h.decided_at,
        ruling_no=h.ruling_no,
        outcome=h.outcome,
    )
    return shown_to(actor.role, public)
