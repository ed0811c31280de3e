"""Small HTTP steps shared by the API tests: open a case, fire a trigger, walk a case to a state.

Everything goes through the TestClient, so the real clock is used; payloads are the deterministic
ones from tests/factories.py, except `signed_at`, which must not lie in the future.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx2
from fastapi.testclient import TestClient

from models.settings import get_settings
from tests.factories import COURT, MEDIATION_ORG, agreement_payload, case_payload, joint_application

Login = Callable[[str], dict[str, str]]

# A third valid 居民身份证号 (GB 11643 check digit computed): tests/factories.ID_C is not valid.
ID_D = "330106199203150027"


def post_case(client: TestClient, headers: dict[str, str], **over: Any) -> httpx2.Response:
    return client.post("/api/v1/cases", json=case_payload(**over), headers=headers)


def open_case(client: TestClient, headers: dict[str, str], **over: Any) -> dict[str, Any]:
    r = post_case(client, headers, **over)
    assert r.status_code == 201, r.text
    return r.json()


def fire(
    client: TestClient, headers: dict[str, str], case_id: str, trigger: str, payload: Any = None, **kw: Any
) -> httpx2.Response:
    return client.post(
        f"/api/v1/cases/{case_id}/actions/{trigger}",
        json=payload if payload is not None else {},
        headers={**headers, **kw.pop("extra_headers", {})},
        **kw,
    )


def act(client: TestClient, headers: dict[str, str], case_id: str, trigger: str, payload: Any = None) -> dict[str, Any]:
    r = fire(client, headers, case_id, trigger, payload)
    assert r.status_code == 200, f"{trigger}: {r.status_code} {r.text}"
    return r.json()


def signed_a_moment_ago() -> str:
    """An agreement signed half an hour ago, in JIEFEN_TIMEZONE (signed_at may not be in the future)."""
    return (datetime.now(get_settings().tz) - timedelta(minutes=30)).replace(microsecond=0).isoformat()


def today() -> str:
    """Today in JIEFEN_TIMEZONE (a joint application may not be signed later)."""
    return datetime.now(get_settings().tz).date().isoformat()


def confirmation_request(court_code: str = COURT, **over: Any) -> dict[str, Any]:
    """request_confirmation's body: the court, and the application both parties signed today."""
    return {"court_code": court_code, "joint_application": joint_application(signed_on=today(), **over)}


def agreement_signed_now() -> dict[str, Any]:
    body = agreement_payload()
    body["signed_at"] = signed_a_moment_ago()
    return body


def case_in(
    client: TestClient, login: Login, state: str, dispute_type: str = "neighbour", **over: Any
) -> dict[str, Any]:
    """A case walked through HTTP to `state` (intake, diversion, mediation, agreement, failed,
    judicial_confirmation) by window1 → mediator1 → court addressed CN-ZJ-XH-FY."""
    window, mediator = login("window1"), login("mediator1")
    case = open_case(client, window, dispute_type=dispute_type, **over)
    path = ["diversion", "mediation", "agreement" if state != "failed" else "failed", "judicial_confirmation"]
    steps: dict[str, tuple[dict[str, str], str, dict[str, Any]]] = {
        "diversion": (window, "divert", {"org_code": MEDIATION_ORG}),
        "mediation": (mediator, "accept", {"mediator_code": "M-0001"}),
        "agreement": (mediator, "reach_agreement", agreement_signed_now()),
        "failed": (mediator, "fail", {"reason": "双方分歧过大"}),
        "judicial_confirmation": (mediator, "request_confirmation", confirmation_request()),
    }
    if state == "intake":
        return case
    for step in path:
        headers, trigger, payload = steps[step]
        case = act(client, headers, case["id"], trigger, payload)
        if step == state:
            return case
    raise ValueError(f"case_in: no HTTP path to {state}")
