"""Over HTTP: judicial confirmation from application to ruling, with the court as a user.

A traffic compensation agreement filed to the right court, received, confirmed and fulfilled; the
wrong court refused (民事诉讼法 第205条) naming the right ones; inadmissible agreements refused
(民诉法解释 第355条); an unclear payment obligation warned about; another court sees nothing.
"""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from models.settings import get_settings
from tests.api.steps import (
    act,
    agreement_signed_now,
    case_in,
    confirmation_request,
    fire,
    open_case,
    signed_a_moment_ago,
)
from tests.factories import COURT
from tests.workflows.handoff_support import (
    CITY_COURT,
    OTHER_COURT,
    OTHER_COURT_USER,
    PASSWORD,
    extra_courts,
)

Login = Callable[[str], dict[str, str]]
TRAFFIC_ORG = "CN-ZJ-XH-JTTW"
RULING = "（2026）浙0106民特88号"


@pytest.fixture
def courts(engine: Engine) -> Iterator[None]:
    with extra_courts(engine):
        yield


def court2(client: TestClient) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": OTHER_COURT_USER, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def traffic_agreement() -> dict[str, Any]:
    return {
        "facts": "2026年10月5日，李四驾驶小型轿车在西湖区北山街与张三驾驶的电动自行车相撞，致张三受伤、车辆损坏。",
        "liability": "经交警部门认定，李四负事故全部责任。",
        "obligations": [
            {
                "obligor": 1,
                "obligee": 0,
                "description": "赔偿医疗费、误工费、护理费及车辆损失",
                "amount": "60000.00",
                "due_date": "2026-12-31",
                "place": "西湖区道路交通事故纠纷人民调解委员会",
            },
            {
                "obligor": 1,
                "obligee": 0,
                "description": "赔偿后续治疗费",
                "amount": "25000.00",
                "due_date": "2027-03-31",
            },
        ],
        "signed_at": signed_a_moment_ago(),
    }


def traffic_case_in_agreement(client: TestClient, login: Login, **over: Any) -> dict[str, Any]:
    window, mediator = login("window1"), login("mediator4")
    over = {"claim_amount": "85000.00", "summary": "机动车与电动自行车碰撞致人受伤，双方就赔偿数额协商未果", **over}
    case = open_case(client, window, dispute_type="traffic", **over)
    act(client, window, case["id"], "divert", {"org_code": TRAFFIC_ORG})
    act(client, mediator, case["id"], "accept", {"mediator_code": "M-0006"})
    return act(client, mediator, case["id"], "reach_agreement", traffic_agreement())


