"""Payloads that do not parse or do not fit the case: 422 naming the field, the case untouched (docs/contract.md §4, §5)."""

from datetime import timedelta

import pytest

from api.errors import status_for
from states.enums import State, Trigger
from tests.factories import COURT, MEDIATION_ORG, T0, actor, agreement_payload, joint_application, make_case
from tests.workflows.support import refused_without_change
from workflows.engine import fire
from workflows.errors import (
    PayloadInvalid,
    ValidationFailed,
)

T = Trigger
NOW = T0 + timedelta(hours=12)


# --- payloads that fail validation (422) -----------------------------------------------------------

BAD_PAYLOADS = [
    ("fail-without-reason", State.MEDIATION, T.FAIL, "mediator1", {}, "reason"),
    ("fail-with-blank-reason", State.MEDIATION, T.FAIL, "mediator1", {"reason": "   "}, "reason"),
    (
        "extend-without-consent",
        State.MEDIATION,
        T.EXTEND,
        "mediator1",
        {"days": 10, "reason": "延长", "consent": False},
        "consent",
    ),
    (
        "extend-consent-as-string",
        State.MEDIATION,
        T.EXTEND,
        "mediator1",
        {"days": 10, "reason": "延长", "consent": "true"},
        "consent",
    ),
    (
        "extend-zero-days",
        State.MEDIATION,
        T.EXTEND,
        "mediator1",
        {"days": 0, "reason": "延长", "consent": True},
        "days",
    ),
    (
        "followup-satisfaction-6",
        State.CLOSED,
        T.RECORD_FOLLOWUP,
        "window1",
        {"satisfaction": 6, "performed": True},
        "satisfaction",
    ),
    (
        "followup-satisfaction-0",
        State.CLOSED,
        T.RECORD_FOLLOWUP,
        "window1",
        {"satisfaction": 0, "performed": True},
        "satisfaction",
    ),
    (
        "obligor-is-obligee",
        State.MEDIATION,
        T.REACH_AGREEMENT,
        "mediator1",
        {**agreement_payload(), "obligations": [{"obligor": 1, "obligee": 1, "description": "赔偿"}]},
        "obligations.0",
    ),
    (
        "no-obligations",
        State.MEDIATION,
        T.REACH_AGREEMENT,
        "mediator1",
        {**agreement_payload(), "obligations": []},
        "obligations",
    ),
    (
        "amount-with-three-decimals",
        State.MEDIATION,
        T.REACH_AGREEMENT,
        "mediator1",
        {
            **agreement_payload(),
            "obligations": [{"obligor": 1, "obligee": 0, "description": "赔偿", "amount": "10.005"}],
        },
        "obligations.0.amount",
    ),
    (
        "agreement-form-unknown",
        State.MEDIATION,
        T.REACH_AGREEMENT,
        "mediator1",
        {**agreement_payload(), "form": "video"},
        "form",
    ),
    ("transfer-without-agency", State.INTAKE, T.TRANSFER_OUT, "window1", {"reason": "移交"}, "agency"),
    (
        "court-reject-without-reason",
        State.JUDICIAL_CONFIRMATION,
        T.COURT_REJECT,
        "court1",
        {"ruling_no": "（2026）1号"},
        "reason",
    ),
]


@pytest.mark.parametrize(
    "state,trigger,username,payload,field", [b[1:] for b in BAD_PAYLOADS], ids=[b[0] for b in BAD_PAYLOADS]
)
def test_payload_that_fails_validation_is_refused_with_the_field_named(
    session, state, trigger, username, payload, field
):
    case = make_case(session, state=state)
    err = refused_without_change(session, NOW, case, trigger, actor(session, username), payload, ValidationFailed)
    assert status_for(err) == 422
    fields = [e["field"] for e in err.errors]
    assert any(f == field or f.startswith(field + ".") for f in fields), fields
    assert all("input" not in e and "ctx" not in e for e in err.errors), "errors must not echo the values given"


