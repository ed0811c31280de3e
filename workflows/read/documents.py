"""Read side of documents: the PDF of a visible document, and the public verification answer."""

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from documents import disclosure
from models.privacy import sees_whole_numbers
from models.settings import get_settings
from models.tables import Case, Document
from workflows.access import Actor
from workflows.errors import DocumentNotReady, Forbidden, NotVisible
from workflows.read import queries

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


WHOLE_NUMBERS_REFUSED = "该文书载有完整身份证号码，您的角色无权下载"


def document_pdf(session: Session, actor: Actor, doc_id: str | uuid.UUID) -> Document:
    """The document (scoped like its case: 404 otherwise) once rendered; 409 while pending or failed;
    403 to a role that sees numbers masked when it prints one whole (docs/contract.md §3). Its record
    (GET /api/v1/documents/{id}) stays visible to them."""
    doc = queries.document(session, actor, doc_id)
    if doc.status == "rendered" and doc.content is not None:
        if not sees_whole_numbers(actor.role):
            settings = get_settings()
            if disclosure.prints_whole_numbers(session, doc, tz=settings.tz, public_url=settings.public_url):
                raise Forbidden(WHOLE_NUMBERS_REFUSED)
        return doc
    if doc.status == "failed":
        raise DocumentNotReady("文书生成失败，已记录原因，请联系管理员处理后重新生成", status=doc.status)
    raise DocumentNotReady("文书正在生成，请稍后再试", status=doc.status)


@dataclass(frozen=True, slots=True)
class Verification:
    kind: str
    case_no: str
    date: date


def verify(session: Session, code: str) -> Verification:
    """Who holds a code from a document's QR (or the SHA-256 of its PDF) learns only its kind, case
    number and date — nothing about the parties. Unknown codes are 404."""
    code = code.strip().lower()
    if not _HEX64.match(code):
        raise NotVisible("未找到与该核验码对应的文书")
    row = session.exec(
        select(Document.kind, Document.created_at, Case.case_no)
        .join(Case, col(Case.id) == Document.case_id)
        .where(Document.status == "rendered", (Document.verify_code == code) | (Document.sha256 == code))
    ).first()
    if row is None:
        raise NotVisible("未找到与该核验码对应的文书")
    kind, created_at, case_no = row
    return Verification(kind=kind, case_no=case_no, date=created_at.astimezone(get_settings().tz).date())
