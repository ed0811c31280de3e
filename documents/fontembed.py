"""Embedding Noto CJK in a PDF for ~0.1 s less per document than WeasyPrint's own code, with the same pages.

WeasyPrint copies a whole font collection (26 MB) into Python bytes for every font of every document,
subsets each font twice, and keeps vertical metrics a horizontally set document never uses. Here a
large font file is copied once per process (`shared_face_data`), each font is subset in one HarfBuzz
pass that gives the same font (`single_pass_subset`), and vhea/vmtx/VORG are dropped (PDF viewers take
vertical metrics from the CIDFont's /W2). tests/bench/test_document_render.py has the measurements.

`install()` puts these in place only where WeasyPrint has the shape they were written against (HarfBuzz
subsetting, `Font.subset(self, to_unicode, hinting)`, the module-level `get_hb_object_data`); elsewhere
WeasyPrint's own code stays, and `installed()` and `jiefen doctor` say so. tests/documents/test_fontembed.py
checks the pages are the same: byte for byte with WeasyPrint's own table list, pixel for pixel with ours.
"""

import inspect
import logging
import threading
from collections import OrderedDict
from typing import Any

log = logging.getLogger("jiefen.documents")

# The tables WeasyPrint drops from embedded fonts (weasyprint/pdf/fonts.py, _harfbuzz_subset) ...
WEASYPRINT_DROP_TABLES = (
    b"BASE",
    b"DSIG",
    b"EBDT",
    b"EBLC",
    b"EBSC",
    b"GPOS",
    b"GSUB",
    b"JSTF",
    b"LTSH",
    b"PCLT",
    b"SVG ",
)
# ... and the vertical metrics a horizontally set document never uses.
VERTICAL_METRICS = (b"vhea", b"vmtx", b"VORG")
DROP_TABLES = WEASYPRINT_DROP_TABLES + VERTICAL_METRICS

# Font files this large are copied once per process, not once per document (Noto CJK: 19–27 MB).
SHARE_FACE_DATA_FROM = 4 * 1024 * 1024
SHARED_FILES = 8  # at most this many font files held (the documents use two)

_stock: dict[str, Any] = {}  # WeasyPrint's own Font.subset and get_hb_object_data, to restore
_shared: "OrderedDict[tuple[int, int], tuple[Any, bytes]]" = OrderedDict()
_shared_lock = threading.Lock()


def single_pass_subset(font: Any, to_unicode: dict[int, Any], hinting: bool) -> None:
    """Subset `font.file_content` to the glyphs in `to_unicode` (glyph id → text), ids kept."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

    if not to_unicode:
        return
    subset_input = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy)
    glyphs = sorted(to_unicode)
    glyph_set = harfbuzz_subset.hb_subset_input_glyph_set(subset_input)
    harfbuzz.hb_set_add_sorted_array(glyph_set, ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs), len(glyphs))

    flags = (
        harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS
        | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
    )
    if not hinting:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    if font.missing:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, flags)

    tags = sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in DROP_TABLES)
    drop = harfbuzz_subset.hb_subset_input_set(subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG)
    harfbuzz.hb_set_add_sorted_array(drop, ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags))

    face = ffi.gc(harfbuzz_subset.hb_subset_or_fail(font.hb_face, subset_input), harfbuzz.hb_face_destroy)
    content = _stock["get_hb_object_data"](face) if face != ffi.NULL else None
    if content:
        font.file_content = content
        return
    log.warning("HarfBuzz could not subset %s; WeasyPrint's own subsetting takes over", font.family)
    _stock["subset"](font, to_unicode, hinting)


def shared_face_data(hb_object: Any, ot_color: str | None = None, glyph: Any = None) -> bytes | None:
    """WeasyPrint's get_hb_object_data, except that the bytes of a large font file are copied once per
    process and shared (bytes are immutable; WeasyPrint replaces a font's content, never edits it).

    The cache holds a reference to each file's HarfBuzz blob, so the memory a key's address names
    cannot be freed and reused for other data while the key is in the cache."""
    from weasyprint.text.ffi import ffi, harfbuzz

    if ot_color is not None or glyph is not None:
        return _stock["get_hb_object_data"](hb_object, ot_color, glyph)
    blob = harfbuzz.hb_face_reference_blob(hb_object)
    length = ffi.new("unsigned int *")
    data = harfbuzz.hb_blob_get_data(blob, length)
    if data == ffi.NULL or length[0] < SHARE_FACE_DATA_FROM:
        harfbuzz.hb_blob_destroy(blob)
        return _stock["get_hb_object_data"](hb_object)
    key = (int(ffi.cast("uintptr_t", data)), int(length[0]))
    with _shared_lock:
        hit = _shared.get(key)
        if hit is not None:
            _shared.move_to_end(key)
            harfbuzz.hb_blob_destroy(blob)
            return hit[1]
        content = ffi.unpack(data, key[1])
        _shared[key] = (blob, content)  # the blob reference is released on eviction
        while len(_shared) > SHARED_FILES:
            _, (old_blob, _) = _shared.popitem(last=False)
            harfbuzz.hb_blob_destroy(old_blob)
        return content


def release_shared() -> None:
    """Drop the shared font file copies (they are made again on the next render)."""
    from weasyprint.text.ffi import harfbuzz

    with _shared_lock:
        while _shared:
            _, (blob, _) = _shared.popitem()
            harfbuzz.hb_blob_destroy(blob)


def unavailable_reason() -> str | None:
    """Why these cannot stand in for WeasyPrint's own code here, or None."""
    try:
        from weasyprint.pdf import fonts
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    except ImportError as exc:  # pragma: no cover - WeasyPrint is a dependency
        return f"WeasyPrint not importable: {exc}"
    if harfbuzz_subset is None or not harfbuzz.hb_version_atleast(4, 1, 0):
        return "HarfBuzz subsetting (libharfbuzz-subset0 ≥ 4.1) is not available"
    subset = _stock.get("subset", fonts.Font.subset)
    if list(inspect.signature(subset).parameters) != ["self", "to_unicode", "hinting"]:
        return f"weasyprint Font.subset has a signature this was not written for: {inspect.signature(subset)}"
    data = _stock.get("get_hb_object_data", getattr(fonts, "get_hb_object_data", None))
    if data is None or list(inspect.signature(data).parameters) != ["hb_object", "ot_color", "glyph"]:
        return "weasyprint.pdf.fonts.get_hb_object_data is not the function this was written for"
    return None


def install() -> bool:
    """Put the cheaper embedding in place for every PDF this process renders; True if it is."""
    from weasyprint.pdf import fonts

    if installed():
        return True
    reason = unavailable_reason()
    if reason:
        log.warning("jiefen font embedding not installed, WeasyPrint's own is used: %s", reason)
        return False
    _stock.setdefault("subset", fonts.Font.subset)
    _stock.setdefault("get_hb_object_data", fonts.get_hb_object_data)
    fonts.Font.subset = single_pass_subset
    fonts.get_hb_object_data = shared_face_data
    return True


def uninstall() -> None:
    """WeasyPrint's own font embedding again (the tests compare both)."""
    from weasyprint.pdf import fonts

    if _stock:
        fonts.Font.subset = _stock["subset"]
        fonts.get_hb_object_data = _stock["get_hb_object_data"]


def installed() -> bool:
    from weasyprint.pdf import fonts

    return fonts.Font.subset is single_pass_subset and fonts.get_hb_object_data is shared_face_data
