"""docs/contract.md §4a (v2) `enforcement`: one clock per obligation, two years from its own `due_date`,
from the ruling for an undated one (民事诉讼法 第250条); `record_fulfilment` settles them all."""

from datetime import datetime

from models.settings import get_settings
from tests.api.steps import act, agreement_signed_now, case_in, confirmation_request, fire

RULING = {"ruling_no": "（2026）浙0106民特7号"}


def _confirmed_with(client, login, obligations):
    case = case_in(client, login, "mediation")
    body = {**agreement_signed_now(), "obligations": obligations}
    act(client, login("mediator1"), case["id"], "reach_agreement", body)
    act(client, login("mediator1"), case["id"], "request_confirmation", confirmation_request())
    return act(client, login("court1"), case["id"], "court_confirm", RULING)


def _enforcement(client, login, case_id):
    listed = client.get(f"/api/v1/cases/{case_id}/deadlines", headers=login("mediator1")).json()
    return {d["ref"]: d for d in listed if d["kind"] == "enforcement"}


OBLIGATIONS = [
    {"obligor": 1, "obligee": 0, "description": "赔偿维修费用", "amount": "5000.00", "due_date": "2026-12-31"},
    {"obligor": 1, "obligee": 0, "description": "赔礼道歉"},  # undated
    {"obligor": 0, "obligee": 1, "description": "返还钥匙", "due_date": "2027-06-30"},
]


def test_each_obligation_gets_its_own_enforcement_clock(client, login):
    case = _confirmed_with(client, login, OBLIGATIONS)
    ruling_day = datetime.now(get_settings().tz).date().isoformat()

    clocks = _enforcement(client, login, case["id"])

    assert set(clocks) == {"obligations[0]", "obligations[1]", "obligations[2]"}
    assert clocks["obligations[0]"]["start_date"] == "2026-12-31"
    assert clocks["obligations[1]"]["start_date"] == ruling_day  # undated: from the ruling
    assert clocks["obligations[2]"]["start_date"] == "2027-06-30"
    for d in clocks.values():
        assert d["status"] == "pending" and "第250条" in d["basis"]
        # two years: the corresponding day, moved to the next working day when it is not one
        start = d["start_date"]
        assert f"{int(start[:4]) + 2}{start[4:]}" <= d["last_day"]
        assert d["due_at"].endswith("T00:00:00+08:00")
    # 2028-12-31 is a Sunday: the first clock ends on a later working day, within the week
    assert "2029-01-01" <= clocks["obligations[0]"]["last_day"] <= "2029-01-07"


def test_the_ruling_event_lists_each_clock(client, login):
    case = _confirmed_with(client, login, OBLIGATIONS)

    events = client.get(f"/api/v1/cases/{case['id']}/events", headers=login("mediator1")).json()

    ruling = next(e for e in events if e["trigger"] == "court_confirm")
    assert [e["ref"] for e in ruling["payload"]["enforcement"]] == [
        "obligations[0]",
        "obligations[1]",
        "obligations[2]",
    ]
    assert ruling["payload"]["enforcement_due_at"] == max(e["due_at"] for e in ruling["payload"]["enforcement"])


def test_fulfilment_settles_every_enforcement_clock(client, login):
    case = _confirmed_with(client, login, OBLIGATIONS)

    closed = act(client, login("mediator1"), case["id"], "record_fulfilment", {"note": "均已履行"})

    assert closed["state"] == "closed"
    assert {d["status"] for d in _enforcement(client, login, case["id"]).values()} == {"met"}


def test_a_rejected_confirmation_opens_no_enforcement_clock(client, login):
    case = case_in(client, login, "judicial_confirmation")

    r = fire(client, login("court1"), case["id"], "court_reject", {**RULING, "reason": "协议内容不明确"})

    assert r.status_code == 200, r.text
    assert _enforcement(client, login, case["id"]) == {}
