"""Each document kind rendered for real (WeasyPrint → PDF → pyHanko signature), read back with
poppler: every item the law lists is in the text, amounts in capitals included; fonts embedded and
subset; page count, header and footer. Rendered once per module (a CJK render is ~0.3 s)."""

import re
from datetime import timedelta

import pytest
from sqlmodel import Session

from documents.signing import CA_CERT, validate
from models.settings import get_settings
from states.enums import State, Trigger
from tests.conftest import _clean
from tests.documents.support import (
    PARTIES,
    Rendered,
    agreement_case,
    documents_of,
    flat,
    keys_dir,
    page_png,
    pdf_tool,
    pdftotext,
    rendered,
)
from tests.factories import ID_A, ID_B, T0, USCC_A, actor, make_case
from workflows.engine import fire
from workflows.outbox.documents import render_pending


@pytest.fixture(scope="module")
def docs(sqlite_engine) -> dict[str, Rendered]:
    _clean(sqlite_engine)
    with Session(sqlite_engine, expire_on_commit=False) as s:
        agreed = agreement_case(s)
        failed = make_case(
            s, state=State.MEDIATION, dispute_type="labour", parties=PARTIES[:2], now=T0 + timedelta(minutes=5)
        )
        failed = fire(
            s,
            case_id=failed.id,
            trigger=Trigger.FAIL,
            actor=actor(s, "mediator1"),
            payload={"reason": "被申请人明确拒绝继续调解"},
            now=T0 + timedelta(hours=5),
        )
        report = render_pending(s)
        assert report.failed == [], report.failed
        by_case = documents_of(s, agreed.id)
        out = {k: rendered(d) for k, d in by_case.items()}
        out["termination_notice"] = rendered(documents_of(s, failed.id)["termination_notice"])
        for r in out.values():
            r.case_no = agreed.case_no if r.doc.case_id == agreed.id else failed.case_no
            r.public_code = (agreed if r.doc.case_id == agreed.id else failed).public_code
            r.portal_url = f"{get_settings().portal_base_url}/p/c/{r.public_code}"
    _clean(sqlite_engine)
    return out


def test_every_kind_is_produced_by_its_transition(docs):
    assert set(docs) == {
        "intake_receipt",
        "acceptance_notice",
        "mediation_agreement",
        "confirmation_application",
        "termination_notice",
    }


def test_the_mediation_agreement_carries_everything_the_law_lists(docs):
    t = docs["mediation_agreement"].flat
    for item in (
        "人民调解协议书",
        docs["mediation_agreement"].case_no,
        "北山街道人民调解委员会",
        "王丽",  # organization and mediator
        # each party: role, name, full identity number or credit code, address, phone
        "申请人",
        "王堃",
        ID_A,
        "杭州市西湖区北山街道宝石一弄1号",
        "13812345678",
        "被申请人",
        "陈赟喆",
        ID_B,
        "杭州市西湖区学院路刘䶮巷2号",
        "13987654321",
        "第三人",
        "杭州𠮷野家餐饮有限公司",
        "统一社会信用代码",
        USCC_A,
        "法定代表人（未提供）",  # a company shows who represents it
        "057188886666",
        # facts, disputed matters, liability
        "陈赟喆承租王堃位于宝石一弄1号的房屋",
        "楼上漏水导致楼下天花板受损",
        "对拖欠租金承担全部责任",
        # obligations: obligor, obligee, what, amount in figures and capitals, due date, place
        "陈赟喆（义务人）向王堃（权利人）支付拖欠的房屋租金",
        "人民币85,000.00元",
        "人民币捌万伍仟元整",
        "最迟于2026年12月31日履行完毕",  # the due date is the last day
        "履行地点：北山街道人民调解委员会",
        "杭州𠮷野家餐饮有限公司（义务人）向王堃（权利人）赔偿装修损失",
        "人民币壹万贰仟叁佰肆拾伍元陆角柒分",
        "最迟于2027年1月15日履行完毕",
        "王堃（义务人）向陈赟喆（权利人）退还房屋押金条原件",
        "本协议生效后即时履行",
        "合计人民币97,345.67元（大写：人民币玖万柒仟叁佰肆拾伍元陆角柒分）",
        # the effective clause, the confirmation notice, signature / fingerprint / seal blocks
        "人民调解员签名并加盖北山街道人民调解委员会印章之日起生效",
        "第二十九条",
        "可以自本协议生效之日起三十日内共同向有管辖权的人民法院申请司法确认",
        "第三十三条",
        "签名（盖章）",
        "按指印",
        "人民调解员：王丽",
        "（盖章）",
        "协议达成日期：2026年11月2日",
        "本协议一式四份，申请人、被申请人、第三人各执一份",
        "（以下无正文）",
    ):
        assert flat(item) in t, item
    assert "M-0001" not in t and "编号M" not in t  # no mediator code


def test_the_confirmation_application_names_applicants_court_jurisdiction_date_and_materials(docs):
    t = docs["confirmation_application"].flat
    for item in (
        "司法确认申请书",
        "申请人",
        "王堃",
        ID_A,
        "陈赟喆",
        ID_B,
        "杭州市西湖区人民法院",
        "第二百零五条第（二）项",
        # the grounds the court was actually competent on (the parties' domiciles are in Beijing)
        "杭州市西湖区人民法院系标的物所在地、调解组织所在地的基层人民法院",
        "《人民调解协议书》（编号（2026）330106调0001号）",
        "自2026年11月2日起生效",
        "人民币捌万伍仟元整",
        "附送材料",
        "《人民调解协议书》",
        "主持调解的证明材料",
        "身份证明",
        "财产权利证明",
        "授权委托书",
        "此致",
    ):
        assert flat(item) in t, item


