"""The fonts documents are set in, and what they can draw.

WeasyPrint (through Pango) draws a character no font has as an empty box, silently, and pdftotext
still returns the right character: a text check cannot see the box. So before rendering, every
character is checked against the cmap of the very font files the documents are set in (found with
fontconfig, read with fontTools) and a character they cannot draw is refused by name.
"""

import subprocess
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

# The family the CSS names (documents/static/document.css): everything is set in the serif, regular and
# bold (a third face, a sans for the running header, would cost ~0.05 s of subsetting per document).
SERIF = "Noto Serif CJK SC"
# The faces the stylesheet uses.
FACES = ((SERIF, "Regular"), (SERIF, "Bold"))

# Layout characters that are never drawn as glyphs.
_LAYOUT = frozenset("\n\r\t\u200b\u200c\u200d\ufeff")


class FontMissing(RuntimeError):
    """A font the documents need is not installed."""


class UndrawableCharacter(ValueError):
    """A character the document fonts cannot draw (it would come out as an empty box)."""

    def __init__(self, char: str, where: str = "") -> None:
        self.char = char
        self.where = where
        name = unicodedata.name(char, "未命名字符")
        place = f"（{where}）" if where else ""
        super().__init__(
            f"文书字体（{SERIF}）无法显示字符“{char}”（U+{ord(char):04X} {name}）{place}；"
            "请核对该字符或改用规范汉字，文书不会以空框代替"
        )


@dataclass(frozen=True, slots=True)
class FontFace:
    family: str
    style: str
    path: Path
    index: int  # face index inside a .ttc collection


def _fc_match(family: str, style: str) -> tuple[Path, int, str]:
    out = subprocess.run(
        ["fc-match", "--format=%{file}\n%{index}\n%{family}", f"{family}:style={style}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout.split("\n")
    if len(out) < 3 or not out[0]:
        raise FontMissing(f"字体 {family} {style} 未安装（apt-get install fonts-noto-cjk）")
    return Path(out[0]), int(out[1] or 0), out[2]


@lru_cache(maxsize=1)
def faces() -> tuple[FontFace, ...]:
    """The font files fontconfig hands WeasyPrint for the document families."""
    found = []
    for family, style in FACES:
        path, index, matched = _fc_match(family, style)
        if family not in matched.split(","):
            raise FontMissing(f"字体 {family} 未安装（fontconfig 以 {matched} 代替；apt-get install fonts-noto-cjk）")
        found.append(FontFace(family, style, path, index))
    return tuple(found)


def _cmap(face: FontFace) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(face.path, fontNumber=face.index, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


@lru_cache(maxsize=1)
def coverage() -> frozenset[int]:
    """Code points every document face can draw (the intersection: a character in a heading and in
    the body must both be drawable). Computed once per process (~0.5 s)."""
    sets = [_cmap(f) for f in faces()]
    common = sets[0].intersection(*sets[1:])
    return common | {ord(c) for c in _LAYOUT}


def first_undrawable(text: str) -> str | None:
    cov = coverage()
    for ch in text:
        if ord(ch) not in cov:
            return ch
    return None


def check_text(text: str, where: str = "") -> None:
    ch = first_undrawable(text)
    if ch is not None:
        raise UndrawableCharacter(ch, where)


def check_context(context: Any, where: str = "") -> None:
    """Walk a template context (mappings, sequences, strings) and refuse the first undrawable
    character, naming the field it is in."""
    if isinstance(context, str):
        check_text(context, where)
    elif isinstance(context, Mapping):
        for k, v in context.items():
            check_context(v, f"{where}.{k}" if where else str(k))
    elif isinstance(context, Iterable) and not isinstance(context, (bytes, bytearray)):
        for i, v in enumerate(context):
            check_context(v, f"{where}[{i}]")
