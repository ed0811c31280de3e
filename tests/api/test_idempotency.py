"""Idempotency-Key on intake (docs/contract.md §5): a repeat with the same body returns the first case with 200,
per user; the same key with another body is 422."""

import json

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from models.tables import Case, CaseEvent, IdempotencyKey, Party
from tests.factories import case_payload

_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _stored(engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        return tuple(s.exec(select(func.count()).select_from(t)).one() for t in (Case, Party, CaseEvent))


def test_a_repeated_intake_with_the_same_key_returns_the_first_case(client, login, engine):
    window = {**login("window1"), "Idempotency-Key": "window1-2026-11-02-0001"}

    first = client.post("/api/v1/cases", json=case_payload(), headers=window)
    second = client.post("/api/v1/cases", json=case_payload(), headers=window)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert (second.json()["id"], second.json()["case_no"]) == (first.json()["id"], first.json()["case_no"])
    assert second.json() == first.json()
    listed = client.get("/api/v1/cases", headers=login("window1")).json()
    assert listed["count"] == 1 and [c["id"] for c in listed["data"]] == [first.json()["id"]]
    assert _stored(engine) == (1, 2, 1)


def test_a_repeat_with_a_different_body_is_422_naming_the_header_and_the_rule(client, login, engine):
    window = {**login("window1"), "Idempotency-Key": "retry-after-timeout"}

    first = client.post("/api/v1/cases", json=case_payload(), headers=window)
    second = client.post(
        "/api/v1/cases", json=case_payload(summary="换了一个描述", dispute_type="contract"), headers=window
    )

    assert (first.status_code, second.status_code) == (201, 422)
    [error] = second.json()["detail"]
    assert error["field"] == "Idempotency-Key" and error["loc"] == ["header", "Idempotency-Key"]
    assert "Idempotency-Key 已用于另一份申请内容" in error["msg"]
    assert "Idempotent-Replayed" not in second.headers
    assert _stored(engine) == (1, 2, 1)
    stored = client.get(f"/api/v1/cases/{first.json()['id']}", headers=login("window1")).json()
    assert (stored["summary"], stored["dispute_type"]) == (first.json()["summary"], "neighbour")
    # the first body again is still a replay of the first case
    again = client.post("/api/v1/cases", json=case_payload(), headers=window)
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])


@pytest.mark.parametrize(
    "change",
    [
        {"parties": [{**p, "name": p["name"] + "某"} for p in case_payload()["parties"]]},  # a party's name
        {"parties": list(reversed(case_payload()["parties"]))},  # who is applicant and respondent
        {"claim_amount": "1.00"},
        {"arbitration_agreement": True},
    ],
    ids=["party-name", "party-order", "amount", "flag"],
)
def test_any_change_of_substance_under_the_same_key_is_422(client, login, engine, change):
    window = {**login("window1"), "Idempotency-Key": "k-substance"}
    assert client.post("/api/v1/cases", json=case_payload(), headers=window).status_code == 201

    r = client.post("/api/v1/cases", json={**case_payload(), **change}, headers=window)

    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == "Idempotency-Key"
    assert _stored(engine)[0] == 1


def test_the_same_body_written_differently_is_the_same_request(client, login, engine):
    """Canonical: key order, surrounding spaces, full-width digits and defaults spelled out change nothing."""
    window = {**login("window1"), "Idempotency-Key": "k-canonical"}
    body = case_payload()
    first = client.post("/api/v1/cases", json=body, headers=window)
    p0, p1 = body["parties"]
    spelled = {
        **dict(reversed(list(body.items()))),
        "summary": f"  {body['summary']}  ",
        "claim_amount": "8500.0",
        "arbitration_agreement": False,
        "parties": [{**p0, "name": f" {p0['name']} ", "id_number": p0["id_number"].translate(_FULL_WIDTH)}, p1],
    }

    again = client.post(
        "/api/v1/cases",
        content=json.dumps(spelled, ensure_ascii=False, indent=2),
        headers={**window, "Content-Type": "application/json"},
    )

    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json()["id"] == first.json()["id"]
    assert _stored(engine)[0] == 1


def test_a_key_stored_before_digests_keeps_returning_its_first_case(client, login, engine):
    """Keys written before the request digest was kept have none: any body under them replays the case."""
    window = {**login("window1"), "Idempotency-Key": "k-legacy"}
    first = client.post("/api/v1/cases", json=case_payload(), headers=window)
    with engine.begin() as conn:
        conn.execute(sa.update(IdempotencyKey).values(request_digest=None))

    again = client.post("/api/v1/cases", json=case_payload(summary="另一份摘要"), headers=window)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert _stored(engine)[0] == 1


def test_the_same_key_from_another_user_opens_a_new_case(client, login, engine):
    key = {"Idempotency-Key": "shared-key-42"}

    by_window = client.post("/api/v1/cases", json=case_payload(), headers={**login("window1"), **key})
    by_supervisor = client.post("/api/v1/cases", json=case_payload(), headers={**login("super1"), **key})

    assert (by_window.status_code, by_supervisor.status_code) == (201, 201)
    assert by_window.json()["id"] != by_supervisor.json()["id"]
    assert by_window.json()["case_no"].endswith("调0001号") and by_supervisor.json()["case_no"].endswith("调0002号")
    assert _stored(engine)[0] == 2


def test_different_keys_open_different_cases(client, login):
    window = login("window1")

    a = client.post("/api/v1/cases", json=case_payload(), headers={**window, "Idempotency-Key": "a"})
    b = client.post("/api/v1/cases", json=case_payload(), headers={**window, "Idempotency-Key": "b"})

    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]


def test_a_replay_after_the_case_moved_on_returns_it_as_it_is_now(client, login):
    window = {**login("window1"), "Idempotency-Key": "moved-on"}
    first = client.post("/api/v1/cases", json=case_payload(), headers=window).json()
    client.post(
        f"/api/v1/cases/{first['id']}/actions/divert", json={"org_code": "CN-ZJ-XH-CC-RTW"}, headers=login("window1")
    )

    again = client.post("/api/v1/cases", json=case_payload(), headers=window)

    assert again.status_code == 200
    assert (again.json()["id"], again.json()["state"], again.json()["version"]) == (first["id"], "diversion", 2)


@pytest.mark.parametrize("key", ["   ", "k" * 201])
def test_a_blank_or_overlong_key_is_422_naming_the_header(client, login, engine, key):
    r = client.post("/api/v1/cases", json=case_payload(), headers={**login("window1"), "Idempotency-Key": key})

    assert r.status_code == 422
    [error] = r.json()["detail"]
    assert error["field"] == "Idempotency-Key" and error["loc"] == ["header", "Idempotency-Key"]
    assert _stored(engine)[0] == 0


def test_a_key_is_not_consumed_by_an_invalid_intake(client, login):
    window = {**login("window1"), "Idempotency-Key": "first-try-was-wrong"}

    bad = client.post("/api/v1/cases", json=case_payload(region="3301060"), headers=window)
    good = client.post("/api/v1/cases", json=case_payload(), headers=window)

    assert (bad.status_code, good.status_code) == (422, 201)
