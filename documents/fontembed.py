"""Embedding Noto CJK in a PDF at a fraction of WeasyPrint's cost, with the same pages.

Measured on this project's three-page agreement, WeasyPrint 70 spent ~0.11 s of a ~0.38 s render on
its two embedded fonts (Noto Serif CJK SC regular and bold, CFF, 65,535 glyphs each, in 26–27 MB
collections), in three places:

1. It copies the whole font collection into Python bytes for every font of every document
   (`Font.__init__`: ~19 ms per face), to throw the copy away once the font is subset.
   `shared_face_data` keeps one copy per font file per process (large files only) instead.
2. It subsets each font twice: once keeping the used glyph ids (RETAIN_GIDS), then again on that
   result, keeping every id up to the highest one used and dropping hints. With RETAIN_GIDS the first
   result already ends at the highest used glyph, so one pass with the second pass's flags is the
   same font, byte for byte: 16 + 28 ms per face became 19 ms (`single_pass_subset`).
3. It keeps the vertical metrics (vmtx, vhea, VORG: a 4-byte entry for each of ~63,000 retained glyph
   ids, a third of the subset font) that a horizontally set document never uses: PDF viewers take
   vertical metrics from the CIDFont's /W2, not from the embedded font. Dropping them takes ~5 ms of
   subsetting and ~6 ms of level-9 compression off each face.

`install()` puts these in place once, and only where WeasyPrint has the shape they were written
against (HarfBuzz subsetting, `Font.subset(self, to_unicode, hinting)`, the module-level
`get_hb_object_data`); anywhere else WeasyPrint's own code stays, `installed()` says so and
`jiefen doctor` reports it. tests/documents/test_fontembed.py renders with and without them: with
WeasyPrint's own table list the PDF is byte for byte the same, with ours every page rasterizes to the
same pixels.
"""

import inspect
import logging
import threading
from collections import OrderedDict
from typing import Any

log = logging.getLogger("jiefen.documents")

# The tables WeasyPrint drops from embedded fonts (weasyprint/pdf/fonts.py, _harfbuzz_subset) ...
WEASYPRINT_DROP_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT",
                          b"SVG ")
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

    flags = (harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS
             | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
             | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE)
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
