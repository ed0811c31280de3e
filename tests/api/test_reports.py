"""GET /api/v1/reports/statistics (JSON), statistics.xlsx and statistics.csv (CONTRACT §5 v2): supervisors and
admins only, the period and region checked (422 naming the field), and the figures of the history of
tests/workflows/test_statistics_report.py over HTTP, in each format."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from tests.workflows.report_history import build_and_sweep

URL = "/api/v1/reports/statistics"
NOV = {"from": "2026-11-01", "to": "2026-11-30"}
FORMATS = ("", ".xlsx", ".csv")


@pytest.fixture
def history(engine):
    with Session(engine, expire_on_commit=False) as session:
        return build_and_sweep(session, engine)


@pytest.mark.parametrize("ext", FORMATS)
def test_without_a_token_it_is_401(client, ext):
    assert client.get(URL + ext, params=NOV).status_code == 401


@pytest.mark.parametrize("ext", FORMATS)
def test_intake_mediators_and_courts_are_refused_403(client, login, ext):
    for user in ("window1", "mediator1", "court1"):
        r = client.get(URL + ext, params=NOV, headers=login(user))
        assert r.status_code == 403, user
        assert "统计报表" in r.json()["detail"]


def test_a_region_outside_the_supervisors_district_is_403(client, login):
    r = client.get(URL, params={**NOV, "region": "330102"}, headers=login("super1"))
    assert r.status_code == 403 and "330102" in r.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),  # to before from
        ({"from": "2025-01-01", "to": "2026-06-30"}, "to"),  # longer than a year
        ({"from": "2026-11-31", "to": "2026-12-01"}, "from"),  # no such day
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),  # out of range
        ({"to": "2026-11-30"}, "from"),  # missing
        ({"from": "2026-11-01"}, "to"),
        ({**NOV, "region": "33010"}, "region"),  # not 6, 9 or 12 digits
        ({**NOV, "region": "3301061"}, "region"),
    ],
)
def test_bad_periods_and_regions_are_422_naming_the_field(client, login, params, field):
    for ext in FORMATS:
        r = client.get(URL + ext, params=params, headers=login("super1"))
        assert r.status_code == 422, (ext, params, r.text)
        assert any(e["loc"][-1] == field for e in r.json()["detail"]), r.text


def test_the_json_report_for_november(client, login, history):
    r = client.get(URL, params=NOV, headers=login("super1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["from_date"] == "2026-11-01" and body["to_date"] == "2026-11-30" and body["region"] is None
    assert body["received"] == 9
    assert {x["key"]: x["count"] for x in body["by_channel"] if x["count"]} == {
        "window": 5,
        "hotline": 1,
        "online": 2,
        "grid": 1,
    }
    assert body["outcomes"]["agreement"] == 4 and body["outcomes"]["failed"] == 3
    assert body["success_rate"] == pytest.approx(4 / 7)
    assert body["confirmations"] == {"applied": 2, "confirmed": 1, "rejected": 1, "withdrawn": 0}
    mediation = next(s for s in body["stages"] if s["stage"] == "mediation")
    assert (mediation["runs"], mediation["median_days"], mediation["p90_days"]) == (7, 3.0, 21.0)
    assert body["overdue"][0]["org_code"] == "CN-ZJ-XH-CC-RTW" and body["overdue"][0]["overdue"] == 1
    admin = client.get(URL, params={**NOV, "region": "330102"}, headers=login("admin")).json()
    assert admin["received"] == 1 and admin["region"] == "330102"


def test_the_workbook_and_the_csv_over_http(client, login, history):
    r = client.get(URL + ".xlsx", params=NOV, headers=login("admin"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="statistics-2026-11-01-2026-11-30.xlsx"' in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    summary = {row[0].value: row[1].value for row in wb["概况"].iter_rows(min_row=2)}
    assert summary["受理案件"] == 10  # the admin: K too
    assert wb["受理-纠纷类型"].freeze_panes == "A2"

    r = client.get(URL + ".csv", params={**NOV, "region": "330106"}, headers=login("super1"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    assert 'filename="statistics-2026-11-01-2026-11-30-330106.csv"' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert ["概况", "受理案件", "", "数值", "9"] in rows
    assert ["办结情况", "调解成功（达成协议）", "agreement", "件数", "4"] in rows


def test_the_kept_monthly_workbook_is_no_case_document(client, login, engine):
    """Kept in the documents table without a case: /api/v1/documents answers 404 for it, even to an admin
    (it is downloaded from the 统计报表 screen)."""
    from datetime import datetime

    from tests.workflows.report_history import SH
    from workflows.monthly_report import keep_monthly_report

    kept = keep_monthly_report(engine, now=datetime(2026, 12, 1, 1, tzinfo=SH))
    for path in (f"/api/v1/documents/{kept['document_id']}", f"/api/v1/documents/{kept['document_id']}/pdf"):
        r = client.get(path, headers=login("admin"))
        assert r.status_code == 404, (path, r.text)
