"""消息 in headless Chromium against a real `jiefen serve`: a case the window diverts (through the API) shows
as an unread count on the mediator's 消息 link; the message page marks it 未读, 查看案件 opens the case and the
count is gone; no CSP violation. Screenshots as in test_web_browser.py."""

import httpx2
import pytest

from tests.e2e.test_csp_browser import Watched
from tests.e2e.test_web_browser import PASSWORD, Screen, browser, shots  # noqa: F401
from tests.factories import MEDIATION_ORG, case_payload

sync_api = pytest.importorskip("playwright.sync_api")


def diverted_case(url: str) -> dict[str, str]:
    token = httpx2.post(f"{url}/api/v1/auth/token", data={"username": "window1", "password": PASSWORD}, timeout=30)
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    r = httpx2.post(f"{url}/api/v1/cases", json=case_payload("neighbour"), headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    case = r.json()
    r = httpx2.post(
        f"{url}/api/v1/cases/{case['id']}/actions/divert", json={"org_code": MEDIATION_ORG}, headers=headers, timeout=30
    )
    assert r.status_code == 200, r.text
    return case


def test_the_mediator_sees_the_new_case_in_messages_and_opens_it(browser, server, shots):  # noqa: F811
    case = diverted_case(server)
    screen = Screen(browser, server, shots, "mediator1")
    watched = Watched(screen, server)
    page = screen.page
    link = page.locator('header nav a[href="/messages"]')
    sync_api.expect(link.locator(".badge")).to_have_text("1")
    link.click()
    page.wait_for_url("**/messages")
    row = page.locator("table.messages tbody tr", has_text=case["case_no"])
    sync_api.expect(row).to_contain_text("新分派案件")
    sync_api.expect(row).to_contain_text("未读")
    screen.shot("messages")
    row.get_by_role("button", name="查看案件").click()
    page.wait_for_url(f"**/cases/{case['id']}")
    sync_api.expect(page.locator("h1")).to_contain_text(case["case_no"])
    sync_api.expect(page.locator('header nav a[href="/messages"] .badge')).to_have_count(0)
    page.goto(f"{server}/messages")
    sync_api.expect(page.locator("table.messages tbody tr", has_text=case["case_no"])).to_contain_text("已读")
    assert watched.violations == [] and watched.foreign == []
    screen.close()
