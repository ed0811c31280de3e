"""docs/contract.md §4 `request_confirmation` guards (民诉法解释 第355条, corrections v2 item 7): status is
judged on what the agreement decides, not on the dispute type; a labour agreement only as 劳动争议解释(一)
第52条 allows; every refusal names its article; a time in a refusal is shown in 北京时间, named."""

from datetime import datetime, timedelta

from models.settings import get_settings
from tests.api.steps import act, agreement_signed_now, case_in, confirmation_request, fire, open_case

MAINTENANCE = [
    {"obligor": 1, "obligee": 0, "description": "每月支付子女抚养费", "amount": "2000.00", "due_date": "2027-01-05"}
]


def _agreed(client, login, dispute_type="family", **agreement):
    case = case_in(client, login, "mediation", dispute_type=dispute_type)
    body = {**agreement_signed_now(), **agreement}
    act(client, login("mediator1"), case["id"], "reach_agreement", body)
    return case


def _refusal(r, rule):
    assert r.status_code == 409, r.text
    body = r.json()
    assert rule in [x["rule"] for x in body["rules"]]
    return body["detail"]


def test_a_family_agreement_on_maintenance_alone_is_confirmable(client, login):
    case = _agreed(client, login, obligations=MAINTENANCE)

    r = fire(client, login("mediator1"), case["id"], "request_confirmation", confirmation_request())

    assert r.status_code == 200, r.text
    assert r.json()["state"] == "judicial_confirmation"


def test_an_agreement_that_says_it_decides_status_is_refused_naming_item_3(client, login):
    case = _agreed(client, login, obligations=MAINTENANCE, status_matter=True)

    r = fire(client, login("mediator1"), case["id"], "request_confirmation", confirmation_request())

    assert "民诉法解释 第355条第1款第3项" in _refusal(r, "not_a_status_matter")


def test_a_case_flagged_as_a_status_matter_stays_refused(client, login):
    case = case_in(client, login, "agreement", dispute_type="family", status_matter=True)

    r = fire(client, login("mediator1"), case["id"], "request_confirmation", confirmation_request())

    assert "第355条第1款第3项" in _refusal(r, "not_a_status_matter")


def test_an_ownership_confirmation_is_refused_naming_item_5(client, login):
    case = _agreed(client, login, dispute_type="property", ownership_confirmation=True)

    r = fire(client, login("mediator1"), case["id"], "request_confirmation", confirmation_request())

    detail = _refusal(r, "not_an_ownership_confirmation")
    assert "第355条第1款第5项" in detail and "第4项" not in detail


def test_a_lapsed_window_is_refused_with_its_end_in_beijing_time(client, login):
    tz = get_settings().tz
    signed = (datetime.now(tz) - timedelta(days=45)).replace(microsecond=0)
    case = _agreed(client, login, dispute_type="neighbour", signed_at=signed.isoformat())

    r = fire(client, login("mediator1"), case["id"], "request_confirmation", confirmation_request())

    detail = _refusal(r, "within_confirmation_window")
    assert "人民调解法 第33条" in detail and "（北京时间）" in detail and "24:00" in detail
    assert "+00:00" not in detail and "UTC" not in detail


def test_a_labour_agreement_with_an_obligation_that_is_not_a_payment_is_refused_naming_article_52(client, login):
    case = case_in(client, login, "mediation", dispute_type="labour")
    obligations = [
        {"obligor": 1, "obligee": 0, "description": "支付拖欠工资", "amount": "12000.00", "due_date": "2027-01-15"},
        {"obligor": 1, "obligee": 0, "description": "出具解除劳动合同证明"},
    ]
    act(
        client,
        login("mediator1"),
        case["id"],
        "reach_agreement",
        {**agreement_signed_now(), "obligations": obligations},
    )

    r = fire(client, login("mediator1"), case["id"], "request_confirmation", confirmation_request())

    detail = _refusal(r, "labour_confirmation_scope")
    assert "劳动争议解释(一) 第52条" in detail and "第2项" in detail


def test_a_labour_agreement_before_a_labour_mediation_centre_is_refused_naming_article_52(client, login):
    window, mediator = login("window1"), login("mediator2")
    case = open_case(client, window, dispute_type="labour")
    act(client, window, case["id"], "divert", {"org_code": "CN-ZJ-XH-LDTJ"})
    act(client, mediator, case["id"], "accept", {"mediator_code": "M-0004"})
    act(client, mediator, case["id"], "reach_agreement", agreement_signed_now())

    r = fire(client, mediator, case["id"], "request_confirmation", confirmation_request())

    assert "人民调解委员会" in _refusal(r, "labour_confirmation_scope")