def test_the_termination_notice_says_why_and_which_routes_remain(docs):
    t = docs["termination_notice"].flat
    for item in (
        "终止调解告知书",
        "被申请人明确拒绝继续调解",
        "第二十六条",
        "劳动争议",
        "劳动人事争议仲裁委员会",
        "劳动争议须先经仲裁",
        "行政机关依法处理",
        "人民法院提起诉讼",
        "劳动争议申请仲裁的时效期间为一年",  # the labour time bar, not the civil one
        "劳动争议调解仲裁法第27条",
    ):
        assert flat(item) in t, item
    assert "诉讼时效期间为三年" not in t


def test_the_acceptance_notice_names_the_body_and_its_clock(docs):
    t = docs["acceptance_notice"].flat
    # divert at 2026-11-02 11:00 (Mon) + 3 working days → Thursday 2026-11-05, due 24:00
    for item in (
        "案件分流受理告知书",
        "北山街道人民调解委员会",
        "3个工作日",
        "2026年11月5日24时前",
        "2026-11-0600:00",
        "不是法律规定的期限",
        "西湖区社会治理中心",
    ):
        assert flat(item) in t, item
    for internal in ("可配置", "按本中心规则", "常驻", "在办", "CN-ZJ-", "window1"):
        assert internal not in t, internal


@pytest.mark.parametrize(
    "kind",
    ["mediation_agreement", "confirmation_application", "termination_notice", "acceptance_notice", "intake_receipt"],
)
def test_fonts_are_embedded_subset_noto_cjk_only(docs, kind):
    rows = pdf_tool("pdffonts", docs[kind].pdf).splitlines()[2:]
    assert rows
    for row in rows:
        cols = row.split()
        name, emb, sub = cols[0], cols[-5], cols[-4]
        assert re.match(r"^[A-Z]{6}\+Noto-(Serif-CJK-SC|Serif-CJK-SC-Bold)$", name), row  # the two faces, no fallback
        assert (emb, sub) == ("yes", "yes"), row


@pytest.mark.parametrize(
    "kind",
    ["mediation_agreement", "confirmation_application", "termination_notice", "acceptance_notice", "intake_receipt"],
)
def test_every_page_has_the_case_number_in_the_header_and_page_n_of_m_in_the_footer(docs, kind):
    r = docs[kind]
    assert r.pages >= (2 if kind == "mediation_agreement" else 1)
    for n in range(1, r.pages + 1):
        page = flat(pdftotext(r.pdf, "-f", str(n), "-l", str(n)))
        assert f"第{n}页/共{r.pages}页" in page
        assert flat(f"编号：{r.case_no}") in page  # a mediation case has a 编号, not a court's 案号
        assert "案号" not in page


def test_the_rare_names_are_drawn_by_the_document_fonts(docs):
    # the coverage check let them through (it refuses what the fonts lack), pdffonts shows no
    # fallback face, and the text layer carries the characters themselves
    for name in ("王堃", "陈赟喆", "刘䶮", "𠮷"):
        assert name in docs["mediation_agreement"].flat


def test_each_document_carries_a_verification_qr_code_and_link(docs):
    for r in docs.values():
        assert r.doc.verify_code and f"/api/v1/documents/verify/{r.doc.verify_code}" in r.flat


def test_the_qr_code_printed_on_the_page_scans_to_the_verification_url(docs):
    import zxingcpp
    from PIL import Image

    from models.settings import get_settings

    for r in docs.values():
        # rasterize every page as a printer would, and scan it (the closing block may start a page of its own)
        urls = []
        for page in range(1, r.pages + 1):
            codes = zxingcpp.read_barcodes(Image.open(page_png(r.pdf, page, dpi=150)))
            urls += [c.text for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode]
        url = get_settings().public_url.rstrip("/") + f"/api/v1/documents/verify/{r.doc.verify_code}"
        # the receipt and the acceptance notice also print the case's code (一案一码) for the party's portal
        expected = [url] + ([r.portal_url] if r.doc.kind in ("intake_receipt", "acceptance_notice") else [])
        assert sorted(urls) == sorted(expected), (r.doc.kind, urls)


def test_the_receipt_and_the_acceptance_notice_print_the_case_code_for_the_portal(docs):
    for kind in ("intake_receipt", "acceptance_notice"):
        r = docs[kind]
        code = r.public_code
        assert code and flat(f"案件查询码：{code[:4]} {code[4:]}") in r.flat, kind
        assert flat(f"/p/c/{code}") in r.flat, kind
    for kind in ("mediation_agreement", "confirmation_application", "termination_notice"):
        assert "案件查询码" not in docs[kind].flat, kind


def test_the_signature_validates_with_pyhanko_and_fails_after_one_changed_byte(docs):
    pdf = docs["mediation_agreement"].pdf
    ca = keys_dir() / CA_CERT
    ok = validate(pdf, ca)
    assert ok.intact and ok.valid and ok.trusted and ok.bottom_line, ok.summary
    assert "北山街道人民调解委员会" in ok.signer
    # change one byte inside the signed range (a content stream, well before the signature)
    at = len(pdf) // 3
    tampered = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    try:
        bad = validate(tampered, ca)
    except Exception:  # noqa: BLE001 - a validator that cannot even parse it has refused it too
        return
    assert not bad.bottom_line and not bad.intact
