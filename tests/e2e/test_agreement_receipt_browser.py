"""Day-one screens in Chromium (issue 16 item 2): the mediator writes an agreement of three obligations —
rows removed and added by static/obligations.js — with its 争议事项; the window clerk prints the party's
受理回执 from the case page. No Content-Security-Policy violation on the way."""

import re

import httpx2
import pytest

from tests.documents.support import flat, pdftotext
from tests.e2e.test_csp_browser import Watched
from tests.e2e.test_web_browser import PASSWORD, Screen, browser, shots  # noqa: F401
from tests.factories import MEDIATION_ORG, case_payload

sync_api = pytest.importorskip("playwright.sync_api")

OBLIGATIONS = [
    ("赔偿维修费", "6000.00", "2026-12-31", "杭州市西湖区北山街道宝石一弄1号北山街道人民调解委员会调解室"),
    ("承担鉴定费", "1500.00", "2027-01-15", ""),
    ("修复卫生间防水层", "", "2027-01-31", "杭州市西湖区北山街道宝石一弄1号张三家中"),
]


def _headers(url: str, username: str) -> dict[str, str]:
    r = httpx2.post(f"{url}/api/v1/auth/token", data={"username": username, "password": PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _case_in_mediation(url: str) -> dict:
    window, mediator = _headers(url, "window1"), _headers(url, "mediator1")
    r = httpx2.post(f"{url}/api/v1/cases", json=case_payload(), headers=window, timeout=30)
    assert r.status_code == 201, r.text
    case = r.json()
    for headers, trigger, payload in (
        (window, "divert", {"org_code": MEDIATION_ORG}),
        (mediator, "accept", {"mediator_code": "M-0001"}),
    ):
        r = httpx2.post(f"{url}/api/v1/cases/{case['id']}/actions/{trigger}", json=payload, headers=headers, timeout=30)
        assert r.status_code == 200, r.text
    return case


def test_an_agreement_of_three_obligations_and_the_intake_receipt(browser, server, shots):  # noqa: F811
    case = _case_in_mediation(server)
    mediator = Screen(browser, server, shots, "mediator1")
    watched = Watched(mediator, server)
    page = mediator.page
    page.goto(f"{server}/cases/{case['id']}")
    form = mediator.action("达成调解协议")
    rows = form.locator("[data-ob-row]")
    sync_api.expect(rows).to_have_count(3)  # what the page offers without script
    # down to one row, then up to three again with the script's buttons
    for _ in range(2):
        rows.last.get_by_role("button", name="删除此项义务").click()
    sync_api.expect(rows).to_have_count(1)
    sync_api.expect(rows.first.get_by_role("button", name="删除此项义务")).to_be_hidden()  # the last row stays
    for _ in range(2):
        form.get_by_role("button", name="增加一项义务").click()
    sync_api.expect(rows).to_have_count(3)
    form.get_by_label("纠纷事实").fill("2026年10月，李四家卫生间漏水，致楼下张三家天花板受损。")
    form.get_by_label("争议事项（可选）").fill("维修费用的数额及由谁承担；防水层由谁修复。")
    form.get_by_label("责任认定").fill("李四对漏水承担全部责任。")
    for i, (description, amount, due, place) in enumerate(OBLIGATIONS):
        row = rows.nth(i)
        row.locator("[name$=_description]").fill(description)
        row.locator("[name$=_amount]").fill(amount)
        row.locator("[name$=_due_date]").fill(due)
        row.locator("[name$=_place]").fill(place)
    # an address reads whole: the place field spans the row
    box = rows.first.locator("[name$=_place]").bounding_box()
    row_box = rows.first.bounding_box()
    assert box is not None and row_box is not None and box["width"] > 0.8 * row_box["width"]
    mediator.shot("day1-agreement-three-obligations")
    form.get_by_role("button", name="达成调解协议").click()
    sync_api.expect(page.locator(".sub .state")).to_have_text("达成协议")
    assert watched.violations == [] and watched.foreign == []

    events = httpx2.get(
        f"{server}/api/v1/cases/{case['id']}/events", headers=_headers(server, "mediator1"), timeout=30
    ).json()
    (agreed,) = [e for e in events if e["trigger"] == "reach_agreement"]
    assert [o["description"] for o in agreed["payload"]["obligations"]] == [o[0] for o in OBLIGATIONS]
    assert [o.get("place") for o in agreed["payload"]["obligations"]] == [o[3] or None for o in OBLIGATIONS]
    assert agreed["payload"]["matters"] == "维修费用的数额及由谁承担；防水层由谁修复。"
    mediator.close()

    # the window clerk prints the party's 受理回执 from the case page (rendered by serve's render worker)
    clerk = Screen(browser, server, shots, "window1")
    watched = Watched(clerk, server)
    page = clerk.page
    page.goto(f"{server}/cases/{case['id']}")
    link = page.locator("a[data-receipt]")
    for _ in range(90):  # a busy 2-core machine renders slowly: reload until the link is there
        if link.count():
            break
        page.wait_for_timeout(2000)
        page.reload()
    sync_api.expect(link).to_have_text("打印受理回执")
    clerk.shot("day1-case-page-receipt-link")
    href = link.get_attribute("href")
    assert href and re.fullmatch(r"/documents/[0-9a-f-]{36}/pdf", href)
    with page.context.expect_page() as opened:
        link.click()
    opened.value.close()  # the link opens the PDF in a tab of its own
    r = page.request.get(f"{server}{href}")  # with the clerk's session
    assert r.status == 200 and r.headers["content-type"] == "application/pdf"
    text = flat(pdftotext(r.body()))
    for expected in ("受理回执", case["case_no"], "西湖区社会治理中心", "个工作日内决定是否受理", "请向受理窗口咨询"):
        assert expected in text, expected
    assert "window1" not in text and "CN-ZJ" not in text
    assert watched.violations == []
    clerk.close()
