"""The lifecycle view of the API that the stateful fuzz test walks (tests/api/test_fuzz.py).

It is the app's own OpenAPI document with the one action operation (`POST
/api/v1/cases/{case_id}/actions/{trigger}`) written out per trigger — the same URLs, each with its payload's
schema — and OpenAPI links from every operation to the triggers its case may take next, read from the
transition table (states/table.py). A link carries a valid payload for its trigger, so that generated cases
travel through the lifecycle; the fuzzer still sends generated bodies too.
"""

import copy
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.settings import get_settings
from models.tables import Case
from states.enums import Role, State, Trigger
from states.table import TABLE
from tests.api.fuzz_support import MEDIATOR_OF_ORG
from tests.factories import COURT, ID_A, ID_B, LABOUR_ARBITRATION, MEDIATION_ORG, VILLAGE_REGION
from workflows.stages import STAGES

CASE_ACTION = "/api/v1/cases/{case_id}/actions/{trigger}"


# --- the lifecycle view ----------------------------------------------------------------------------------


def payloads(now: datetime) -> dict[Trigger, list[dict[str, Any]]]:
    """Valid payloads per trigger, at `now` (the start of the run): what the links carry."""
    tz = get_settings().tz
    today = now.astimezone(tz).date().isoformat()
    joint = {"applicants": [0, 1], "signed_on": today}
    reason = {"reason": "经双方同意"}
    T = Trigger
    return {
        T.DIVERT: [{"org_code": MEDIATION_ORG}, {}],  # the first of each list is the one weighted (FORWARD)
        T.ACCEPT: [{}],
        T.DECLINE: [{"reason": "不属于本组织受理范围"}],
        T.ESCALATE: [reason],
        T.REJECT: [{"reason": "不属于受理范围"}],
        T.TRANSFER_OUT: [{"agency": "西湖区信访局", "reason": "属信访事项"}],
        T.WITHDRAW: [{"reason": "申请人撤回"}],
        T.EXTEND: [{"days": 15, "reason": "需要鉴定", "consent": True}],
        T.PAUSE_CLOCK: [{"reason": "当事人住院"}],
        T.RESUME_CLOCK: [{"reason": "当事人出院"}],
        T.REACH_AGREEMENT: [
            {
                "facts": "双方就维修费用发生纠纷。",
                "liability": "被申请人承担维修责任。",
                "obligations": [
                    {
                        "obligor": 1,
                        "obligee": 0,
                        "description": "支付维修费用",
                        "amount": "8500.00",
                        "due_date": (now + timedelta(days=60)).astimezone(tz).date().isoformat(),
                    }
                ],
                "signed_at": (now - timedelta(minutes=5)).astimezone(tz).isoformat(timespec="seconds"),
            }
        ],
        T.FAIL: [{"reason": "双方分歧过大"}],
        T.REQUEST_CONFIRMATION: [{"court_code": COURT, "joint_application": joint}],
        T.REAPPLY_CONFIRMATION: [{"court_code": COURT, "joint_application": joint}],
        T.WITHDRAW_CONFIRMATION: [{"reason": "当事人撤回申请"}],
        T.COURT_FILE: [{"filed_on": today}],
        T.COURT_EXTEND: [{"days": 10, "approved_by": "院长", "reason": "案情复杂"}],
        T.COURT_CONFIRM: [{"ruling_no": "（2026）浙0106民特1号"}],
        T.COURT_REJECT: [{"ruling_no": "（2026）浙0106民特2号", "reason": "不符合法律规定", "reason_kind": "merits"}],
        T.RESUME_MEDIATION: [reason],
        T.REFER_ARBITRATION: [{"body_code": LABOUR_ARBITRATION}],
        T.ARBITRATION_ACCEPTED: [{"accepted_on": today}],
        T.ARBITRATION_NOT_ACCEPTED: [{"decided_on": today, "reason": "不属于受理范围"}],
        T.ARBITRATION_EXTENDED: [{"days": 15, "approved_on": today}],
        T.RECORD_AWARD: [{"award_no": "杭西劳人仲案字〔2026〕1号", "received_on": today}],
        T.REFER_LITIGATION: [{"court_code": COURT}],
        T.RECORD_OUTCOME: [{"outcome": "已判决", "reference": "（2026）浙0106民初1号"}],
        T.RECORD_FULFILMENT: [{"note": "已足额支付"}],
        T.CLOSE: [{"reason": "调解不成，当事人未再申请"}],
        T.RECORD_FOLLOWUP: [{"satisfaction": 5, "performed": True}],
    }


