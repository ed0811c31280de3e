"""Pure rendering: render_html(template, context) -> str, render_pdf(html) -> bytes.

Nothing here touches a database. The caller stores the bytes and their SHA-256 and records the
`document_generated` event (workflows/documents_outbox.py).
"""

import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from documents import fonts

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STYLESHEET = HERE / "static" / "document.css"


@lru_cache(maxsize=1)
def _jinja() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,  # a missing item is an error, never a blank in a legal text
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from documents.amounts import in_capitals, in_figures, in_numerals

    env.filters["capitals"] = in_capitals
    env.filters["figures"] = in_figures
    env.filters["numeral"] = in_numerals
    return env


def render_html(template: str, context: dict[str, Any]) -> str:
    """The document as HTML. Refuses (UndrawableCharacter) a context holding a character the
    document fonts cannot draw, naming the character and the field."""
    fonts.check_context(context)
    html = _jinja().get_template(f"{template}.html").render(**context)
    fonts.check_text(html, "模板")  # the fixed wording too
    return html


@lru_cache(maxsize=1)
def _weasy() -> tuple[Any, Any]:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    from documents import fontembed

    fontembed.install()  # the same pages, ~0.1 s sooner per document (documents/fontembed.py)
    font_config = FontConfiguration()
    css = CSS(filename=str(STYLESHEET), font_config=font_config)
    return css, font_config


# One render at a time per process. Every render shares one FontConfiguration (a Pango font map), and
# WeasyPrint does not document it as safe across threads, while the API's background tasks and the
# embedded scheduler's thread may both render. Four threads rendering at once gave the right bytes
# here even without this lock (tests/documents/test_fontembed.py); it stays as a precaution that costs
# nothing measurable: the GIL serializes most of a render anyway, and more renders at once means more
# processes (distributed mode).
_render_lock = threading.Lock()


def render_pdf(html: str) -> bytes:
    """HTML → PDF bytes with WeasyPrint (fonts embedded and subset by HarfBuzz)."""
    from weasyprint import HTML

    with _render_lock:
        css, font_config = _weasy()
        return HTML(string=html, base_url=str(HERE)).write_pdf(stylesheets=[css], font_config=font_config)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
