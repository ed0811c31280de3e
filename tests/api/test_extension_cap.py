"""Over HTTP: repeated `extend` calls cannot stretch a mediation clock past its profile's total; the refusal
is a legal guard's 409 {"detail", "allowed"} naming the days still allowed."""

from tests.api.steps import case_in, fire


def test_repeated_extends_are_refused_with_409_once_the_total_is_used(client, login):
    case = case_in(client, login, "mediation")
    mediator = login("mediator1")
    body = {"days": 12, "reason": "双方同意延长", "consent": True}

    answers = [fire(client, mediator, case["id"], "extend", body).status_code for _ in range(5)]

    assert answers == [200, 200, 409, 409, 409]
    r = fire(client, mediator, case["id"], "extend", body)
    assert r.status_code == 409
    assert "已延长24日，尚可延长6日" in r.json()["detail"]
    assert "reach_agreement" in r.json()["allowed"]  # what the state allows; the guard named the rule
    assert fire(client, mediator, case["id"], "extend", {**body, "days": 6}).status_code == 200
    events = client.get(f"/api/v1/cases/{case['id']}/events", headers=mediator).json()
    assert [e["payload"]["days"] for e in events if e["trigger"] == "extend"] == [12, 12, 6]
    assert fire(client, mediator, case["id"], "extend", {**body, "days": 1}).status_code == 409
