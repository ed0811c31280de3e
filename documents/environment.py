"""What PDF rendering needs from the machine: a CJK font and HarfBuzz subsetting.

Without libharfbuzz-subset WeasyPrint falls back to fontTools and one render of a CJK document
takes ~10 s instead of ~0.2 s; without a CJK font every Chinese character is an empty box.
"""

import ctypes
import ctypes.util
import shutil
import subprocess
from dataclasses import dataclass

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    remedy: str = ""


def harfbuzz_subset() -> Check:
    lib = ctypes.util.find_library("harfbuzz-subset")
    if lib:
        try:
            ctypes.CDLL(lib)
        except OSError as e:
            return Check(
                "HarfBuzz subsetting", False, f"{lib} does not load: {e}", "apt-get install libharfbuzz-subset0"
            )
        return Check("HarfBuzz subsetting", True, lib)
    return Check(
        "HarfBuzz subsetting",
        False,
        "libharfbuzz-subset not found (PDFs would take ~10 s each)",
        "apt-get install libharfbuzz-subset0",
    )


def cjk_font() -> Check:
    if shutil.which("fc-list") is None:
        return Check("CJK font", False, "fontconfig (fc-list) not found", "apt-get install fontconfig fonts-noto-cjk")
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    families = {f.strip() for line in out.splitlines() for f in line.split(",")}
    found = [f for f in CJK_FAMILIES if f in families]
    if found:
        return Check("CJK font", True, ", ".join(found))
    return Check("CJK font", False, f"none of {', '.join(CJK_FAMILIES)} installed", "apt-get install fonts-noto-cjk")


def pango() -> Check:
    lib = ctypes.util.find_library("pango-1.0")
    if lib:
        return Check("Pango", True, lib)
    return Check(
        "Pango",
        False,
        "libpango not found (WeasyPrint cannot render)",
        "apt-get install libpango-1.0-0 libpangoft2-1.0-0",
    )


def poppler() -> Check:
    missing = [t for t in ("pdftotext", "pdffonts") if shutil.which(t) is None]
    if missing:
        return Check("poppler-utils", False, f"missing {', '.join(missing)}", "apt-get install poppler-utils")
    return Check("poppler-utils", True, "pdftotext, pdffonts")


def font_embedding() -> Check:
    """Which code embeds the fonts: jiefen's (one HarfBuzz pass, the font file read once per process)
    or WeasyPrint's own (documents/fontembed.py). Either gives the same pages; jiefen's is ~0.1 s faster
    per document, so its absence is reported, not refused."""
    from documents import fontembed

    reason = fontembed.unavailable_reason()
    if reason is None:
        return Check("font embedding", True, "jiefen single-pass subsetting (documents/fontembed.py)")
    return Check("font embedding", True, f"WeasyPrint's own (~0.1 s more per document): {reason}")


def checks() -> list[Check]:
    return [pango(), harfbuzz_subset(), cjk_font(), document_fonts(), font_embedding(), poppler()]


def rendering_missing() -> list[Check]:
    """What `jiefen serve` refuses to start without: Pango, HarfBuzz subsetting, the CJK fonts the
    documents name (poppler is only for tests and `doctor`)."""
    return [c for c in (pango(), harfbuzz_subset(), cjk_font(), document_fonts()) if not c.ok]


def document_fonts() -> Check:
    """Both document families resolve to a real Noto CJK face (not a fontconfig substitute)."""
    from documents.fonts import FontMissing, faces

    try:
        found = faces()
    except (FontMissing, OSError, ValueError) as e:
        return Check("document fonts", False, str(e), "apt-get install fonts-noto-cjk")
    return Check("document fonts", True, ", ".join(sorted({f"{f.family} ({f.path.name})" for f in found})))