def test_a_traffic_agreement_is_filed_received_confirmed_and_fulfilled(
    client: TestClient, login: Login, courts: None
) -> None:
    mediator, court = login("mediator4"), login("court1")
    case = traffic_case_in_agreement(client, login)
    cid = case["id"]

    case = act(client, mediator, cid, "request_confirmation", confirmation_request(COURT))
    assert case["state"] == "judicial_confirmation"

    # the court's inbox: the package, complete
    r = client.get("/api/v1/court/confirmations", params={"status": "pending"}, headers=court)
    assert r.status_code == 200
    inbox = [h for h in r.json() if h["case_id"] == cid]
    assert len(inbox) == 1
    hid = inbox[0]["id"]
    r = client.get(f"/api/v1/court/confirmations/{hid}", headers=court)
    assert r.status_code == 200, r.text
    h = r.json()
    assert (h["status"], h["court_code"], h["accepted_at"], h["decided_at"]) == ("pending", COURT, None, None)
    pkg = h["package"]
    assert [(a["name"], a["id_number"], a["phone"]) for a in pkg["applicants"]] == [
        ("张三", "11010519491231002X", "13812345678"),
        ("李四", "110105198001010016", "13987654321"),
    ]
    assert pkg["agreement"]["obligations"][1]["amount"] == "25000.00"
    assert pkg["agreement"]["liability"].startswith("经交警部门认定")
    assert pkg["mediation_organization"]["code"] == TRAFFIC_ORG
    assert pkg["mediation_organization"]["name"] == "西湖区道路交通事故纠纷人民调解委员会"
    assert pkg["mediator"] == {"code": "M-0006", "name": "刘洋"}
    assert pkg["application"]["court_code"] == COURT and pkg["application"]["joint"] is True
    assert pkg["facts"]["summary"].startswith("机动车与电动自行车") and pkg["facts"]["claim_amount"] == "85000.00"
    assert pkg["warnings"] == []
    kinds = {d["kind"]: d for d in pkg["documents"]}
    assert set(kinds) == {"mediation_agreement", "confirmation_application"}
    assert (
        kinds["confirmation_application"]["pdf"] == f"/api/v1/documents/{kinds['confirmation_application']['id']}/pdf"
    )
    r = client.get(f"/api/v1/cases/{cid}/documents", headers=mediator)
    assert {d["id"] for d in r.json()} >= {d["id"] for d in pkg["documents"]}

    # receipt: accepted_at, once (idempotent), audited on the case
    r = client.post(f"/api/v1/court/confirmations/{hid}/receive", headers=court)
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["status"] == "accepted" and first["accepted_at"]
    r = client.post(f"/api/v1/court/confirmations/{hid}/receive", headers=court)
    assert r.status_code == 200 and r.json()["accepted_at"] == first["accepted_at"]
    assert [
        h["id"] for h in client.get("/api/v1/court/confirmations", params={"status": "pending"}, headers=court).json()
    ] == []
    assert [
        h["id"] for h in client.get("/api/v1/court/confirmations", params={"status": "accepted"}, headers=court).json()
    ] == [hid]
    events = client.get(f"/api/v1/cases/{cid}/events", headers=mediator).json()
    received = [e for e in events if e["trigger"] == "court_received"]
    assert len(received) == 1 and received[0]["actor"] == "court1"
    assert received[0]["payload"]["handoff_id"] == hid
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))

    # the ruling: confirmed, the hand-off decided, the enforcement clock running
    case = act(client, court, cid, "court_confirm", {"ruling_no": RULING})
    assert case["state"] == "confirmed"
    h = client.get(f"/api/v1/court/confirmations/{hid}", headers=court).json()
    assert (h["status"], h["outcome"], h["ruling_no"]) == ("decided", "confirmed", RULING)
    assert h["decided_at"]
    listed = client.get(f"/api/v1/cases/{cid}/deadlines", headers=mediator).json()
    deadlines = {d["kind"]: d for d in listed}
    enforcement = next(d for d in listed if d["kind"] == "enforcement" and d["ref"] == "obligations[1]")
    # two years from that obligation's last performance day, 2027-03-31 (民事诉讼法 第250条): 2029-03-31 is a
    # Saturday, so the period ends on the next working day, Monday 2029-04-02
    assert enforcement["status"] == "pending" and enforcement["start_date"] == "2027-03-31"
    assert enforcement["last_day"] == "2029-04-02"
    assert enforcement["due_at"] == "2029-04-03T00:00:00+08:00"
    assert "民事诉讼法 第250条" in enforcement["basis"]
    assert deadlines["court_decision"]["status"] == "met"

    # fulfilled: the case closes and the enforcement clock is met
    case = act(client, mediator, cid, "record_fulfilment", {"note": "李四已于期限内足额支付"})
    assert case["state"] == "closed"
    listed = client.get(f"/api/v1/cases/{cid}/deadlines", headers=mediator).json()
    assert [d["status"] for d in listed if d["kind"] == "enforcement"] == ["met", "met"]
    assert [
        h["id"] for h in client.get("/api/v1/court/confirmations", params={"status": "decided"}, headers=court).json()
    ] == [hid]


