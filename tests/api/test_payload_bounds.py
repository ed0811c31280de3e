"""docs/contract.md §5: "no request, however malformed, gets a 5xx" — dates and numbers at the edge of
what Python's calendar holds. Each was a 500 (an overflow in the clock arithmetic or in a time-zone
conversion); each is now a 422 naming the field and the rule, and changes nothing."""

import re
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from models.settings import get_settings
from tests.api.steps import act, agreement_signed_now, case_in, confirmation_request, fire, post_case
from tests.factories import COURT, LABOUR_ARBITRATION, joint_application


@pytest.fixture
def lenient(app):
    """A client that shows a 500 as a response instead of raising the server's exception."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _today():
    return datetime.now(get_settings().tz).date()


def _field_errors(r) -> dict[str, str]:
    assert r.status_code == 422, f"{r.status_code} {r.text[:300]}"
    return {e["field"]: e["msg"] for e in r.json()["detail"]}


def _agreement(**obligation) -> dict:
    body = agreement_signed_now()
    body["obligations"] = [{**body["obligations"][0], **obligation}]
    return body


# --- obligations[].due_date ------------------------------------------------------------------------------


def test_a_due_date_in_9998_is_refused_at_the_agreement_not_a_500_at_the_ruling(lenient, login):
    case = case_in(lenient, login, "mediation")

    r = fire(lenient, login("mediator1"), case["id"], "reach_agreement", _agreement(due_date="9998-12-31"))

    errors = _field_errors(r)
    assert "obligations.0.due_date" in errors
    assert "30" in errors["obligations.0.due_date"]


@pytest.mark.parametrize("due", ["1989-12-31", "0001-01-01"])
def test_a_due_date_before_1990_is_refused(lenient, login, due):
    case = case_in(lenient, login, "mediation")

    r = fire(lenient, login("mediator1"), case["id"], "reach_agreement", _agreement(due_date=due))

    assert "1990" in _field_errors(r)["obligations.0.due_date"]


def test_a_due_date_thirty_years_ahead_is_accepted_and_confirmed(lenient, login):
    due = _today().replace(year=_today().year + 30, day=1)
    case = case_in(lenient, login, "mediation")
    act(lenient, login("mediator1"), case["id"], "reach_agreement", _agreement(due_date=due.isoformat()))
    act(lenient, login("mediator1"), case["id"], "request_confirmation", confirmation_request())

    confirmed = act(lenient, login("court1"), case["id"], "court_confirm", {"ruling_no": "（2026）浙0106民特9号"})

    enforcement = [d for d in confirmed["deadlines"] if d["kind"] == "enforcement"]
    assert [d["start_date"] for d in enforcement] == [due.isoformat()]


def test_an_agreement_stored_before_the_bound_still_gets_a_ruling_not_a_500(lenient, login, engine):
    """A due date in 9998 stored before the bound existed: the court's ruling is not blocked forever."""
    import uuid

    from sqlmodel import Session

    from models.tables import Case

    case = case_in(lenient, login, "judicial_confirmation")
    with Session(engine) as s:
        row = s.get(Case, uuid.UUID(case["id"]))
        assert row is not None
        row.agreement = {
            **row.agreement,
            "obligations": [{**row.agreement["obligations"][0], "due_date": "9998-12-31"}],
        }
        s.add(row)
        s.commit()

    r = fire(lenient, login("court1"), case["id"], "court_confirm", {"ruling_no": "（2026）浙0106民特9号"})

    assert r.status_code == 200, r.text
    assert r.json()["state"] == "confirmed"
    assert [d for d in r.json()["deadlines"] if d["kind"] == "enforcement"] == []
    events = lenient.get(f"/api/v1/cases/{case['id']}/events", headers=login("mediator1")).json()
    unscheduled = events[-1]["payload"]["enforcement_unscheduled"]
    assert [u["ref"] for u in unscheduled] == ["obligations[0]"] and "9998-12-31" in unscheduled[0]["reason"]


# --- signed_at ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signed_at", ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00", "0001-01-01", "1989-12-31T23:59:59+08:00"]
)
def test_a_signing_time_before_1990_is_refused(lenient, login, signed_at):
    case = case_in(lenient, login, "mediation")
    body = {**agreement_signed_now(), "signed_at": signed_at}

    r = fire(lenient, login("mediator1"), case["id"], "reach_agreement", body)

    assert "1990" in _field_errors(r)["signed_at"]


