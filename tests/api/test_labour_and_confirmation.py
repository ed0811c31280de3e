"""Over HTTP (docs/contract.md §4 v2, §5): the joint application (409 naming 民诉法解释 第351条, 422 naming the
field, the agent's identity masked in every response but whole for the court), the court's 立案 on receipt
and its withdrawal route, the labour route from arbitration to court, and the web form's joint application."""

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.api.steps import act, case_in, confirmation_request, fire, today
from tests.api.test_web_routes import web_login
from tests.factories import COURT, ID_GS, LABOUR_ARBITRATION

AGENT = {"party": 1, "name": "赵律师", "id_number": ID_GS, "authority": "special"}
MASKED = "330105********0011"


def test_a_party_who_did_not_sign_is_refused_409_naming_article_351(client: TestClient, login):
    case = case_in(client, login, "agreement")
    r = fire(client, login("mediator1"), case["id"], "request_confirmation", confirmation_request(applicants=[1]))
    assert r.status_code == 409
    assert [x["rule"] for x in r.json()["rules"]] == ["joint_application_complete"]
    assert "张三" in r.json()["detail"] and "民诉法解释 第351条" in r.json()["detail"]


def test_a_malformed_agent_is_422_naming_the_field_without_echoing_the_number(client: TestClient, login):
    case = case_in(client, login, "agreement")
    bad = {**AGENT, "id_number": "330105199001010012"}  # wrong check digit
    r = fire(client, login("mediator1"), case["id"], "request_confirmation", confirmation_request(agents=[bad]))
    assert r.status_code == 422
    assert "joint_application.agents.0.id_number" in r.text and "330105199001010012" not in r.text
    r = fire(client, login("mediator1"), case["id"], "request_confirmation", {"court_code": COURT})
    assert r.status_code == 422 and "joint_application" in r.text


def test_the_agents_identity_is_masked_for_staff_and_whole_for_the_court(client: TestClient, login):
    mediator, court = login("mediator1"), login("court1")
    case = case_in(client, login, "agreement")
    body = confirmation_request(applicants=[0], agents=[AGENT])
    case = act(client, mediator, case["id"], "request_confirmation", body)
    [application] = case["confirmation"]["applications"]
    assert application["applicants"] == [0, 1] and application["agents"][0]["id_number"] == MASKED
    for who in (mediator, login("super1")):
        assert ID_GS not in client.get(f"/api/v1/cases/{case['id']}", headers=who).text
        assert ID_GS not in client.get(f"/api/v1/cases/{case['id']}/events", headers=who).text
    [h] = client.get("/api/v1/court/confirmations", headers=court).json()
    assert h["package"]["joint_application"]["agents"][0]["id_number"] == ID_GS
    assert [a["as"] for a in h["package"]["applicants"]] == ["申请人", "申请人"]


def test_the_court_records_its_filing_on_receipt_and_the_clock_runs_from_it(client: TestClient, login):
    court = login("court1")
    case = case_in(client, login, "judicial_confirmation")
    [h] = client.get("/api/v1/court/confirmations?status=pending", headers=court).json()
    url = f"/api/v1/court/confirmations/{h['id']}/receive"
    tomorrow = (date.fromisoformat(today()) + timedelta(days=1)).isoformat()
    r = client.post(url, json={"filed_on": tomorrow}, headers=court)
    assert r.status_code == 422 and "filed_on" in r.text
    r = client.post(url, json={"filed_on": today()}, headers=court)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    deadlines = client.get(f"/api/v1/cases/{case['id']}/deadlines", headers=court).json()
    court_clocks = [(d["status"], d["start_date"]) for d in deadlines if d["kind"] == "court_decision"]
    assert court_clocks == [("cancelled", today()), ("pending", today())]
    events = client.get(f"/api/v1/cases/{case['id']}/events", headers=court).json()
    assert events[-1]["trigger"] == "court_file" and events[-1]["payload"]["filed_on"] == today()


def test_a_withdrawn_application_returns_the_case_to_its_agreement(client: TestClient, login):
    case = case_in(client, login, "judicial_confirmation")
    case = act(client, login("window1"), case["id"], "withdraw_confirmation", {"reason": "双方当事人申请撤回"})
    assert case["state"] == "agreement"
    assert case["confirmation"]["applications"][0]["withdrawal"]["reason"] == "双方当事人申请撤回"
    [h] = client.get("/api/v1/court/confirmations", headers=login("court1")).json()
    assert (h["status"], h["outcome"]) == ("decided", "withdrawn")


def test_a_labour_case_goes_to_court_after_the_award_not_before(client: TestClient, login):
    mediator = login("mediator1")
    case = case_in(client, login, "failed", dispute_type="labour")
    act(client, mediator, case["id"], "refer_arbitration", {"body_code": LABOUR_ARBITRATION})
    r = fire(client, mediator, case["id"], "refer_litigation", {"court_code": COURT})
    assert r.status_code == 409 and "劳动争议调解仲裁法 第29条" in r.json()["detail"]
    act(client, mediator, case["id"], "arbitration_accepted", {"accepted_on": today()})
    r = fire(client, mediator, case["id"], "refer_litigation", {"court_code": COURT})
    assert r.status_code == 409 and "第43条" in r.json()["detail"]
    award = {"award_no": "杭西劳人仲案字〔2026〕8号", "received_on": today(), "final": False}
    case = act(client, mediator, case["id"], "record_award", award)
    assert case["arbitration"]["award"]["award_no"] == award["award_no"]
    assert {d["kind"] for d in case["deadlines"] if d["status"] == "pending"} == {"award_challenge"}
    assert act(client, mediator, case["id"], "refer_litigation", {"court_code": COURT})["state"] == "litigation"


def test_the_web_form_takes_the_joint_application(client: TestClient, login):
    case = case_in(client, login, "agreement")
    csrf = web_login(client, "mediator1")
    page = client.get(f"/cases/{case['id']}").text
    assert 'name="ja_applicant_0"' in page and 'name="ja_signed_on"' in page and 'name="ja0_id_number"' in page
    form = {
        "csrf": csrf,
        "version": str(case["version"]),
        "court_code": COURT,
        "ja_applicant_0": "on",
        "ja_signed_on": today(),
        "ja0_party": "1",
        "ja0_name": "赵律师",
        "ja0_id_number": ID_GS,
        "ja0_authority": "special",
    }
    r = client.post(f"/cases/{case['id']}/actions/request_confirmation", data=form, follow_redirects=False)
    assert r.status_code == 303, re.sub(r"\s+", " ", r.text)[:500]
    done = client.get(f"/api/v1/cases/{case['id']}", headers=login("mediator1")).json()
    assert done["state"] == "judicial_confirmation"
    assert done["confirmation"]["applications"][0]["agents"][0]["id_number"] == MASKED


def test_the_web_form_shows_the_refusal_when_a_party_neither_signs_nor_sends_an_agent(client: TestClient, login):
    case = case_in(client, login, "agreement")
    csrf = web_login(client, "mediator1")
    form = {"csrf": csrf, "version": str(case["version"]), "court_code": COURT, "ja_applicant_0": "on"}
    r = client.post(f"/cases/{case['id']}/actions/request_confirmation", data={**form, "ja_signed_on": today()})
    assert r.status_code == 409 and "第351条" in r.text and "李四" in r.text
