"""Documents: a document's record, its PDF, and the public verification of a QR code."""

from fastapi import APIRouter, Response

from api.deps import ActorDep, SessionDep
from api.ids import RecordId
from api.responses import errors
from models.schemas import DocumentPublic, DocumentVerification
from workflows.read import documents as document_queries, queries

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])


@router.get("/verify/{code}", response_model=DocumentVerification)
def verify_document(code: str, session: SessionDep) -> DocumentVerification:
    """Public (no login; see api/app.py): the kind, case number and date of the document whose QR
    code (or whose PDF's SHA-256) this is; 404 otherwise."""
    v = document_queries.verify(session, code)
    return DocumentVerification(kind=v.kind, case_no=v.case_no, date=v.date)


@router.get("/{doc_id}", response_model=DocumentPublic)
def get_document(doc_id: RecordId, session: SessionDep, actor: ActorDep) -> DocumentPublic:
    return DocumentPublic.model_validate(queries.document(session, actor, doc_id), from_attributes=True)


@router.get(
    "/{doc_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **errors(409)},  # 409: not rendered yet
)
def get_document_pdf(doc_id: RecordId, session: SessionDep, actor: ActorDep) -> Response:
    doc = document_queries.document_pdf(session, actor, doc_id)  # 404 unless visible, 409 until rendered
    return Response(
        doc.content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{doc.kind}-{doc.id}.pdf"'},
    )
