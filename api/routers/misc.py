"""Documents, the court inbox, organizations and mediators."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from sqlmodel import select

from api.deps import ActorDep, SessionDep
from models.schemas import DocumentPublic, DocumentVerification, HandoffPublic, MediatorPublic, OrganizationPublic
from models.tables import Mediator, Organization
from workflows.read import documents as document_queries
from workflows.outbox import handoffs
from workflows.read import queries

router = APIRouter(prefix="/api/v1", tags=["reference"])


@router.get("/documents/verify/{code}", response_model=DocumentVerification)
def verify_document(code: str, session: SessionDep) -> DocumentVerification:
    """Public (no login; see api/app.py): the kind, case number and date of the document whose QR
    code (or whose PDF's SHA-256) this is; 404 otherwise."""
    v = document_queries.verify(session, code)
    return DocumentVerification(kind=v.kind, case_no=v.case_no, date=v.date)


@router.get("/documents/{doc_id}", response_model=DocumentPublic)
def get_document(doc_id: str, session: SessionDep, actor: ActorDep) -> DocumentPublic:
    return DocumentPublic.model_validate(queries.document(session, actor, doc_id), from_attributes=True)


@router.get("/documents/{doc_id}/pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def get_document_pdf(doc_id: str, session: SessionDep, actor: ActorDep) -> Response:
    doc = document_queries.document_pdf(session, actor, doc_id)  # 404 unless visible, 409 until rendered
    return Response(doc.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{doc.kind}-{doc.id}.pdf"'})


@router.get("/court/confirmations", response_model=list[HandoffPublic])
def court_confirmations(
    session: SessionDep, actor: ActorDep,
    status: Literal["pending", "accepted", "decided"] | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[HandoffPublic]:
    return queries.court_inbox(session, actor, status, offset=offset, limit=limit)


def _handoff_public(pair: tuple[Any, str]) -> HandoffPublic:
    h, case_no = pair
    return HandoffPublic(id=h.id, case_id=h.case_id, case_no=case_no, court_code=h.court_code, status=h.status,
                         package=h.package, created_at=h.created_at, accepted_at=h.accepted_at,
                         decided_at=h.decided_at, ruling_no=h.ruling_no, outcome=h.outcome)


@router.get("/court/confirmations/{handoff_id}", response_model=HandoffPublic)
def court_confirmation(handoff_id: str, session: SessionDep, actor: ActorDep) -> HandoffPublic:
    """The package of one hand-off; 404 unless it is addressed to the caller's court."""
    return _handoff_public(handoffs.get_handoff(session, actor, handoff_id))


@router.post("/court/confirmations/{handoff_id}/receive", response_model=HandoffPublic)
def receive_confirmation(handoff_id: str, session: SessionDep, actor: ActorDep) -> HandoffPublic:
    """The court records receipt (pending → accepted); idempotent. Then court_confirm / court_reject."""
    return _handoff_public(handoffs.receive(session, actor=actor, handoff_id=handoff_id))


@router.get("/organizations", response_model=list[OrganizationPublic])
def organizations(session: SessionDep, actor: ActorDep) -> list[OrganizationPublic]:
    rows = session.exec(select(Organization).order_by(Organization.code)).all()
    return [OrganizationPublic.model_validate(o, from_attributes=True) for o in rows]


@router.get("/mediators", response_model=list[MediatorPublic])
def mediators(session: SessionDep, actor: ActorDep, org_code: Annotated[str | None, Query(max_length=64)] = None
              ) -> list[MediatorPublic]:
    query = select(Mediator).order_by(Mediator.code)
    if org_code:
        query = query.where(Mediator.org_code == org_code)
    return [MediatorPublic.model_validate(m, from_attributes=True) for m in session.exec(query)]
