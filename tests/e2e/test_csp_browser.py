"""Under the Content-Security-Policy the screens and the API documentation still work in Chromium: no
violation reported on any screen, nothing requested from another site, Swagger UI drawn from the app's
own files."""

import re

import httpx2
import pytest

from tests.e2e.test_web_browser import PASSWORD, Screen, browser, shots  # noqa: F401
from tests.factories import case_payload

sync_api = pytest.importorskip("playwright.sync_api")


class Watched:
    """A page whose CSP violations and requests to other hosts are collected."""

    def __init__(self, screen: Screen, origin: str) -> None:
        self.violations: list[str] = []
        self.foreign: list[str] = []
        screen.page.on("console", self._console)
        screen.page.on("request", lambda req: None if req.url.startswith(origin) else self.foreign.append(req.url))
        screen.page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e =>"
            " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
        )

    def _console(self, msg: "sync_api.ConsoleMessage") -> None:
        if "Content Security Policy" in msg.text or "CSP violation" in msg.text:
            self.violations.append(msg.text)


def open_case(url: str) -> str:
    """A case through the API, so that the lists, the case page and the dashboard's legend have one."""
    token = httpx2.post(f"{url}/api/v1/auth/token", data={"username": "window1", "password": PASSWORD}, timeout=30)
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    r = httpx2.post(f"{url}/api/v1/cases", json=case_payload(), headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_the_screens_run_under_the_csp(browser, server, shots):  # noqa: F811
    case = f"/cases/{open_case(server)}"
    for username, paths in {
        "window1": ["/cases", "/cases/new", case],
        "mediator1": ["/workbench"],
        "court1": ["/court"],
        "super1": ["/supervision", "/cases", case],
    }.items():
        screen = Screen(browser, server, shots, username)
        watched = Watched(screen, server)
        for path in paths:
            screen.page.goto(f"{server}{path}")
            screen.page.wait_for_load_state("networkidle")
        if username == "window1":
            # The intake form's script runs: a number checked as typed by fetch() to the server.
            page = screen.page
            page.goto(f"{server}/cases/new")
            page.locator("#p0_ident").fill("110105194912310021")
            sync_api.expect(page.locator("#p0_ident_msg")).to_contain_text("校验码错误")
            page.get_by_role("button", name="＋ 添加当事人").click()
            sync_api.expect(page.locator("[data-party]")).to_have_count(3)
        if username == "super1":
            screen.page.goto(f"{server}/supervision")
            sync_api.expect(screen.page.locator(".legend .sw")).to_have_count(1)
            screen.shot("csp-supervision")
        assert watched.violations == [], (username, watched.violations)
        assert watched.foreign == [], (username, watched.foreign)
        screen.close()


def test_swagger_ui_runs_from_the_apps_own_files(browser, server, shots):  # noqa: F811
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    violations: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: None if r.url.startswith(server) else foreign.append(r.url))
    page.goto(f"{server}/docs")
    sync_api.expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    assert page.locator(".opblock").count() > 10
    sync_api.expect(page.get_by_role("button", name=re.compile("Authorize"))).to_be_visible()
    page.locator(".opblock-summary", has_text="/healthz").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    sync_api.expect(page.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    page.screenshot(path=str(shots / "csp-docs.png"), full_page=False)
    assert violations == [] and foreign == [], (violations, foreign)
    context.close()