def test_the_wrong_court_is_refused_naming_article_205_and_the_right_court(
    client: TestClient, login: Login, courts: None
) -> None:
    mediator = login("mediator4")
    case = traffic_case_in_agreement(client, login)
    r = fire(client, mediator, case["id"], "request_confirmation", confirmation_request(OTHER_COURT))
    assert r.status_code == 409, r.text
    body = r.json()
    assert "第205条" in body["detail"] and COURT in body["detail"] and "杭州市西湖区人民法院" in body["detail"]
    assert OTHER_COURT not in body["detail"].split("应向下列人民法院申请")[1]
    assert [x["rule"] for x in body["rules"]] == ["court_has_jurisdiction"]
    assert client.get(f"/api/v1/cases/{case['id']}", headers=mediator).json()["state"] == "agreement"
    assert client.get("/api/v1/court/confirmations", headers=court2(client)).json() == []
    # the intermediate court is not competent for a basic-court dispute either
    r = fire(client, mediator, case["id"], "request_confirmation", confirmation_request(CITY_COURT))
    assert r.status_code == 409 and COURT in r.json()["detail"]


def test_a_party_domiciled_in_another_county_gives_that_county_s_court_jurisdiction(
    client: TestClient, login: Login, courts: None
) -> None:
    mediator = login("mediator4")
    parties = [
        {
            "role": "applicant",
            "kind": "person",
            "name": "王五",
            "id_number": "330105199001010011",
            "phone": "13812345678",
        },
        {
            "role": "respondent",
            "kind": "person",
            "name": "李四",
            "id_number": "110105198001010016",
            "phone": "13987654321",
        },
    ]
    case = traffic_case_in_agreement(client, login, parties=parties)
    case = act(client, mediator, case["id"], "request_confirmation", confirmation_request(OTHER_COURT))
    assert case["state"] == "judicial_confirmation"
    inbox = client.get("/api/v1/court/confirmations", headers=court2(client)).json()
    assert [h["case_id"] for h in inbox] == [case["id"]]
    assert inbox[0]["package"]["jurisdiction"]["regions"]["domicile"] == ["110105", "330105"]


def test_a_dispute_for_the_intermediate_court_goes_there(client: TestClient, login: Login, courts: None) -> None:
    mediator = login("mediator4")
    case = traffic_case_in_agreement(client, login, claim_amount="600000000.00")
    r = fire(client, mediator, case["id"], "request_confirmation", confirmation_request(COURT))
    assert r.status_code == 409 and CITY_COURT in r.json()["detail"] and "第205条" in r.json()["detail"]
    case = act(client, mediator, case["id"], "request_confirmation", confirmation_request(CITY_COURT))
    assert (case["state"], case["court_code"]) == ("judicial_confirmation", CITY_COURT)


def test_a_family_status_agreement_is_refused(client: TestClient, login: Login) -> None:
    mediator = login("mediator1")
    case = case_in(
        client,
        login,
        "agreement",
        dispute_type="family",
        status_matter=True,
        summary="双方协议解除婚姻关系并约定子女抚养",
    )
    r = fire(client, mediator, case["id"], "request_confirmation", confirmation_request(COURT))
    assert r.status_code == 409
    body = r.json()
    assert "not_a_status_matter" in [x["rule"] for x in body["rules"]] and "第355条" in body["detail"]
    assert client.get("/api/v1/court/confirmations", headers=login("court1")).json() == []


def test_an_ownership_confirmation_is_refused(client: TestClient, login: Login) -> None:
    window, mediator = login("window1"), login("mediator1")
    case = case_in(client, login, "mediation", dispute_type="property")
    body = agreement_signed_now()
    body["ownership_confirmation"] = True
    act(client, mediator, case["id"], "reach_agreement", body)
    r = fire(client, mediator, case["id"], "request_confirmation", confirmation_request(COURT))
    assert r.status_code == 409
    assert [x["rule"] for x in r.json()["rules"]] == ["not_an_ownership_confirmation"]
    assert "第355条" in r.json()["detail"]
    # worded as 确权 without the flag: refused too
    case = case_in(client, login, "mediation", dispute_type="property")
    body = agreement_signed_now()
    body["obligations"][0]["description"] = "双方确认涉案车库的所有权归张三"
    act(client, mediator, case["id"], "reach_agreement", body)
    r = fire(client, mediator, case["id"], "request_confirmation", confirmation_request(COURT))
    assert r.status_code == 409 and r.json()["rules"][0]["rule"] == "not_an_ownership_confirmation"
    assert window  # the window staff opened both cases


