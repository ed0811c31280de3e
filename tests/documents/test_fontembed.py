"""documents/fontembed.py: jiefen's font embedding gives the pages WeasyPrint's own gives.

With WeasyPrint's own table list the single pass is byte for byte WeasyPrint's two; with the vertical
metrics dropped too, every page rasterizes (poppler) to the very same pixels. The font file is copied
once per process and shared."""

import pytest
from PIL import Image, ImageChops
from sqlmodel import Session

from documents import context as doc_context, fontembed, fonts
from documents.render import render_html, render_pdf
from models.settings import get_settings
from tests.conftest import _clean
from tests.documents.support import agreement_case, documents_of, flat, page_count, page_png, pdf_tool, pdftotext

HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>t</title></head><body>
<h1>人民调解协议书</h1><p>申请人王堃、被申请人陈赟喆、第三人刘䶮与杭州𠮷野家餐饮有限公司，
金额人民币捌万伍仟元整（85,000.00元）。ABC abc 0123456789，。；：“”（）</p></body></html>"""


@pytest.fixture(scope="module")
def agreement_html(sqlite_engine) -> str:
    """The mediation agreement of a case walked through the engine: tables, bold face, QR code."""
    _clean(sqlite_engine)
    settings = get_settings()
    with Session(sqlite_engine, expire_on_commit=False) as s:
        doc = documents_of(s, agreement_case(s).id)["mediation_agreement"]
        ctx = doc_context.build(s, doc, tz=settings.tz, public_url=settings.public_url)
    _clean(sqlite_engine)
    return render_html("mediation_agreement", ctx)


@pytest.fixture()
def weasyprint_embedding():
    """WeasyPrint's own font embedding for the test; jiefen's again afterwards."""
    render_pdf(HTML)  # documents/render.py installs jiefen's on first use
    assert fontembed.installed()
    fontembed.uninstall()
    assert not fontembed.installed()
    yield
    assert fontembed.install()


def pages_differ(a: bytes, b: bytes) -> list[int]:
    assert page_count(a) == page_count(b)
    differ = []
    for page in range(1, page_count(a) + 1):
        pa, pb = (Image.open(page_png(pdf, page, dpi=110)).convert("L") for pdf in (a, b))
        if pa.size != pb.size or ImageChops.difference(pa, pb).getbbox() is not None:
            differ.append(page)
    return differ


def test_render_pdf_uses_jiefens_embedding():
    render_pdf(HTML)
    assert fontembed.installed()


@pytest.mark.parametrize("which", ["rare names", "mediation agreement"])
def test_one_pass_is_byte_for_byte_weasyprints_two(which, agreement_html, weasyprint_embedding, monkeypatch):
    html = HTML if which == "rare names" else agreement_html
    weasyprints = render_pdf(html)
    monkeypatch.setattr(fontembed, "DROP_TABLES", fontembed.WEASYPRINT_DROP_TABLES)
    fontembed.install()
    one_pass = render_pdf(html)
    assert len(weasyprints) > 10_000 and one_pass == weasyprints


def test_without_vertical_metrics_every_page_has_the_same_pixels(agreement_html, weasyprint_embedding):
    weasyprints = render_pdf(agreement_html)
    fontembed.install()
    ours = render_pdf(agreement_html)
    assert ours != weasyprints and len(ours) < len(weasyprints)  # the vertical metrics are gone ...
    assert page_count(ours) >= 3 and pages_differ(ours, weasyprints) == []  # ... and nothing drawn changed
    assert pdftotext(ours) == pdftotext(weasyprints)


def test_a_changed_glyph_is_seen_by_the_pixel_comparison(agreement_html):
    # the comparison above can fail: one character more in the agreement changes a page
    assert pages_differ(render_pdf(agreement_html), render_pdf(agreement_html.replace("王堃", "王堃堃", 1))) != []


def test_the_embedded_fonts_are_subset_noto_serif_cjk_and_draw_the_text():
    pdf = render_pdf(HTML)
    lines = pdf_tool("pdffonts", pdf).splitlines()[2:]
    assert {line.split()[0].split("+", 1)[1] for line in lines} == {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold"}
    assert all(line.split()[-5:-3] == ["yes", "yes"] for line in lines), lines  # embedded, subset
    for text in ("王堃", "陈赟喆", "刘䶮", "𠮷野家", "人民币捌万伍仟元整", "ABCabc0123456789"):
        assert text in flat(pdftotext(pdf))
    # fonts subset to the used glyphs: a small part of the 26–27 MB collections they come from
    assert len(pdf) < 400_000


def test_each_font_file_is_copied_once_per_process_and_shared():
    render_pdf(HTML)
    sizes = {f.path.stat().st_size for f in fonts.faces()}
    held = {key: content for key, (_, content) in fontembed._shared.items()}
    assert {len(c) for c in held.values()} >= sizes  # both document fonts, whole files
    render_pdf(HTML.replace("王堃", "李四"))
    after = {key: content for key, (_, content) in fontembed._shared.items()}
    assert all(after[k] is held[k] for k in held)  # the same bytes objects: no new copies


def test_the_shared_copies_are_bounded_and_evicted_copies_are_made_again(monkeypatch):
    monkeypatch.setattr(fontembed, "SHARED_FILES", 1)
    fontembed.release_shared()
    assert not fontembed._shared
    for _ in range(2):
        pdf = render_pdf(HTML)  # two fonts in turn through a one-file cache
        assert len(fontembed._shared) == 1
        assert "人民币捌万伍仟元整" in flat(pdftotext(pdf))


def test_renders_from_several_threads_give_the_bytes_of_one_render_at_a_time(agreement_html):
    # the API's background tasks and the embedded scheduler's thread may render at the same moment
    from concurrent.futures import ThreadPoolExecutor

    html = [HTML, agreement_html, HTML.replace("王堃", "李四"), agreement_html.replace("王堃", "王堃堃", 1)]
    alone = [render_pdf(h) for h in html]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(render_pdf, html))
    assert together == alone


def test_install_leaves_weasyprint_alone_when_it_is_not_the_code_this_was_written_for(monkeypatch):
    from weasyprint.pdf import fonts as weasy_fonts

    render_pdf(HTML)
    fontembed.uninstall()
    saved = dict(fontembed._stock)
    try:

        def other_subset(self, to_unicode, hinting, extra):  # noqa: ANN001 - a future WeasyPrint's shape
            raise AssertionError("not called")

        monkeypatch.setattr(weasy_fonts.Font, "subset", other_subset)
        fontembed._stock.clear()
        assert "signature" in (fontembed.unavailable_reason() or "")
        assert fontembed.install() is False
        assert weasy_fonts.Font.subset is other_subset and not fontembed.installed()
    finally:
        monkeypatch.undo()
        fontembed._stock.update(saved)
        assert fontembed.install()
