"""The API documentation: Swagger UI at /docs and the OpenAPI document at /openapi.json.

Swagger UI's files are served by the app itself from the `fastapi-offline` package (which ships the
swagger-ui dist files, Apache-2.0), never from a CDN; the page's own init script is allowed by its hash.
ReDoc is not served: its bundle needs inline styles and blob: workers, which the CSP refuses, and Swagger UI
documents the same API. In production the documentation is off unless JIEFEN_API_DOCS=true."""

import base64
import hashlib
import re
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
OPENAPI_URL = "/openapi.json"
ASSETS_URL = "/docs/assets"
ASSETS_DIR = files("fastapi_offline") / "static"
# validatorUrl None: Swagger UI would otherwise send the OpenAPI document to validator.swagger.io.
PARAMETERS = {"validatorUrl": None}


def _docs_page(title: str) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title=f"{title} · API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        oauth2_redirect_url=None,
        swagger_ui_parameters=PARAMETERS,
    )
    body = bytes(page.body)
    inline = re.findall(rb"<script>(.*?)</script>", body, flags=re.DOTALL)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in inline)
    # The site's CSP, plus the init script by its hash and the data: images Swagger UI's stylesheet uses.
    csp = (
        f"default-src 'self'; script-src 'self' {hashes}; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )
    return HTMLResponse(body, headers={"Content-Security-Policy": csp})


def install(app: FastAPI) -> None:
    """The /docs page and its assets (the app was made with openapi_url=OPENAPI_URL, docs_url=None)."""
    page = _docs_page(app.title)
    app.mount(ASSETS_URL, StaticFiles(directory=str(ASSETS_DIR)), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page.body, headers={"Content-Security-Policy": page.headers["content-security-policy"]})


__all__ = ["ASSETS_URL", "DOCS_URL", "OPENAPI_URL", "install"]
