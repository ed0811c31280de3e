"""The routing rules the law sets, over HTTP on the demo centre (docs/contract.md §5, additive intake fields):
domestic violence asked at intake, flagged, its notices on the response and the case page, never routed to
the village committee; a person's contract dispute to free people's mediation unless commercial mediation is
chosen; medical to the 医调委 and up to the city's; land requisition to the county and never to land
arbitration; legal representative and agent of a party; the Zhejiang property regulation."""

import re

from tests.api.steps import act, fire, open_case, post_case, signed_a_moment_ago
from tests.api.test_web_routes import web_login
from tests.factories import ID_A, USCC_A, case_payload

COMPANY = {
    "role": "respondent",
    "kind": "organization",
    "name": "杭州某某物业服务有限公司",
    "uscc": USCC_A,
    "legal_representative": "赵大海",
    "agent": "钱律师（浙江某律师事务所）",
}


def test_domestic_violence_is_flagged_with_its_notices_and_goes_to_the_street_committee(client, login):
    window = login("window1")
    case = open_case(client, window, dispute_type="family", domestic_violence=True)
    assert case["domestic_violence"] is True and case["flags"] == ["domestic_violence"]
    notices = {n["code"]: n for n in case["notices"]}
    assert set(notices) == {"police_report", "victim_report", "protection_order"}
    assert notices["police_report"]["basis"] == "人民调解法 第25条"
    assert (
        "对有可能引起治安案件、刑事案件的纠纷，应当及时向当地公安机关或者其他有关部门报告"
        in notices["police_report"]["text"]
    )
    assert notices["protection_order"]["basis"] == "反家庭暴力法 第23条"
    assert "人身安全保护令" in notices["protection_order"]["text"]
    assert client.get(f"/api/v1/cases/{case['id']}", headers=window).json()["notices"] == case["notices"]

    body = act(client, window, case["id"], "divert", {})
    assert body["org_code"] == "CN-ZJ-XH-CC-RTW"  # 北山街道 (town), not 宝石社区 (the village committee)
    flagged = client.get("/api/v1/cases", params={"flag": "domestic_violence"}, headers=window).json()
    assert [c["id"] for c in flagged["data"]] == [case["id"]]


def test_a_family_case_without_violence_has_no_notices_and_stays_in_the_village(client, login):
    window = login("window1")
    case = open_case(client, window, dispute_type="family")
    assert (case["notices"], case["flags"], case["domestic_violence"]) == ([], [], False)
    assert act(client, window, case["id"], "divert", {})["org_code"] == "CN-ZJ-XH-BS-RTW"


def test_the_new_intake_fields_are_strict_booleans(client, login):
    r = post_case(client, login("window1"), dispute_type="family", domestic_violence="yes")
    assert r.status_code == 422 and "domestic_violence" in r.text


def test_a_persons_contract_dispute_goes_to_free_people_mediation_unless_commercial_is_chosen(client, login):
    window = login("window1")
    free = open_case(client, window, dispute_type="contract")
    assert free["commercial_mediation_chosen"] is False
    assert act(client, window, free["id"], "divert", {})["org_code"] == "CN-ZJ-XH-CC-RTW"
    chosen = open_case(client, window, dispute_type="contract", commercial_mediation_chosen=True)
    assert act(client, window, chosen["id"], "divert", {})["org_code"] == "CN-ZJ-XH-SSTJ"
    parties = [case_payload()["parties"][0], COMPANY]
    company = open_case(client, window, dispute_type="contract", parties=parties)
    assert act(client, window, company["id"], "divert", {})["org_code"] == "CN-ZJ-XH-SSTJ"


def test_a_medical_dispute_goes_to_the_district_committee_and_escalates_to_the_city(client, login):
    window, mediator = login("window1"), login("mediator3")
    case = open_case(client, window, dispute_type="medical")
    assert act(client, window, case["id"], "divert", {})["org_code"] == "CN-ZJ-XH-YTW"
    up = act(client, mediator, case["id"], "escalate", {"reason": "案情重大，提请市医调委调解"})
    assert (up["state"], up["org_code"]) == ("diversion", "CN-ZJ-HZ-YTW")


