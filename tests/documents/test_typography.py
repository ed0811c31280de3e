"""Typography that never lies: a character the document fonts cannot draw is refused by name before
rendering (WeasyPrint would draw an empty box and pdftotext would still read the character back)."""

import unicodedata

import pytest

from documents import fonts
from documents.amounts import in_capitals, in_figures
from documents.qr import qr_png_data_uri
from documents.render import render_html


def test_the_document_faces_are_the_noto_cjk_sc_fonts_installed():
    found = {(f.family, f.style): f for f in fonts.faces()}
    assert set(found) == set(fonts.FACES)
    assert all(f.path.name.startswith("Noto") and f.path.exists() for f in found.values())


@pytest.mark.parametrize("name", ["王堃", "陈赟喆", "刘䶮", "𠮷"])
def test_rare_names_are_covered_by_every_document_face(name):
    fonts.check_text(name)  # does not raise
    assert all(ord(c) in fonts.coverage() for c in name)


@pytest.mark.parametrize("char", ["\ue000", "\U000f0000", "\u0378", "\U0003134a"])
def test_a_character_no_document_font_has_is_refused_by_name(char):
    # private use (BMP and plane 15), unassigned U+0378, and a CJK Ext-G ideograph Noto CJK lacks
    assert ord(char) not in fonts.coverage()
    with pytest.raises(fonts.UndrawableCharacter) as e:
        fonts.check_text(f"张{char}三", "parties[0].name")
    msg = str(e.value)
    assert f"U+{ord(char):04X}" in msg and "parties[0].name" in msg and "空框" in msg
    assert e.value.char == char


def test_render_html_refuses_the_context_before_any_template_is_rendered():
    ctx = {"parties": [{"name": "王堃"}, {"name": "李\ue000四"}]}
    with pytest.raises(fonts.UndrawableCharacter) as e:
        render_html("mediation_agreement", ctx)
    assert "U+E000" in str(e.value) and "parties[1].name" in str(e.value)


def test_an_ext_b_ideograph_outside_noto_cjk_is_refused_too():
    # Noto CJK covers only part of Ext-B: find one it lacks and check it is refused, named.
    missing = next(
        c for c in range(0x20000, 0x2A6E0) if c not in fonts.coverage() and unicodedata.category(chr(c)) == "Lo"
    )
    with pytest.raises(fonts.UndrawableCharacter, match=f"U\\+{missing:04X}"):
        fonts.check_text(chr(missing))


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("85000", "人民币捌万伍仟元整"),
        ("85000.00", "人民币捌万伍仟元整"),
        ("12345.67", "人民币壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("1000001.01", "人民币壹佰万零壹元零壹分"),
        ("10", "人民币壹拾元整"),
        ("0", "人民币零元整"),
        ("8500.50", "人民币捌仟伍佰元伍角整"),  # 整 after 角 too: every amount without 分 ends alike
        ("100.05", "人民币壹佰元零伍分"),
        ("0.30", "人民币叁角整"),
        ("101000", "人民币壹拾万壹仟元整"),
    ],
)
def test_amounts_in_capitals(amount, capitals):
    assert in_capitals(amount) == capitals


def test_amounts_in_figures():
    assert in_figures("85000") == "人民币 85,000.00 元"


def test_the_qr_code_is_a_png_that_decodes_to_the_verification_url():
    import base64
    import io

    import zxingcpp
    from PIL import Image

    url = "http://127.0.0.1:8000/api/v1/documents/verify/" + "a" * 64
    uri = qr_png_data_uri(url)
    assert uri.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    # one pixel per module plus the quiet zone: the PDF scales it up without smoothing
    codes = zxingcpp.read_barcodes(image.resize((image.width * 8, image.height * 8), Image.NEAREST))
    assert [c.text for c in codes] == [url]