def test_a_payment_without_due_date_is_filed_with_a_warning(client: TestClient, login: Login) -> None:
    mediator = login("mediator1")
    case = case_in(client, login, "mediation")
    body = agreement_signed_now()
    del body["obligations"][0]["due_date"]
    act(client, mediator, case["id"], "reach_agreement", body)
    case = act(client, mediator, case["id"], "request_confirmation", confirmation_request(COURT))
    assert case["state"] == "judicial_confirmation"
    [h] = client.get("/api/v1/court/confirmations", headers=login("court1")).json()
    [warning] = h["package"]["warnings"]
    assert warning["obligation"] == 0 and warning["missing"] == ["due_date"] and "第358条" in warning["message"]
    event = next(
        e
        for e in client.get(f"/api/v1/cases/{case['id']}/events", headers=mediator).json()
        if e["trigger"] == "request_confirmation"
    )
    assert event["payload"]["warnings"] == [warning]


def test_another_court_sees_nothing(client: TestClient, login: Login, courts: None) -> None:
    case = case_in(client, login, "judicial_confirmation")
    [h] = client.get("/api/v1/court/confirmations", headers=login("court1")).json()
    other = court2(client)
    assert client.get("/api/v1/court/confirmations", headers=other).json() == []
    assert client.get("/api/v1/court/confirmations", params={"status": "pending"}, headers=other).json() == []
    assert client.get(f"/api/v1/court/confirmations/{h['id']}", headers=other).status_code == 404
    assert client.post(f"/api/v1/court/confirmations/{h['id']}/receive", headers=other).status_code == 404
    assert client.get(f"/api/v1/cases/{case['id']}", headers=other).status_code == 404
    r = fire(client, other, case["id"], "court_confirm", {"ruling_no": RULING})
    assert r.status_code == 404
    assert client.get(f"/api/v1/court/confirmations/{h['id']}", headers=login("court1")).json()["status"] == "pending"
    # not a hand-off id at all, and mediators have no court inbox
    assert client.get("/api/v1/court/confirmations/not-a-uuid", headers=other).status_code == 404
    assert client.get(f"/api/v1/court/confirmations/{h['id']}", headers=login("mediator1")).status_code == 403


def test_a_rejected_agreement_may_be_mediated_again(client: TestClient, login: Login) -> None:
    mediator, court = login("mediator1"), login("court1")
    case = case_in(client, login, "judicial_confirmation")
    act(client, court, case["id"], "court_reject", {"ruling_no": RULING, "reason": "协议内容不明确"})
    [h] = client.get("/api/v1/court/confirmations", params={"status": "decided"}, headers=court).json()
    assert (h["outcome"], h["ruling_no"]) == ("rejected", RULING)
    allowed = client.get(f"/api/v1/cases/{case['id']}/actions", headers=mediator).json()["allowed"]
    assert {"resume_mediation", "refer_litigation"} <= set(allowed)
    deadlines = {d["kind"] for d in client.get(f"/api/v1/cases/{case['id']}/deadlines", headers=mediator).json()}
    assert "enforcement" not in deadlines
    assert act(client, mediator, case["id"], "resume_mediation", {"reason": "变更协议内容"})["state"] == "mediation"
    assert datetime.now(get_settings().tz)  # the real clock drives the HTTP tests


def test_a_court_referral_goes_back_to_the_inviting_court(client: TestClient, login: Login, courts: None) -> None:
    mediator = login("mediator4")
    case = traffic_case_in_agreement(
        client,
        login,
        channel="court_referral",
        referral={"court_code": OTHER_COURT, "kind": "pre_filing", "reference": "（2026）浙0105民诉前调1号"},
    )
    r = fire(client, mediator, case["id"], "request_confirmation", confirmation_request(COURT))
    assert r.status_code == 409 and OTHER_COURT in r.json()["detail"] and "第205条" in r.json()["detail"]
    case = act(client, mediator, case["id"], "request_confirmation", confirmation_request(OTHER_COURT))
    [h] = client.get("/api/v1/court/confirmations", headers=court2(client)).json()
    assert h["case_id"] == case["id"] and h["package"]["jurisdiction"]["ground"] == "inviting_court"
