"""The API documentation: Swagger UI from the app's own files (never a CDN), its init script allowed by its
hash; off in production unless JIEFEN_API_DOCS=true; ReDoc never served."""

import base64
import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.app import create_app
from models.settings import get_settings


def client_for(engine: Engine, **settings: object) -> TestClient:
    return TestClient(create_app(get_settings().model_copy(update=settings), engine=engine))


@pytest.fixture
def production(engine: Engine) -> Iterator[TestClient]:
    with client_for(engine, env="production") as c:
        yield c


def test_docs_load_swagger_ui_from_the_app_itself(client: TestClient):
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
    assert "cdn" not in page.text.lower() and "//" not in "".join(sources)
    for src in sources:
        asset = client.get(src)
        assert asset.status_code == 200 and len(asset.content) > 1000, src
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in bundle.text and "javascript" in bundle.headers["content-type"]
    assert client.get("/openapi.json").json()["info"]["title"] == "解纷 jiefen"


def test_the_docs_csp_allows_exactly_its_own_init_script(client: TestClient):
    page = client.get("/docs")
    inline = re.findall(r"<script>(.*?)</script>", page.text, flags=re.DOTALL)
    assert len(inline) == 1 and "SwaggerUIBundle(" in inline[0]
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    csp = page.headers["content-security-policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert page.headers["cache-control"] == "no-store"
    assert "validatorUrl" in inline[0] and "null" in inline[0]  # no call to validator.swagger.io


def test_redoc_is_not_served(client: TestClient):
    assert client.get("/redoc").status_code == 404


def test_production_serves_no_documentation(production: TestClient):
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/assets/swagger-ui-bundle.js"):
        assert production.get(path).status_code == 404, path
    assert production.get("/healthz").status_code == 200


def test_production_serves_it_when_asked(engine: Engine):
    with client_for(engine, env="production", api_docs=True) as c:
        assert c.get("/docs").status_code == 200
        assert c.get("/openapi.json").status_code == 200
        assert c.get("/redoc").status_code == 404


def test_development_can_turn_it_off(engine: Engine):
    with client_for(engine, env="development", api_docs=False) as c:
        assert c.get("/docs").status_code == 404 and c.get("/openapi.json").status_code == 404
