"""The 统计报表 screen in headless Chromium against a real `jiefen serve`: the supervisor picks this month,
reads the figures and charts of the cases opened through the API, downloads the workbook (opened back with
openpyxl), sees a wrong period explained on the form; no CSP violation; a mediator is refused. Screenshots
as in test_web_browser.py."""

import io

import httpx2
import pytest
from openpyxl import load_workbook

from tests.e2e.test_csp_browser import Watched
from tests.e2e.test_web_browser import PASSWORD, Screen, browser, shots  # noqa: F401
from tests.factories import case_payload

sync_api = pytest.importorskip("playwright.sync_api")


def open_cases(url: str) -> None:
    token = httpx2.post(f"{url}/api/v1/auth/token", data={"username": "window1", "password": PASSWORD}, timeout=30)
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    for dispute_type, channel in (("neighbour", "window"), ("neighbour", "hotline"), ("contract", "online")):
        body = case_payload(dispute_type, channel=channel)
        r = httpx2.post(f"{url}/api/v1/cases", json=body, headers=headers, timeout=30)
        assert r.status_code == 201, r.text


def test_the_supervisor_reads_and_downloads_this_months_report(browser, server, shots):  # noqa: F811
    open_cases(server)
    screen = Screen(browser, server, shots, "super1")
    watched = Watched(screen, server)
    page = screen.page
    page.get_by_role("link", name="统计报表").click()
    page.wait_for_url("**/reports")
    page.get_by_role("link", name="本月", exact=True).click()
    page.wait_for_load_state("networkidle")
    sync_api.expect(page.locator('[data-kpi="received"]')).to_have_text("3")
    types = page.locator('[data-table="by_dispute_type"]')
    sync_api.expect(types.locator("tr", has_text="邻里纠纷").locator("td").nth(1)).to_have_text("2")
    sync_api.expect(types.locator("tr", has_text="合同纠纷").locator("td").nth(1)).to_have_text("1")
    channels = page.locator('[data-table="by_channel"]')
    sync_api.expect(channels.locator("tr", has_text="热线来电").locator("td").nth(1)).to_have_text("1")
    sync_api.expect(page.locator("svg.chart").first).to_be_visible()
    sync_api.expect(page.locator('[data-table="by_organization"]')).to_contain_text("尚未分流（受理窗口）")
    screen.shot("reports")

    with page.expect_download() as download:
        page.locator('[data-download="xlsx"]').click()
    assert download.value.suggested_filename.startswith("statistics-") and download.value.suggested_filename.endswith(
        ".xlsx"
    )
    wb = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    summary = {row[0].value: row[1].value for row in wb["概况"].iter_rows(min_row=2)}
    assert summary["受理案件"] == 3
    assert wb["受理-纠纷类型"].freeze_panes == "A2"

    # a period that ends before it starts: said on the form, next to the field
    page.locator("#from").fill("2026-11-30")
    page.locator("#to").fill("2026-11-01")
    page.get_by_role("button", name="统计").click()
    sync_api.expect(page.get_by_role("alert")).to_contain_text("结束日期")
    sync_api.expect(page.locator("#to")).to_have_attribute("aria-invalid", "true")
    screen.shot("reports-error")
    assert watched.violations == [] and watched.foreign == []
    screen.close()


def test_a_mediator_is_refused(browser, server, shots):  # noqa: F811
    screen = Screen(browser, server, shots, "mediator1")
    assert screen.page.get_by_role("link", name="统计报表").count() == 0
    response = screen.page.goto(f"{server}/reports")
    assert response is not None and response.status == 403
    sync_api.expect(screen.page.locator("main")).to_contain_text("统计报表")
    screen.close()