# The way forward to the court and the follow-up visit is linked FORWARD_WEIGHT times as often as any other move, so
# that walks of a few steps reach the later states too.
FORWARD_WEIGHT = 6
FORWARD = {
    Trigger.DIVERT,
    Trigger.ACCEPT,
    Trigger.REACH_AGREEMENT,
    Trigger.REQUEST_CONFIRMATION,
    Trigger.COURT_CONFIRM,
    Trigger.RECORD_FULFILMENT,
    Trigger.RECORD_FOLLOWUP,
}
# What is read of a case (links of the walk's own, whatever links the app's document declares), and what of
# it again after each transition (the actions and the routing record are read after intake).
CASE_VIEWS = {
    "GetCase": "/api/v1/cases/{case_id}",
    "ListActions": "/api/v1/cases/{case_id}/actions",
    "ListEvents": "/api/v1/cases/{case_id}/events",
    "ListDeadlines": "/api/v1/cases/{case_id}/deadlines",
    "ListDocuments": "/api/v1/cases/{case_id}/documents",
    "CaseRouting": "/api/v1/cases/{case_id}/routing",
}
AFTER_A_TRANSITION = ("GetCase", "ListEvents", "ListDeadlines", "ListDocuments")

# Payloads valid but for the numbers and dates they leave out: laid over a generated payload (OpenAPI link
# bodies merged), so that those come generated into an otherwise valid transition — a due date in 9998 into
# an agreement the court then confirms, a number of days into an extension.
PARTIAL: dict[Trigger, list[dict[str, Any]]] = {
    Trigger.REACH_AGREEMENT: [
        {
            "facts": "双方就维修费用发生纠纷。",
            "liability": "被申请人承担维修责任。",
            "obligations": [{"obligor": 1, "obligee": 0, "description": "支付维修费用"}],
        }
    ],
    Trigger.EXTEND: [{"reason": "需要鉴定", "consent": True}],
    Trigger.COURT_EXTEND: [{"approved_by": "院长", "reason": "案情复杂"}],
    Trigger.REFER_ARBITRATION: [{"body_code": LABOUR_ARBITRATION}],
    Trigger.RECORD_FOLLOWUP: [{"performed": True}],
}

# What staff fire through the API: not the clock's triggers, nor the parties' own (the portal fires those).
HUMAN_TRIGGERS = [t for t in Trigger if any(set(r.roles) - {Role.SYSTEM, Role.PARTY} for r in TABLE if r.trigger is t)]


def action_path(trigger: Trigger) -> str:
    return CASE_ACTION.replace("{trigger}", str(trigger))


def next_triggers(states: set[State]) -> list[Trigger]:
    """The triggers a person may fire from any of `states` (the table's rows)."""
    return [t for t in HUMAN_TRIGGERS if any(r.trigger is t and set(r.source) & states for r in TABLE)]


def dests(trigger: Trigger) -> set[State]:
    return {d for r in TABLE if r.trigger is trigger for d in r.dests}


