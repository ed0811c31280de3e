"""Security headers on every response: CSP without inline script, no framing, nosniff, a referrer policy,
no-store on whatever may hold personal data (static files may be cached), HSTS and Secure cookies only
over TLS; and pages that keep working under that CSP (no inline script, handler or style)."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.middleware import CSP, PDF_CSP
from api.web.session import COOKIE, LOGIN_CSRF
from models.settings import get_settings
from tests.api.conftest import demo_password
from tests.api.rendering import with_renderer
from tests.api.steps import case_in
from tests.api.test_web_routes import web_login

ALWAYS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def assert_security_headers(r, *, cache: str | None = "no-store") -> None:
    for name, value in ALWAYS.items():
        assert r.headers.get(name) == value, (r.request.url, name, r.headers.get(name))
    assert r.headers.get("cache-control") == cache, (r.request.url, r.headers.get("cache-control"))
    assert "strict-transport-security" not in r.headers  # plain HTTP


@pytest.fixture
def https(app) -> Iterator[TestClient]:
    """A client whose requests arrive over TLS (the scheme uvicorn sets from a trusted X-Forwarded-Proto)."""
    with TestClient(app, base_url="https://testserver") as c:
        yield c


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/login", 200),
        ("GET", "/cases", 303),  # to the login page
        ("GET", "/api/v1/cases", 401),
        ("POST", "/api/v1/auth/token", 422),
        ("GET", "/nowhere", 404),
        ("GET", "/openapi.json", 200),
    ],
)
def test_every_response_carries_the_security_headers(client: TestClient, method: str, path: str, status: int):
    r = client.request(method, path, follow_redirects=False)
    assert r.status_code == status
    assert_security_headers(r)


def test_signed_in_answers_and_pages_are_not_stored(client: TestClient, login):
    r = client.get("/api/v1/cases", headers=login("window1"))
    assert r.status_code == 200
    assert_security_headers(r)
    web_login(client, "window1")
    page = client.get("/cases")
    assert page.status_code == 200 and "案件" in page.text
    assert_security_headers(page)


def test_a_413_carries_them_too(client: TestClient):
    r = client.post("/api/v1/auth/token", content=b"x" * (get_settings().max_body_bytes + 1))
    assert r.status_code == 413
    assert_security_headers(r)


def test_static_files_may_be_cached(client: TestClient):
    for path in ("/static/app.css", "/static/app.js", "/docs/assets/swagger-ui.css"):
        r = client.get(path)
        assert r.status_code == 200
        assert_security_headers(r, cache=None)


def test_hsts_and_secure_cookies_only_over_tls(client: TestClient, https: TestClient):
    plain = client.get("/login")
    assert "strict-transport-security" not in plain.headers
    assert LOGIN_CSRF in plain.headers["set-cookie"] and "secure" not in plain.headers["set-cookie"].lower()

    page = https.get("/login")
    assert page.headers["strict-transport-security"] == "max-age=31536000"
    assert LOGIN_CSRF in page.headers["set-cookie"] and "; secure" in page.headers["set-cookie"].lower()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    signed_in = https.post(
        "/login",
        data={"username": "window1", "password": demo_password("window1"), "csrf": csrf},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    session_cookie = next(c for c in signed_in.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    assert "; secure" in session_cookie.lower() and "; httponly" in session_cookie.lower()
    assert signed_in.headers["strict-transport-security"] == "max-age=31536000"
    assert https.get("/api/v1/cases").headers["strict-transport-security"] == "max-age=31536000"


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I), "a file from another site"),
]


def test_no_page_needs_what_the_csp_refuses(client: TestClient, login):
    """Every screen, as each role sees it with a case on it: nothing inline that the CSP would block."""
    case = case_in(client, login, "agreement")
    screens = {
        None: ["/login"],
        "window1": ["/cases", "/cases/new", f"/cases/{case['id']}", "/cases?q=13812345678"],
        "mediator1": ["/workbench", f"/cases/{case['id']}"],
        "court1": ["/court"],
        "super1": ["/supervision", f"/cases/{case['id']}"],
    }
    seen = 0
    for user, paths in screens.items():
        client.cookies.clear()
        if user:
            web_login(client, user)
        for path in paths:
            r = client.get(path)
            assert r.status_code == 200, (user, path, r.status_code)
            assert r.headers["content-security-policy"] == CSP
            for pattern, what in INLINE:
                found = pattern.search(r.text)
                assert found is None, (
                    f"{path} as {user}: {what}: {r.text[max(0, found.start() - 80) : found.end() + 80]}"
                )
            seen += 1
    assert seen == 10


def test_a_pdf_keeps_only_the_framing_rule_so_browsers_can_show_it(engine, login):
    """Chrome's PDF viewer is blocked by object-src 'none' and broken by default-src on the PDF itself."""
    app = with_renderer(create_app(get_settings(), engine=engine))
    with TestClient(app) as client:
        case = case_in(client, lambda u: _token(client, u), "agreement")
        mediator = _token(client, "mediator1")
        docs = client.get(f"/api/v1/cases/{case['id']}/documents", headers=mediator).json()
        doc = next(d for d in docs if d["kind"] == "mediation_agreement")
        pdf = client.get(f"/api/v1/documents/{doc['id']}/pdf", headers=mediator)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-security-policy"] == PDF_CSP
    assert pdf.headers["cache-control"] == "no-store"
    assert pdf.headers["x-frame-options"] == "DENY" and pdf.headers["x-content-type-options"] == "nosniff"


def _token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": demo_password(username)})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