# --- payloads that parse but do not fit the case or the data (422) ----------------------------------

MISFITS = [
    ("divert-to-unknown-org", State.INTAKE, T.DIVERT, "window1", {"org_code": "CN-ZJ-XH-NOPE"}, ["org_code"]),
    ("divert-to-a-court", State.INTAKE, T.DIVERT, "window1", {"org_code": COURT}, ["org_code"]),
    ("divert-to-an-arbitration-body", State.INTAKE, T.DIVERT, "window1", {"org_code": "CN-HZ-ZCW"}, ["org_code"]),
    (
        "accept-mediator-of-another-org",
        State.DIVERSION,
        T.ACCEPT,
        "mediator1",
        {"mediator_code": "M-0004"},
        ["mediator_code"],
    ),
    ("accept-unknown-mediator", State.DIVERSION, T.ACCEPT, "mediator1", {"mediator_code": "M-9999"}, ["mediator_code"]),
    (
        "obligor-out-of-range",
        State.MEDIATION,
        T.REACH_AGREEMENT,
        "mediator1",
        {**agreement_payload(), "obligations": [{"obligor": 2, "obligee": 0, "description": "赔偿"}]},
        ["obligations", 0, "obligor"],
    ),
    (
        "obligee-out-of-range-in-second",
        State.MEDIATION,
        T.REACH_AGREEMENT,
        "mediator1",
        {
            **agreement_payload(),
            "obligations": [
                {"obligor": 1, "obligee": 0, "description": "赔偿"},
                {"obligor": 0, "obligee": 5, "description": "配合维修"},
            ],
        },
        ["obligations", 1, "obligee"],
    ),
    (
        "signed-in-the-future",
        State.MEDIATION,
        T.REACH_AGREEMENT,
        "mediator1",
        agreement_payload(signed_at=NOW + timedelta(minutes=1)),
        ["signed_at"],
    ),
    (
        "confirmation-at-a-non-court",
        State.AGREEMENT,
        T.REQUEST_CONFIRMATION,
        "mediator1",
        {"court_code": "CN-ZJ-XH-RTW", "joint_application": joint_application()},
        ["court_code"],
    ),
    (
        "confirmation-at-unknown-court",
        State.AGREEMENT,
        T.REQUEST_CONFIRMATION,
        "mediator1",
        {"court_code": "CN-ZJ-XX-FY", "joint_application": joint_application()},
        ["court_code"],
    ),
    (
        "litigation-at-a-non-court",
        State.FAILED,
        T.REFER_LITIGATION,
        "mediator1",
        {"court_code": "CN-HZ-ZCW"},
        ["court_code"],
    ),
    ("arbitration-at-a-court", State.FAILED, T.REFER_ARBITRATION, "mediator1", {"body_code": COURT}, ["body_code"]),
    (
        "escalate-to-itself",
        State.MEDIATION,
        T.ESCALATE,
        "mediator1",
        {"reason": "上报", "org_code": MEDIATION_ORG},
        ["org_code"],
    ),
]


@pytest.mark.parametrize("state,trigger,username,payload,loc", [m[1:] for m in MISFITS], ids=[m[0] for m in MISFITS])
def test_payload_that_does_not_fit_the_data_is_refused_with_the_field_named(
    session, state, trigger, username, payload, loc
):
    case = make_case(session, state=state)
    err = refused_without_change(session, NOW, case, trigger, actor(session, username), payload, PayloadInvalid)
    assert err.loc == loc
    assert status_for(err) == 422


def test_signed_exactly_now_is_accepted(session):
    case = make_case(session, state=State.MEDIATION)
    done = fire(
        session,
        case_id=case.id,
        trigger=T.REACH_AGREEMENT,
        actor=actor(session, "mediator1"),
        payload=agreement_payload(signed_at=NOW),
        now=NOW,
    )
    assert done.state == State.AGREEMENT
