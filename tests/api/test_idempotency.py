"""Idempotency-Key on intake (docs/contract.md §5): a repeat returns the first case with 200, per user."""

import pytest
from sqlmodel import Session, func, select

from models.tables import Case, CaseEvent, Party
from tests.factories import case_payload


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


def test_a_repeat_with_a_different_body_still_returns_the_first_case(client, login, engine):
    window = {**login("window1"), "Idempotency-Key": "retry-after-timeout"}

    first = client.post("/api/v1/cases", json=case_payload(), headers=window)
    second = client.post(
        "/api/v1/cases", json=case_payload(summary="换了一个描述", dispute_type="contract"), headers=window
    )

    assert second.status_code == 200
    assert second.json()["summary"] == first.json()["summary"]
    assert second.json()["dispute_type"] == "neighbour"
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