def test_a_signing_time_at_the_end_of_the_calendar_is_refused_as_future(lenient, login):
    case = case_in(lenient, login, "mediation")
    body = {**agreement_signed_now(), "signed_at": "9999-12-31T23:59:59-12:00"}

    r = fire(lenient, login("mediator1"), case["id"], "reach_agreement", body)

    assert "signed_at" in _field_errors(r)


# --- intake ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("occurred_on", ["1899-12-31", "0001-01-01"])
def test_an_occurrence_before_1900_is_refused_at_intake(lenient, login, occurred_on):
    r = post_case(lenient, login("window1"), occurred_on=occurred_on)

    assert "1900" in _field_errors(r)["occurred_on"]


def test_an_occurrence_at_the_end_of_the_calendar_is_refused_as_future(lenient, login):
    r = post_case(lenient, login("window1"), occurred_on="9999-12-31")

    assert "occurred_on" in _field_errors(r)


@pytest.mark.parametrize("received_on", ["9999-12-31", "0001-01-01"])
def test_a_referral_received_out_of_range_is_refused(lenient, login, received_on):
    r = post_case(
        lenient, login("window1"), channel="court_referral", referral={"court_code": COURT, "received_on": received_on}
    )

    assert "referral.received_on" in _field_errors(r)


# --- query parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_supervision_as_of_at_the_edge_of_the_calendar_is_422(lenient, login, as_of):
    r = lenient.get("/api/v1/supervision/overdue", params={"as_of": as_of}, headers=login("super1"))

    assert r.status_code == 422, r.text[:300]
    assert r.json()["detail"][0]["loc"][-1] == "as_of"


def test_an_extension_of_a_billion_days_is_422(lenient, login):
    case = case_in(lenient, login, "mediation")

    r = fire(lenient, login("mediator1"), case["id"], "extend", {"days": 10**9, "reason": "久", "consent": True})

    assert "days" in _field_errors(r)


@pytest.mark.parametrize("signed_at", ["1990-01-01T00:00:00+08:00", "1990-01-01T00:00:00"])
def test_a_signing_time_at_the_lower_edge_is_accepted(lenient, login, signed_at):
    case = case_in(lenient, login, "mediation")
    body = {**agreement_signed_now(), "signed_at": signed_at}

    r = fire(lenient, login("mediator1"), case["id"], "reach_agreement", body)

    assert r.status_code == 200, r.text


def test_a_court_inbox_offset_beyond_any_inbox_is_422(lenient, login):
    r = lenient.get("/api/v1/court/confirmations", params={"offset": 10**20}, headers=login("court1"))

    assert r.status_code == 422, r.text[:300]
    assert r.json()["detail"][0]["loc"][-1] == "offset"


# --- dates the arbitration body and the court report (each was accepted back to the year 1) ---------------


def _labour_case_in_arbitration(client, login) -> dict:
    case = case_in(client, login, "failed", dispute_type="labour")
    return act(client, login("mediator1"), case["id"], "refer_arbitration", {"body_code": LABOUR_ARBITRATION})


@pytest.mark.parametrize("applied_on", ["1989-12-31", "0001-01-01"])
def test_an_arbitration_application_received_before_1990_is_refused(lenient, login, applied_on):
    # Was 200: the application recorded as received in the year 1, its clocks counted from then.
    case = case_in(lenient, login, "failed", dispute_type="labour")
    body = {"body_code": LABOUR_ARBITRATION, "applied_on": applied_on}

    r = fire(lenient, login("mediator1"), case["id"], "refer_arbitration", body)

    assert "1990" in _field_errors(r)["applied_on"]


@pytest.mark.parametrize(
    ("trigger", "body", "field"),
    [
        ("arbitration_accepted", {}, "accepted_on"),
        ("arbitration_not_accepted", {}, "decided_on"),
        ("arbitration_extended", {"days": 10}, "approved_on"),
        ("record_award", {"award_no": "杭西劳人仲案字〔2026〕9号"}, "received_on"),
    ],
)
def test_a_date_the_arbitration_reports_before_1990_is_refused_by_its_bound(lenient, login, trigger, body, field):
    case = _labour_case_in_arbitration(lenient, login)

    r = fire(lenient, login("mediator1"), case["id"], trigger, {**body, field: "0001-01-01"})

    assert "1990" in _field_errors(r)[field]


def test_a_filing_date_before_1990_is_refused_at_receipt_by_its_bound(lenient, login):
    case_in(lenient, login, "judicial_confirmation")
    court = login("court1")
    handoff = lenient.get("/api/v1/court/confirmations", headers=court).json()[0]

    r = lenient.post(
        f"/api/v1/court/confirmations/{handoff['id']}/receive", json={"filed_on": "0001-01-01"}, headers=court
    )

    assert "1990" in _field_errors(r)["filed_on"]


