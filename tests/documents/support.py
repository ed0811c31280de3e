"""Real PDFs for the document tests: cases walked through the engine, rendered through the outbox."""

import io
import re
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from models.tables import Case, Document
from states.enums import State, Trigger
from tests.factories import ID_A, ID_B, T0, USCC_A, actor, confirmation_request, make_case
from workflows.engine import fire

RARE_NAMES = ("王堃", "陈赟喆", "刘䶮", "𠮷野家")  # U+5803, U+8D5F/U+5586, U+4DAE (Ext-A), U+20BB7 (Ext-B)

PARTIES = [
    {
        "role": "applicant",
        "kind": "person",
        "name": "王堃",
        "id_number": ID_A,
        "phone": "13812345678",
        "address": "杭州市西湖区北山街道宝石一弄1号",
    },
    {
        "role": "respondent",
        "kind": "person",
        "name": "陈赟喆",
        "id_number": ID_B,
        "phone": "13987654321",
        "address": "杭州市西湖区学院路刘䶮巷2号",
    },
    {
        "role": "third_party",
        "kind": "organization",
        "name": "杭州𠮷野家餐饮有限公司",
        "uscc": USCC_A,
        "phone": "057188886666",
        "address": "杭州市西湖区文三路3号",
    },
]

AGREEMENT = {
    "facts": "2026年9月，陈赟喆承租王堃位于宝石一弄1号的房屋，租期届满后拖欠租金及装修损失。",
    "liability": "陈赟喆对拖欠租金承担全部责任；杭州𠮷野家餐饮有限公司对装修损失承担连带责任。",
    "obligations": [
        {
            "obligor": 1,
            "obligee": 0,
            "description": "支付拖欠的房屋租金",
            "amount": "85000.00",
            "due_date": "2026-12-31",
            "place": "北山街道人民调解委员会",
        },
        {
            "obligor": 2,
            "obligee": 0,
            "description": "赔偿装修损失",
            "amount": "12345.67",
            "due_date": "2027-01-15",
            "place": "王堃指定的银行账户",
        },
        {"obligor": 0, "obligee": 1, "description": "退还房屋押金条原件"},
    ],
}


@dataclass
class Rendered:
    doc: Document
    pdf: bytes
    text: str  # pdftotext output
    flat: str  # the same without any whitespace (CJK lines break anywhere)
    pages: int
    case_no: str
    public_code: str | None = None  # the case's code (一案一码), printed on the receipt and the acceptance notice
    portal_url: str = ""


def pdftotext(pdf: bytes, *extra: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        return subprocess.run(["pdftotext", *extra, f.name, "-"], capture_output=True, text=True, check=True).stdout


def pdf_tool(tool: str, pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        return subprocess.run([tool, f.name], capture_output=True, text=True, check=True).stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_count(pdf: bytes) -> int:
    m = re.search(r"^Pages:\s+(\d+)", pdf_tool("pdfinfo", pdf), re.M)
    assert m
    return int(m.group(1))


def rendered(doc: Document) -> Rendered:
    assert doc.status == "rendered" and doc.content, (doc.kind, doc.status, doc.last_error)
    text = pdftotext(doc.content, "-raw")  # content-stream order: a table cell stays together
    return Rendered(doc, doc.content, text, flat(text), page_count(doc.content), "")


def agreement_case(session: Session, **over: Any) -> Case:
    """A case with rare-character names and three obligations, walked to judicial confirmation."""
    parties = over.pop("parties", PARTIES)
    case = make_case(session, state=State.MEDIATION, parties=parties, **over)
    at = T0 + timedelta(hours=3)
    payload = {**AGREEMENT, "signed_at": (at - timedelta(minutes=10)).isoformat()}
    case = fire(
        session,
        case_id=case.id,
        trigger=Trigger.REACH_AGREEMENT,
        actor=actor(session, "mediator1"),
        payload=payload,
        now=at,
    )
    return fire(
        session,
        case_id=case.id,
        trigger=Trigger.REQUEST_CONFIRMATION,
        actor=actor(session, "mediator1"),
        payload=confirmation_request(applicants=list(range(len(parties)))),  # every party signs
        now=at + timedelta(hours=1),
    )


def documents_of(session: Session, case_id: Any) -> dict[str, Document]:
    session.expire_all()
    rows = session.exec(select(Document).where(Document.case_id == case_id).order_by(Document.created_at)).all()
    return {d.kind: d for d in rows}


def keys_dir() -> Path:
    from models.settings import get_settings

    return Path(get_settings().keys_dir)


def page_png(pdf: bytes, page: int, dpi: int = 150) -> io.BytesIO:
    """One page rasterized by poppler (pdftoppm), as a printer or a phone camera would see it."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "doc.pdf", Path(tmp) / "page"
        src.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(src), str(out)],
            capture_output=True,
            check=True,
        )
        return io.BytesIO(out.with_suffix(".png").read_bytes())