def test_land_requisition_goes_to_the_county_and_land_arbitration_is_refused(client, login):
    window, mediator = login("window1"), login("mediator5")
    case = open_case(client, window, dispute_type="land_contract", land_requisition=True)
    assert [n["code"] for n in case["notices"]] == ["land_requisition"]
    assert act(client, window, case["id"], "divert", {})["org_code"] == "CN-ZJ-XH-RTW"
    act(client, mediator, case["id"], "accept", {"mediator_code": "M-0010"})
    act(client, mediator, case["id"], "fail", {"reason": "被申请人不同意补偿方案"})
    r = fire(client, mediator, case["id"], "refer_arbitration", {"body_code": "CN-ZJ-XH-NTZC"})
    assert r.status_code == 409, r.text
    assert "农村土地承包经营纠纷调解仲裁法 第2条第3款" in r.json()["detail"]
    assert act(client, mediator, case["id"], "refer_litigation", {"court_code": "CN-ZJ-XH-FY"})["state"] == "litigation"


def test_a_company_party_keeps_its_legal_representative_and_agent(client, login):
    window = login("window1")
    case = open_case(client, window, dispute_type="property", parties=[case_payload()["parties"][0], COMPANY])
    party = case["parties"][1]
    assert (party["legal_representative"], party["agent"]) == ("赵大海", "钱律师（浙江某律师事务所）")
    seen = client.get(f"/api/v1/cases/{case['id']}", headers=login("super1")).json()["parties"][1]
    assert seen["legal_representative"] == "赵大海"


def test_a_person_has_no_legal_representative(client, login):
    person = {"role": "applicant", "kind": "person", "name": "张三", "id_number": ID_A, "legal_representative": "某"}
    r = post_case(client, login("window1"), parties=[person, COMPANY])
    assert r.status_code == 422 and "legal_representative" in r.text and "agent" in r.text


def test_a_zhejiang_property_dispute_is_routed_citing_the_zhejiang_regulation(client, login):
    window = login("window1")
    case = open_case(client, window, dispute_type="property")
    act(client, window, case["id"], "divert", {})
    step = client.get(f"/api/v1/cases/{case['id']}/routing", headers=window).json()["steps"][-1]
    assert step["routing"]["rule"] == "property_community_town"
    assert "浙江省物业管理条例 第38条" in step["routing"]["basis"]


def test_the_web_intake_asks_about_domestic_violence_and_the_case_page_shows_the_duties(client):
    csrf = web_login(client, "window1")
    form = client.get("/cases/new").text
    assert 'name="domestic_violence"' in form and "涉及家庭暴力" in form
    assert 'name="p0_legal_representative"' in form and 'name="p0_agent"' in form
    r = client.post(
        "/cases/new",
        data={
            "csrf": csrf,
            "dispute_type": "family",
            "channel": "window",
            "region": "330106001001",
            "summary": "丈夫多次殴打妻子，双方就离婚后子女抚养协商未果",
            "domestic_violence": "on",
            "p0_role": "applicant",
            "p0_kind": "person",
            "p0_name": "甲",
            "p1_role": "respondent",
            "p1_kind": "person",
            "p1_name": "乙",
            "p1_agent": "丙",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    assert "依法提示" in page and "人民调解法 第25条" in page and "反家庭暴力法 第23条" in page
    assert "委托代理人：丙" in page
    assert re.search(r"分流建议.*北山街道人民调解委员会", page, re.S)


def test_an_obligation_may_name_its_payment_method(client, login):
    window, mediator = login("window1"), login("mediator1")
    case = open_case(client, window)
    act(client, window, case["id"], "divert", {"org_code": "CN-ZJ-XH-CC-RTW"})
    act(client, mediator, case["id"], "accept", {"mediator_code": "M-0001"})
    body = {
        "facts": "漏水",
        "liability": "李四负责",
        "signed_at": signed_a_moment_ago(),
        "obligations": [
            {"obligor": 1, "obligee": 0, "description": "赔偿维修费", "amount": "8500.00", "payment_method": "银行转账"}
        ],
    }
    done = act(client, mediator, case["id"], "reach_agreement", body)
    assert done["agreement"]["obligations"][0]["payment_method"] == "银行转账"
