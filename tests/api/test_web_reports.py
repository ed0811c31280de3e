"""The 统计报表 screen (/reports) through TestClient: login and role, the figures of the history of
tests/workflows/test_statistics_report.py with their charts, the form's errors, the downloads and the
monthly workbooks kept."""

import csv
import io
import re
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from tests.api.test_web_routes import web_login
from tests.workflows.report_history import SH, build_and_sweep
from workflows.monthly_report import keep_monthly_report

NOV = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def history(engine):
    with Session(engine, expire_on_commit=False) as session:
        return build_and_sweep(session, engine)


def kpi(html: str, name: str) -> str:
    return re.search(rf'data-kpi="{name}">([^<]*)<', html).group(1)


def test_the_screen_needs_login_and_a_supervisor_or_admin(client: TestClient):
    r = client.get("/reports", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    for user in ("window1", "mediator1", "court1"):
        client.cookies.clear()
        web_login(client, user)
        assert client.get("/reports").status_code == 403, user
        assert client.get(f"/reports/statistics.xlsx?{NOV}").status_code == 403, user
        assert client.get("/reports/monthly/2026-11.xlsx").status_code == 403, user
        assert 'href="/reports"' not in client.get("/cases").text


def test_the_supervisor_sees_novembers_figures_charts_and_download_links(client: TestClient, history):
    web_login(client, "super1")
    assert 'href="/reports">统计报表</a>' in client.get("/cases").text
    r = client.get(f"/reports?{NOV}")
    assert r.status_code == 200, r.text
    html = r.text
    assert "2026-11-01 至 2026-11-30" in html
    assert (kpi(html, "received"), kpi(html, "agreement"), kpi(html, "failed")) == ("9", "4", "3")
    assert kpi(html, "rate") == "57.1%" and kpi(html, "applied") == "2" and kpi(html, "overdue") == "1"
    assert html.count("<svg") >= 4
    # the chart's bars, the largest first
    assert html.index("<title>邻里纠纷：6 件</title>") < html.index("<title>合同纠纷：2 件</title>")
    assert html.index("<title>合同纠纷：2 件</title>") < html.index("<title>消费纠纷：1 件</title>")
    assert "<td>北山街道人民调解委员会</td><td>6</td>" in html
    assert "<td>调解中</td><td>7</td><td>3.0</td><td>21.0</td>" in html
    assert "<td>北山街道人民调解委员会</td><td>分流受理时限</td><td>1</td>" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html and "<style" not in html  # CSP
    link = NOV.replace("&", "&amp;")
    assert f'href="/reports/statistics.xlsx?{link}"' in html and f'href="/reports/statistics.csv?{link}"' in html

    x = client.get(f"/reports/statistics.xlsx?{NOV}")
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    summary = {row[0].value: row[1].value for row in load_workbook(io.BytesIO(x.content))["概况"].iter_rows(min_row=2)}
    assert summary["受理案件"] == 9
    c = client.get(f"/reports/statistics.csv?{NOV}&region=330106001")
    assert c.status_code == 200 and c.content.startswith(b"\xef\xbb\xbf")
    assert ["概况", "受理案件", "", "数值", "9"] in list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))


def test_a_wrong_period_or_region_is_shown_on_the_form(client: TestClient):
    web_login(client, "super1")
    r = client.get("/reports?from=2026-11-30&to=2026-11-01")
    assert (
        r.status_code == 422
        and "结束日期：" in r.text
        and 'id="to" name="to" type="date" value="2026-11-01" required class="bad"' in r.text
    )
    r = client.get("/reports?from=2026-11-01&to=2026-11-30&region=3301")
    assert r.status_code == 422 and "行政区划：" in r.text
    r = client.get("/reports?from=11/01/2026&to=2026-11-30")
    assert r.status_code == 422 and "开始日期：" in r.text
    r = client.get("/reports?from=2026-11-01&to=2026-11-30&region=330102")  # another district
    assert r.status_code == 403 and "330102" in r.text


def test_without_a_period_it_shows_last_month_and_offers_presets(client: TestClient):
    web_login(client, "admin")
    r = client.get("/reports")
    assert r.status_code == 200 and "data-period" in r.text
    assert all(label in r.text for label in ("本月", "上月", "本季度", "上季度", "今年", "去年"))


def test_the_monthly_workbooks_kept_are_listed_and_downloaded(client: TestClient, engine, history):
    keep_monthly_report(engine, now=datetime(2026, 12, 1, 1, tzinfo=SH))
    web_login(client, "super1")
    html = client.get(f"/reports?{NOV}").text
    assert 'href="/reports/monthly/2026-11.xlsx"' in html and "2026年11月 统计报表" in html
    r = client.get("/reports/monthly/2026-11.xlsx")
    assert r.status_code == 200 and 'filename="monthly-report-2026-11.xlsx"' in r.headers["content-disposition"]
    summary = {row[0].value: row[1].value for row in load_workbook(io.BytesIO(r.content))["概况"].iter_rows(min_row=2)}
    assert summary["受理案件"] == 10  # kept for every region
    assert client.get("/reports/monthly/2026-10.xlsx").status_code == 404
    assert client.get("/reports/monthly/x.xlsx").status_code == 404
