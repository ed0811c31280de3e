"""A whole case through HTTP (docs/contract.md §4, §5): intake → diversion → mediation → agreement →
judicial confirmation → confirmed → closed → follow-up, with its audit chain and its deadlines."""

import itertools
import re
import uuid
from datetime import UTC, date, datetime

import pytest

from models.settings import get_settings
from states.enums import State, Trigger
from tests.api.steps import act, confirmation_request, open_case
from tests.factories import COURT, ID_A, ID_B, MEDIATION_ORG, make_case
from workflows.audit import GENESIS, event_hash
from workflows.clocks.calendar import DEFAULT_CALENDAR, plus_months

OBLIGATIONS = [
    {
        "obligor": 1,
        "obligee": 0,
        "description": "赔偿天花板维修费用",
        "amount": "8500.00",
        "due_date": "2026-12-31",
        "place": "北山街道人民调解委员会",
    },
    {"obligor": 0, "obligee": 1, "description": "配合李四入户查看漏水点"},
]


def _local_now() -> datetime:
    return datetime.now(get_settings().tz)


def test_a_neighbour_dispute_runs_from_intake_to_followup(client, login):
    window, mediator, court = login("window1"), login("mediator1"), login("court1")

    # 受理登记
    r = client.post(
        "/api/v1/cases",
        json={
            "dispute_type": "neighbour",
            "summary": "楼上漏水导致楼下天花板受损，双方就维修费用协商未果",
            "channel": "window",
            "region": "330106001001",
            "claim_amount": "8500.00",
            "occurred_on": "2026-10-20",
            "parties": [
                {
                    "role": "applicant",
                    "kind": "person",
                    "name": "张三",
                    "id_number": ID_A,
                    "phone": "13812345678",
                    "address": "杭州市西湖区北山街道1号",
                },
                {"role": "respondent", "kind": "person", "name": "李四", "id_number": ID_B, "phone": "139 8765 4321"},
            ],
        },
        headers=window,
    )
    assert r.status_code == 201, r.text
    case = r.json()
    year = _local_now().year
    assert case["case_no"] == f"（{year}）330106调0001号"
    assert case["state"] == "intake" and case["version"] == 1
    assert r.headers["Location"] == f"/api/v1/cases/{case['id']}"
    assert r.headers["ETag"] == '"1"'
    assert [p["id_number"] for p in case["parties"]] == ["110105********002X", "110105********0016"]
    assert [p["phone"] for p in case["parties"]] == ["138****5678", "139****4321"]
    assert case["claim_amount"] == "8500.00"
    assert case["org_code"] is None and case["mediator_code"] is None
    # the only clock at intake: the limitation period from occurred_on, interrupted by this request (民法典 第195条)
    assert [(d["kind"], d["status"]) for d in case["deadlines"]] == [("limitation", "interrupted")]
    for raw in (ID_A, ID_B, "13812345678", "13987654321"):
        assert raw not in r.text
    cid = case["id"]

    # 分流交办
    case = act(client, window, cid, "divert", {"org_code": MEDIATION_ORG})
    assert (case["state"], case["version"], case["org_code"]) == ("diversion", 2, MEDIATION_ORG)

    # the committee's mediator sees what it may do now
    r = client.get(f"/api/v1/cases/{cid}/actions", headers=mediator)
    assert r.status_code == 200
    actions = r.json()
    assert {"accept", "decline", "escalate"} <= set(actions["allowed"])
    assert "divert" not in actions["allowed"] and "reach_agreement" not in actions["allowed"]
    decline = next(a for a in actions["data"] if a["trigger"] == "decline")
    assert decline["required"] == ["reason"] and decline["to_state"] == "intake" and decline["basis"]

    # 受理调解 → 达成调解协议
    case = act(client, mediator, cid, "accept", {"mediator_code": "M-0001"})
    assert (case["state"], case["mediator_code"]) == ("mediation", "M-0001")
    signed_at = _local_now().replace(microsecond=0).isoformat()
    case = act(
        client,
        mediator,
        cid,
        "reach_agreement",
        {
            "facts": "2026年10月，李四家卫生间漏水致张三家天花板受损。",
            "liability": "李四承担全部维修责任。",
            "obligations": OBLIGATIONS,
            "signed_at": signed_at,
        },
    )
    assert case["state"] == "agreement"
    assert case["agreement"]["obligations"][0] == OBLIGATIONS[0]
    assert case["agreement"]["form"] == "written"
    assert datetime.fromisoformat(case["agreement"]["signed_at"]) == datetime.fromisoformat(signed_at)

    # 申请司法确认: the court finds it in its inbox with the package
    case = act(client, mediator, cid, "request_confirmation", confirmation_request())
    assert (case["state"], case["court_code"]) == ("judicial_confirmation", COURT)
    r = client.get("/api/v1/court/confirmations", params={"status": "pending"}, headers=court)
    assert r.status_code == 200
    [handoff] = r.json()
    assert (handoff["case_id"], handoff["case_no"], handoff["court_code"], handoff["status"]) == (
        cid,
        case["case_no"],
        COURT,
        "pending",
    )
    package = handoff["package"]
    assert package["case_no"] == case["case_no"]
    assert [p["name"] for p in package["applicants"]] == ["张三", "李四"]
    assert package["agreement"]["obligations"][0]["amount"] == "8500.00"
    assert package["mediation_organization"]["code"] == MEDIATION_ORG
    assert package["mediator_code"] == "M-0001"
    assert client.get(f"/api/v1/cases/{cid}", headers=court).status_code == 200
    assert set(client.get(f"/api/v1/cases/{cid}/actions", headers=court).json()["allowed"]) == {
        "court_confirm",
        "court_reject",
        "court_file",
        "court_extend",
        "withdraw_confirmation",
    }

    # 裁定确认有效: the hand-off leaves the pending inbox
    case = act(client, court, cid, "court_confirm", {"ruling_no": "（2026）浙0106民特1号"})
    assert case["state"] == "confirmed"
    assert client.get("/api/v1/court/confirmations", params={"status": "pending"}, headers=court).json() == []
    [decided] = client.get("/api/v1/court/confirmations", params={"status": "decided"}, headers=court).json()
    assert decided["id"] == handoff["id"] and decided["decided_at"] is not None

    # 履行完毕 → 结案 → 回访
    case = act(client, mediator, cid, "record_fulfilment", {"note": "李四已于当日支付维修费用"})
    assert case["state"] == "closed"
    case = act(client, mediator, cid, "record_followup", {"satisfaction": 5, "performed": True, "note": "双方满意"})
    assert (case["state"], case["version"]) == ("closed", 8)
    assert client.get(f"/api/v1/cases/{cid}/actions", headers=mediator).json()["allowed"] == ["record_followup"]

    # 审计日志: oldest first, seq 1..n, each prev_hash the hash before it, every hash recomputable
    r = client.get(f"/api/v1/cases/{cid}/events", headers=window)
    assert r.status_code == 200
    events = r.json()
    # the transitions (other events, e.g. about documents, may come between them)
    transitions = [e for e in events if e["trigger"] in {"open", *Trigger}]
    assert [e["trigger"] for e in transitions] == [
        "open",
        "divert",
        "accept",
        "reach_agreement",
        "request_confirmation",
        "court_confirm",
        "record_fulfilment",
        "record_followup",
    ]
    assert [e["actor"] for e in transitions] == [
        "window1",
        "window1",
        "mediator1",
        "mediator1",
        "mediator1",
        "court1",
        "mediator1",
        "mediator1",
    ]
    assert [e["to_state"] for e in transitions] == [
        "intake",
        "diversion",
        "mediation",
        "agreement",
        "judicial_confirmation",
        "confirmed",
        "closed",
        "closed",
    ]
    for before, after in itertools.pairwise(transitions):
        assert after["from_state"] == before["to_state"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["prev_hash"] == GENESIS and events[0]["from_state"] is None
    for before, after in itertools.pairwise(events):
        assert after["prev_hash"] == before["hash"]
        assert datetime.fromisoformat(after["at"]) >= datetime.fromisoformat(before["at"])
    assert len({e["hash"] for e in events}) == len(events)
    for e in events:
        assert re.fullmatch(r"[0-9a-f]{64}", e["hash"])
        assert e["hash"] == event_hash(
            case_id=uuid.UUID(cid),
            seq=e["seq"],
            at=datetime.fromisoformat(e["at"]),
            actor=e["actor"],
            trigger=e["trigger"],
            from_state=e["from_state"],
            to_state=e["to_state"],
            payload=e["payload"],
            prev_hash=e["prev_hash"],
        )
    assert events[1]["payload"]["org_code"] == MEDIATION_ORG
    opened = events[0]["payload"]
    assert [p["id_number"] for p in opened["parties"]] == ["110105********002X", "110105********0016"]
    assert ID_A not in r.text and "13812345678" not in r.text

    # 期限: one of each kind, every one met, each ending at 24:00 Beijing time
    r = client.get(f"/api/v1/cases/{cid}/deadlines", headers=mediator)
    assert r.status_code == 200
    deadlines = {d["kind"]: d for d in r.json()}
    # court_confirm opens the enforcement clock (民事诉讼法 第250条); record_fulfilment meets it; the limitation
    # period opened from occurred_on was interrupted by the request for mediation (民法典 第195条)
    assert set(deadlines) == {
        "limitation",
        "diversion_acceptance",
        "mediation",
        "confirmation_window",
        "court_decision",
        "enforcement",
    }
    limitation = deadlines.pop("limitation")
    assert (limitation["status"], limitation["start_date"]) == ("interrupted", "2026-10-20")
    assert {d["status"] for d in deadlines.values()} == {"met"}
    for d in deadlines.values():
        assert d["due_at"].endswith("T00:00:00+08:00"), d
        assert isinstance(d["provisional"], bool)
        years = range(int(d["start_date"][:4]), int(d["last_day"][:4]) + 1)
        assert d["provisional"] == (not all(DEFAULT_CALENDAR.covers(y) for y in years))
    assert deadlines["diversion_acceptance"]["working_days"] is True
    assert deadlines["diversion_acceptance"]["days"] == 3
    # People's mediation: a month from acceptance (民法典 第202条), so 28 to 31 days depending on today.
    accepted = date.fromisoformat(deadlines["mediation"]["start_date"])
    assert "人民调解工作若干规定" in deadlines["mediation"]["basis"]
    assert deadlines["mediation"]["days"] == (plus_months(accepted, 1) - accepted).days
    assert "民事诉讼法 第187条" in deadlines["court_decision"]["basis"]
    assert deadlines["confirmation_window"]["start_date"] == signed_at[:10]
    assert [d["kind"] for d in case["deadlines"]] == [d["kind"] for d in r.json()]


# --- deadlines counted on a fixed clock (factories.make_case walks the real engine from `now`) ---------


def _deadlines(client, headers, case_id) -> dict[str, dict]:
    r = client.get(f"/api/v1/cases/{case_id}/deadlines", headers=headers)
    assert r.status_code == 200
    return {d["kind"]: d for d in r.json()}


def test_diversion_acceptance_counts_three_working_days_from_divert(client, login, session):
    # Diverted Monday 2026-11-02 11:00 → Tue, Wed, Thu: the last day is Thursday 2026-11-05.
    case = make_case(session, state=State.DIVERSION)

    d = _deadlines(client, login("window1"), case.id)["diversion_acceptance"]

    assert (d["start_date"], d["last_day"], d["due_at"]) == ("2026-11-02", "2026-11-05", "2026-11-06T00:00:00+08:00")
    assert (d["status"], d["provisional"], d["profile"]) == ("pending", False, "diversion_acceptance")


def test_diversion_acceptance_skips_national_day_and_counts_the_tiaoxiu_saturday(client, login, session):
    # Diverted Wednesday 2026-09-30: Oct 1–7 are holidays, Oct 8 (Thu), 9 (Fri) and the make-up
    # working Saturday Oct 10 are the three working days.
    case = make_case(session, state=State.DIVERSION, now=datetime(2026, 9, 30, 1, 0, tzinfo=UTC))

    d = _deadlines(client, login("window1"), case.id)["diversion_acceptance"]

    assert (d["last_day"], d["due_at"]) == ("2026-10-10", "2026-10-11T00:00:00+08:00")


@pytest.mark.parametrize(
    "dispute_type, channel, days, last_day, basis",
    [
        ("neighbour", "window", 30, "2026-12-02", "人民调解工作若干规定"),
        ("labour", "window", 15, "2026-11-17", "劳动争议调解仲裁法 第14条"),
        ("contract", "court_referral", 30, "2026-12-02", "特邀调解的规定 第27条"),
    ],
)
def test_mediation_deadline_follows_the_dispute_profile(
    client, login, session, dispute_type, channel, days, last_day, basis
):
    case = make_case(session, state=State.MEDIATION, dispute_type=dispute_type, channel=channel)

    d = _deadlines(client, login("mediator1"), case.id)

    assert d["diversion_acceptance"]["status"] == "met"
    m = d["mediation"]
    assert (m["days"], m["working_days"], m["last_day"], m["status"]) == (days, False, last_day, "pending")
    assert basis in m["basis"]


def test_mediation_deadline_ending_on_national_day_moves_to_the_next_working_day(client, login, session):
    # Accepted Tuesday 2026-09-01: the 30th day is Thursday 2026-10-01 (National Day); Oct 8 is the
    # next working day.
    case = make_case(session, state=State.MEDIATION, now=datetime(2026, 9, 1, 1, 0, tzinfo=UTC))

    m = _deadlines(client, login("mediator1"), case.id)["mediation"]

    assert (m["last_day"], m["due_at"], m["provisional"]) == ("2026-10-08", "2026-10-09T00:00:00+08:00", False)


def test_a_deadline_in_a_year_without_a_published_schedule_is_provisional(client, login, session):
    case = make_case(session, state=State.MEDIATION, now=datetime(2099, 3, 2, 1, 0, tzinfo=UTC))

    d = _deadlines(client, login("mediator1"), case.id)

    assert d["mediation"]["provisional"] is True
    assert d["diversion_acceptance"]["provisional"] is True
    assert d["mediation"]["due_at"].endswith("T00:00:00+08:00")


def test_escalation_hands_the_case_to_the_next_level_and_out_of_the_first_mediators_sight(client, login):
    window, mediator1, mediator5 = login("window1"), login("mediator1"), login("mediator5")
    case = open_case(client, window)
    act(client, window, case["id"], "divert", {"org_code": MEDIATION_ORG})

    case = act(client, mediator1, case["id"], "escalate", {"reason": "涉及多户居民，需区级调委会调处"})

    assert (case["state"], case["org_code"]) == ("diversion", "CN-ZJ-XH-RTW")
    assert client.get(f"/api/v1/cases/{case['id']}", headers=mediator1).status_code == 404
    assert client.get(f"/api/v1/cases/{case['id']}", headers=mediator5).status_code == 200
    statuses = sorted((d["kind"], d["status"]) for d in case["deadlines"])
    assert statuses == [("diversion_acceptance", "cancelled"), ("diversion_acceptance", "pending")]


def test_a_declined_case_goes_up_a_level_and_back_to_the_window_from_the_top(client, login):
    # decline sends the case to the next level up through parent; at the top, back to intake.
    window, mediator, county = login("window1"), login("mediator1"), login("mediator5")
    case = open_case(client, window)
    act(client, window, case["id"], "divert", {"org_code": MEDIATION_ORG})

    case = act(client, mediator, case["id"], "decline", {"reason": "不属于本调委会受理范围"})

    assert (case["state"], case["org_code"]) == ("diversion", "CN-ZJ-XH-RTW")
    assert client.get(f"/api/v1/cases/{case['id']}", headers=mediator).status_code == 404

    case = act(client, county, case["id"], "decline", {"reason": "不属于本调委会受理范围"})

    assert (case["state"], case["org_code"]) == ("intake", None)
    assert "escalation_exhausted" in case["flags"]
    assert "divert" in client.get(f"/api/v1/cases/{case['id']}/actions", headers=window).json()["allowed"]


def test_a_court_rejection_can_be_mediated_again(client, login, session):
    case = make_case(session, state=State.CONFIRMATION_REJECTED)
    mediator = login("mediator1")

    body = act(client, mediator, str(case.id), "resume_mediation", {"reason": "当事人同意变更协议内容"})

    assert body["state"] == "mediation"
    pending = [d for d in body["deadlines"] if d["status"] == "pending"]
    assert [d["kind"] for d in pending] == ["mediation"]