def lifecycle_document(document: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The app's document, with the action operation written out per trigger and linked along the table."""
    doc = copy.deepcopy(document)
    schemas = doc["components"]["schemas"]
    generic = doc["paths"][CASE_ACTION]["post"]
    bodies = payloads(now)
    views = {name: _view(path) for name, path in CASE_VIEWS.items()}
    case_views = {name: link for name, link in views.items() if name in AFTER_A_TRANSITION}
    for trigger in HUMAN_TRIGGERS:
        schema = STAGES[trigger].payload.model_json_schema(ref_template="#/components/schemas/Payload{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas.setdefault(f"Payload{name}", sub)
        operation = copy.deepcopy(generic)
        operation["operationId"] = f"fire_{trigger}"
        operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "trigger"]
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
        operation["responses"]["200"]["links"] = _links(next_triggers(dests(trigger)), bodies, case_views)
        doc["paths"][action_path(trigger)] = {"post": operation}
    doc["paths"]["/api/v1/cases"]["post"]["responses"]["201"]["links"] = _links(
        next_triggers({State.INTAKE}), bodies, views
    )
    _steer_intake(schemas)
    del doc["paths"][CASE_ACTION]  # written out per trigger above; fuzzed as it is by the stateless test
    generic_ref = "#/paths/" + CASE_ACTION.replace("/", "~1") + "/post"
    for item in doc["paths"].values():
        for operation in item.values():
            for response in operation.get("responses", {}).values():
                links = response.get("links", {})
                for name in [n for n, link in links.items() if link.get("operationRef") == generic_ref]:
                    del links[name]
    return doc


def _view(path: str) -> dict[str, Any]:
    return {
        "operationRef": "#/paths/" + path.replace("/", "~1") + "/get",
        "parameters": {"case_id": "$response.body#/id"},
    }


def _links(triggers: list[Trigger], bodies: dict[Trigger, list[dict[str, Any]]], views: dict) -> dict[str, Any]:
    links = dict(views)
    for trigger in triggers:
        first, *others = bodies.get(trigger) or [None]
        weighted = [first] * (FORWARD_WEIGHT if trigger in FORWARD else 1) + others if first is not None else []
        bodies_and_merges = [(body, False) for body in weighted]
        bodies_and_merges += [(body, True) for body in PARTIAL.get(trigger, [])]
        for i, (body, merge) in enumerate(bodies_and_merges):
            links[f"{trigger}_{i}"] = {
                "operationId": f"fire_{trigger}",
                # The version the case had then, as its ETag ("3"): a walk that moved the case since gets the 409
                # of a stale one.
                "parameters": {"case_id": "$response.body#/id", "If-Match": '"{$response.body#/version}"'},
                "requestBody": body,
                # A whole valid payload replaces the generated one; a partial one is laid over it.
                "x-schemathesis": {"merge_body": merge},
            }
    return links


def _steer_intake(schemas: dict[str, Any]) -> None:
    """A random string is never a valid 居民身份证号, a region of the demo centre or a party list with both
    sides: the lifecycle view draws the intake body from a narrower schema whose every instance is a case
    the window can open (dispute type, channel and the yes/no facts still vary), so that generated cases
    pass intake. The stateless test sends the random ones."""
    chinese = {"type": "string", "pattern": "^[\u4e00-\u9fa5]{2,12}$"}

    def party(role: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["role", "kind", "name"],
            "properties": {
                "role": role,
                "kind": {"const": "person"},
                "name": chinese,
                "id_number": {"enum": [ID_A, ID_B, "330106199203150027", None]},
                "phone": {"enum": ["13812345678", "057187654321", None]},
            },
            "additionalProperties": False,
        }

    case = schemas["CaseCreate"]
    properties = {k: v for k, v in case["properties"].items() if k in ("dispute_type", "channel") or "bool" in str(v)}
    properties |= {
        "summary": chinese,
        "region": {"enum": ["330106", "330106001", VILLAGE_REGION]},
        "parties": {
            "type": "array",
            "prefixItems": [party({"const": "applicant"}), party({"const": "respondent"})],
            "items": party({"enum": ["applicant", "respondent", "third_party"]}),
            "minItems": 2,
            "maxItems": 4,
        },
        "claim_amount": {"anyOf": [{"type": "string", "pattern": "^[1-9][0-9]{0,5}\\.[0-9]{2}$"}, {"type": "null"}]},
    }
    schemas["CaseCreate"] = {
        "type": "object",
        "required": ["dispute_type", "summary", "channel", "region", "parties"],
        "properties": properties,
        "additionalProperties": False,
    }


def trigger_of(path: str) -> Trigger | None:
    """The trigger an operation of the lifecycle view fires (its path ends in it), else None."""
    head, _, last = path.rpartition("/")
    return Trigger(last) if head == "/api/v1/cases/{case_id}/actions" and last in set(Trigger) else None


def caller_for(engine: Engine, path: str, path_parameters: dict[str, Any]) -> str:
    """Who makes a call in the lifecycle walk: for a trigger, a user whose role the table allows (the
    mediator of the case's organization); for the court's inbox the court; otherwise the window, who sees
    every case of the centre."""
    trigger = trigger_of(path)
    if path.startswith("/api/v1/court/"):
        return "court1"
    if trigger is None:
        return "window1"
    roles = {role for r in TABLE if r.trigger is trigger for role in r.roles}
    if Role.COURT in roles:
        return "court1"
    if Role.MEDIATOR in roles:
        org = _org_of_case(engine, str(path_parameters.get("case_id", "")))
        if org in MEDIATOR_OF_ORG:
            return MEDIATOR_OF_ORG[org]
    return "window1" if Role.INTAKE in roles else "super1"


def _org_of_case(engine: Engine, case_id: str) -> str | None:
    try:
        cid = uuid.UUID(case_id)
    except ValueError:
        return None
    with Session(engine) as session:
        case = session.get(Case, cid)
        return case.org_code if case else None
