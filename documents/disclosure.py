"""Whether a document prints an identity number or a phone whole: what decides if a role that sees them
masked (models.privacy) may download it.

The document is judged on what it prints — its HTML, rendered again from the same sources as its PDF,
stripped to the text — against the numbers of its case (the parties' identity numbers and phones, the
agents' identity numbers, a landline as stored) and anything shaped like a 居民身份证号 or a mobile
number typed into its free text. The agreement and the application print the parties whole; a notice
prints them only when someone typed one into the summary or a reason.
"""

from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from documents import context, render
from models.privacy import holds_whole_numbers
from models.tables import Case, Document, Party


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def printed_text(html: str) -> str:
    """The text a page shows: its text nodes, never its attributes (a QR code's data URI, a link)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.chunks)


def _case_numbers(session: Session, case_id: Any) -> set[str]:
    numbers = set()
    for p in session.exec(select(Party).where(Party.case_id == case_id)):
        numbers |= {n for n in (p.id_number, p.phone) if n}
    case = session.get(Case, case_id)
    for application in ((case.confirmation if case else None) or {}).get("applications") or []:
        numbers |= {a["id_number"] for a in application.get("agents") or [] if a.get("id_number")}
    return numbers


def prints_whole_numbers(session: Session, doc: Document, *, tz: ZoneInfo, public_url: str) -> bool:
    """Whether `doc` prints a whole identity number or phone. A document whose sources are gone is
    taken to print them (context.DocumentSourceMissing): refusing is the safe answer."""
    try:
        html = render.render_html(doc.kind, context.build(session, doc, tz=tz, public_url=public_url))
    except context.DocumentSourceMissing:
        return True
    text = printed_text(html)
    return holds_whole_numbers(text) or any(n in text for n in _case_numbers(session, doc.case_id))