def test_a_court_filing_before_1990_is_refused_by_its_bound(lenient, login):
    case = case_in(lenient, login, "judicial_confirmation")

    r = fire(lenient, login("court1"), case["id"], "court_file", {"filed_on": "1989-12-31"})

    assert "1990" in _field_errors(r)["filed_on"]


def test_a_joint_application_signed_before_1990_is_refused_by_its_bound(lenient, login):
    case = case_in(lenient, login, "agreement")
    body = {"court_code": COURT, "joint_application": joint_application(signed_on="0001-01-01")}

    r = fire(lenient, login("mediator1"), case["id"], "request_confirmation", body)

    assert "1990" in _field_errors(r)["joint_application.signed_on"]


# --- the web forms ------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["²", "9" * 5000, "١٢"])
def test_a_web_form_number_that_int_cannot_read_is_refused_not_a_500(lenient, login, typed):
    from tests.api.test_web_routes import web_login

    case = case_in(lenient, login, "mediation")
    csrf = web_login(lenient, "mediator1")
    form = {"csrf": csrf, "days": typed, "reason": "鉴定", "consent": "on", "version": typed}

    r = lenient.post(f"/cases/{case['id']}/actions/extend", data=form, follow_redirects=False)

    assert r.status_code < 500, r.text[:300]
    after = lenient.get(f"/api/v1/cases/{case['id']}", headers=login("mediator1")).json()
    assert after["version"] == case["version"]


def _refusal(page: str) -> str:
    found = re.search(r'<div class="alert refusal"[^>]*>(.*?)</div>', page, re.S)
    assert found, page[:500]
    return re.sub(r"<[^>]+>", "", found.group(1))


@pytest.mark.parametrize("typed", ["²", "9" * 5000, "١٢", "12.5", "-3", "0", "366"])
def test_a_web_form_number_outside_ascii_digits_or_its_range_is_refused_in_chinese(lenient, login, typed):
    # Was a 422 page saying "days：Input should be a valid integer" (pydantic's English, the field's code name).
    from tests.api.test_web_routes import web_login

    case = case_in(lenient, login, "mediation")
    csrf = web_login(lenient, "mediator1")
    form = {"csrf": csrf, "days": typed, "reason": "鉴定", "consent": "on", "version": str(case["version"])}

    r = lenient.post(f"/cases/{case['id']}/actions/extend", data=form, follow_redirects=False)

    assert r.status_code == 422, r.text[:300]
    refusal = _refusal(r.text)
    assert "延长天数" in refusal and "1 至 365" in refusal and "Input should" not in refusal, refusal
    after = lenient.get(f"/api/v1/cases/{case['id']}", headers=login("mediator1")).json()
    assert after["version"] == case["version"]


def test_a_web_form_satisfaction_out_of_range_is_refused_in_chinese(lenient, login):
    from tests.api.test_web_routes import web_login

    case = case_in(lenient, login, "agreement")
    act(lenient, login("mediator1"), case["id"], "record_fulfilment", {"note": "已履行"})
    csrf = web_login(lenient, "window1")
    form = {"csrf": csrf, "satisfaction": "６", "performed": "on"}

    r = lenient.post(f"/cases/{case['id']}/actions/record_followup", data=form, follow_redirects=False)

    assert r.status_code == 422, r.text[:300]
    assert "满意度" in _refusal(r.text) and "1 至 5" in _refusal(r.text)


@pytest.mark.parametrize(
    ("field", "typed", "wanted"),
    [("claim_amount", "²", "金额"), ("claim_amount", "八千", "金额"), ("occurred_on", "2026-13-01", "日期")],
)
def test_an_intake_form_number_or_date_that_cannot_be_read_is_refused_in_chinese(lenient, field, typed, wanted):
    # Was a 422 page saying "标的金额：Input should be a valid decimal" (pydantic's English).
    from tests.api.test_web_routes import web_login

    csrf = web_login(lenient, "window1")
    form = {
        "csrf": csrf,
        "dispute_type": "neighbour",
        "channel": "window",
        "region": "330106001",
        "summary": "噪音扰民",
        "p0_role": "applicant",
        "p0_kind": "person",
        "p0_name": "甲",
        "p1_role": "respondent",
        "p1_kind": "person",
        "p1_name": "乙",
        field: typed,
    }

    r = lenient.post("/cases/new", data=form, follow_redirects=False)

    assert r.status_code == 422, r.text[:300]
    errors = re.search(r'id="form-errors">(.*?)</div>', r.text, re.S).group(1)
    assert wanted in errors and "Input should" not in errors, errors
