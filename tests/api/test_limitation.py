"""docs/contract.md §4a (v2) `limitation` (时效): opened at intake from `occurred_on` by dispute type —
labour 1 year (劳动争议调解仲裁法 第27条), land contract 2 years (农村土地承包经营纠纷调解仲裁法 第18条), any other
civil dispute 3 years (民法典 第188条) — interrupted by the mediation request (第195条), shown with its basis,
warned of when near or past, never firing a transition, run again when mediation fails."""

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from models.settings import get_settings
from tests.api.steps import act, case_in, open_case, post_case
from tests.api.test_web_routes import web_login
from tests.factories import MEDIATION_ORG
from workflows.clocks.sweep import sweep


def _today() -> date:
    return datetime.now(get_settings().tz).date()


def _years_ago(years: int, days: int = 0) -> str:
    t = _today()
    return (t.replace(year=t.year - years, day=min(t.day, 28)) + timedelta(days=days)).isoformat()


def _limitation_rows(client, headers, case_id):
    return [
        d for d in client.get(f"/api/v1/cases/{case_id}/deadlines", headers=headers).json() if d["kind"] == "limitation"
    ]


@pytest.mark.parametrize(
    "dispute_type, profile, years, article",
    [
        ("labour", "limitation.labour", 1, "劳动争议调解仲裁法 第27条"),
        ("land_contract", "limitation.land_contract", 2, "农村土地承包经营纠纷调解仲裁法 第18条"),
        ("neighbour", "limitation.civil", 3, "民法典 第188条"),
        ("traffic", "limitation.civil", 3, "民法典 第188条"),
    ],
)
def test_intake_opens_the_period_of_the_dispute_type_interrupted_by_the_request(
    client, login, dispute_type, profile, years, article
):
    occurred = _years_ago(0, days=-20)
    case = open_case(client, login("window1"), dispute_type=dispute_type, occurred_on=occurred)

    [row] = _limitation_rows(client, login("window1"), case["id"])

    assert (row["profile"], row["start_date"], row["status"]) == (profile, occurred, "interrupted")
    assert row["interrupted_on"] == _today().isoformat()
    assert article in row["basis"]
    corresponding = date.fromisoformat(occurred).replace(year=date.fromisoformat(occurred).year + years)
    assert corresponding.isoformat() <= row["last_day"] <= (corresponding + timedelta(days=10)).isoformat()
    assert row["due_at"].endswith("T00:00:00+08:00")
    assert case["limitation"]["warning"] is None and case["limitation"]["status"] == "interrupted"


def test_the_interruption_is_in_the_intake_audit_event(client, login):
    case = open_case(client, login("window1"), dispute_type="labour", occurred_on=_years_ago(0, days=-5))

    [opened] = client.get(f"/api/v1/cases/{case['id']}/events", headers=login("window1")).json()

    recorded = opened["payload"]["limitation"]
    assert recorded["profile"] == "limitation.labour" and recorded["interrupted_on"] == _today().isoformat()
    assert "民法典 第195条" in recorded["interruption_basis"] and "第27条" in recorded["basis"]


def test_without_an_occurrence_date_there_is_no_period(client, login):
    case = open_case(client, login("window1"))

    assert case["limitation"] is None
    assert _limitation_rows(client, login("window1"), case["id"]) == []


def test_a_period_near_its_end_at_intake_is_warned_of(client, login):
    occurred = _years_ago(1, days=30)  # labour: about 30 days of the year left
    case = open_case(client, login("window1"), dispute_type="labour", occurred_on=occurred)

    lim = case["limitation"]

    assert lim["warning"] == "near" and 25 <= lim["days_left"] <= 35
    assert "中断" in lim["message"] and "第195条" in lim["message"]
    assert lim["status"] == "interrupted"


def test_a_period_run_out_before_intake_is_warned_of_never_refused(client, login):
    occurred = _years_ago(2)  # labour: a year past its end
    r = post_case(client, login("window1"), dispute_type="labour", occurred_on=occurred)

    assert r.status_code == 201, r.text
    lim = r.json()["limitation"]
    assert lim["warning"] == "past" and lim["status"] == "fired" and lim["days_left"] < 0
    assert lim["interrupted_on"] is None and "第192条" in lim["message"] and "可能" in lim["message"]


def test_the_warning_threshold_is_configurable(client, login, monkeypatch):
    monkeypatch.setattr(get_settings(), "limitation_warning_days", 400)
    case = open_case(client, login("window1"), dispute_type="labour", occurred_on=_years_ago(0, days=-5))

    assert case["limitation"]["warning"] == "near"


def test_the_period_never_fires_a_transition(client, login, engine):
    case = open_case(client, login("window1"), dispute_type="labour", occurred_on=_years_ago(2))
    interrupted = open_case(client, login("window1"), dispute_type="labour", occurred_on=_years_ago(0, days=-5))

    five_years_on = datetime.now(UTC) + timedelta(days=5 * 365)
    report = sweep(engine, as_of=five_years_on, now=five_years_on)

    assert report.fired == 0
    for c in (case, interrupted):
        after = client.get(f"/api/v1/cases/{c['id']}", headers=login("window1")).json()
        assert after["state"] == "intake" and after["version"] == 1
    [row] = _limitation_rows(client, login("window1"), interrupted["id"])
    assert row["status"] == "interrupted"


def test_a_failed_mediation_runs_a_new_period_and_resuming_interrupts_it(client, login):
    case = case_in(client, login, "failed", dispute_type="labour", occurred_on=_years_ago(0, days=-40))
    rows = _limitation_rows(client, login("mediator1"), case["id"])

    assert [r["status"] for r in rows] == ["interrupted", "pending"]
    restarted = rows[1]
    assert restarted["start_date"] == _today().isoformat() and restarted["ref"] == "restarted"
    assert case["limitation"]["status"] == "pending" and "重新计算" in case["limitation"]["message"]

    resumed = act(client, login("mediator1"), case["id"], "resume_mediation", {"reason": "双方同意再次调解"})

    rows = _limitation_rows(client, login("mediator1"), case["id"])
    assert [r["status"] for r in rows] == ["interrupted", "interrupted"]
    assert resumed["limitation"]["interrupted_on"] == _today().isoformat()


def test_a_case_page_notes_a_period_near_its_end(client: TestClient, login):
    case = open_case(client, login("window1"), dispute_type="labour", occurred_on=_years_ago(1, days=30))
    quiet = open_case(client, login("window1"), dispute_type="labour", occurred_on=_years_ago(0, days=-5))
    web_login(client, "window1")

    page = client.get(f"/cases/{case['id']}").text
    other = client.get(f"/cases/{quiet['id']}").text

    assert "时效提示" in page and "第195条" in page
    assert "时效提示" not in other and "因申请调解中断" in other


def test_a_divert_leaves_the_interrupted_period_as_it_was(client, login):
    case = open_case(client, login("window1"), occurred_on=_years_ago(0, days=-5))

    act(client, login("window1"), case["id"], "divert", {"org_code": MEDIATION_ORG})

    [row] = _limitation_rows(client, login("window1"), case["id"])
    assert row["status"] == "interrupted"
