"""The web forms: how each field is asked for, and how a posted form becomes the body the API takes.
Presentation and parsing only; validation is the API's own (CaseCreate, the engine's payload checks)."""

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from annotated_types import Ge, Le
from starlette.datastructures import FormData

from models.fields import validate_email, validate_id_number, validate_phone, validate_uscc
from states.enums import Trigger
from states.table import TABLE
from workflows.errors import JiefenError, ValidationFailed
from workflows.stages import STAGES

# How each payload field is asked for on a form: (label, input kind). Presentation only.
FIELDS: dict[str, tuple[str, str]] = {
    "org_code": ("调解组织", "org"),
    "mediator_code": ("承办调解员", "mediator"),
    "reason": ("理由", "textarea"),
    "agency": ("移交机关", "text"),
    "days": ("延长天数", "number"),
    "consent": ("当事人同意延长", "checkbox"),
    "facts": ("纠纷事实", "textarea"),
    "matters": ("争议事项", "textarea"),
    "liability": ("责任认定", "textarea"),
    "obligations": ("履行义务", "obligations"),
    "signed_at": ("签订时间", "datetime"),
    "form": ("协议形式", "form"),
    "ownership_confirmation": ("协议内容涉及物权或知识产权确权", "checkbox"),
    "status_matter": ("协议内容确认或解除婚姻、亲子、收养等身份关系", "checkbox"),
    "court_code": ("人民法院", "court"),
    "ruling_no": ("裁定书文号", "text"),
    "body_code": ("仲裁机构代码", "text"),
    "outcome": ("处理结果", "text"),
    "reference": ("文书编号", "text"),
    "note": ("备注", "textarea"),
    "satisfaction": ("满意度（1–5）", "number"),
    "performed": ("协议已履行", "checkbox"),
    "wages_only": ("协议仅涉及劳动报酬", "checkbox"),
    "joint_application": ("共同申请", "joint_application"),
    "reason_kind": ("驳回事由", "choice"),
    "filed_on": ("立案日期", "date"),
    "approved_by": ("批准人（院长）", "text"),
    "approved_on": ("批准日期", "date"),
    "applied_on": ("仲裁委员会收到申请日期", "date"),
    "accepted_on": ("受理日期", "date"),
    "decided_on": ("决定日期", "date"),
    "award_no": ("裁决书文号", "text"),
    "received_on": ("裁决书收到日期", "date"),
    "final": ("终局裁决", "checkbox"),
}

# The options of a "choice" field: (value, label); an empty value leaves the field out.
CHOICES: dict[str, list[tuple[str, str]]] = {
    "reason_kind": [
        ("", "未说明"),
        ("jurisdiction", "不属于本院管辖（可向有管辖权的法院重新申请）"),
        ("inadmissible", "不予受理（民诉法解释 第355条）"),
        ("merits", "驳回申请（民诉法解释 第358条）"),
    ],
}
MAX_AGENTS = 3

# The validators a field is checked by as it is typed: the same ones the API applies.
CHECKS: dict[str, Callable[[str], str]] = {
    "id_number": validate_id_number,
    "uscc": validate_uscc,
    "phone": validate_phone,
    "email": validate_email,
}

# The names of intake fields in error messages.
NAMES = {
    "dispute_type": "纠纷类型",
    "channel": "来源渠道",
    "region": "行政区划代码",
    "summary": "纠纷简要情况",
    "claim_amount": "标的金额",
    "occurred_on": "发生日期",
    "parties": "当事人",
    "name": "姓名/名称",
    "id_number": "身份证号",
    "uscc": "统一社会信用代码",
    "phone": "联系电话",
    "email": "电子邮箱",
    "address": "地址",
    "role": "身份",
    "kind": "类别",
    "legal_representative": "法定代表人",
    "agent": "委托代理人",
}

PARTY_FIELDS = ("role", "kind", "name", "ident", "phone", "email", "address", "legal_representative", "agent")
# Yes/no facts asked at intake (routing and the guards read them; see CaseCreate).
CASE_FACTS = (
    "arbitration_agreement",
    "status_matter",
    "commercial_mediation_chosen",
    "land_requisition",
    "domestic_violence",
)
MAX_PARTIES = 200
MAX_OBLIGATIONS = 100  # ReachAgreement.obligations max_length: rows added on the page (static/obligations.js)


# What pydantic's own (English) messages say, for the errors a typed form field can cause, as staff read them.
AMOUNT = "请输入金额（阿拉伯数字，最多两位小数，如 8500.00）"
INTEGER = "请输入整数（阿拉伯数字 0–9）"
DAY = "请输入日期（年-月-日，如 2026-12-31）"
WHEN = "请输入日期和时间（如 2026-12-31 14:30）"
WEB_MESSAGES = {
    "decimal_parsing": AMOUNT,
    "decimal_type": AMOUNT,
    "int_parsing": INTEGER,
    "int_type": INTEGER,
    "int_from_float": INTEGER,
    "date_parsing": DAY,
    "date_type": DAY,
    "date_from_datetime_parsing": DAY,
    "date_from_datetime_inexact": DAY,
    "datetime_parsing": WHEN,
    "datetime_type": WHEN,
    "datetime_from_date_parsing": WHEN,
    "missing": "必填",
}


def error_text(e: Mapping[str, Any]) -> str:
    """One validation error as a sentence: where (第2位当事人身份证号), then what (in Chinese)."""
    loc = [str(x) for x in e.get("loc", []) if x != "body"]
    where = []
    for i, part in enumerate(loc):
        if part.isdigit() and i and loc[i - 1] == "parties":
            where.append(f"第{int(part) + 1}位")
        else:
            where.append(NAMES.get(part) or FIELDS.get(part, (part, ""))[0])
    msg = WEB_MESSAGES.get(str(e.get("type")), e.get("msg", ""))
    return f"{''.join(where)}：{msg}" if where else str(msg)


def refusal_detail(exc: JiefenError) -> str:
    """What an engine refusal says on the case page: each field error as a sentence."""
    if hasattr(exc, "errors"):
        return "；".join(error_text(e) for e in exc.errors)
    if hasattr(exc, "msg"):
        return f"{'.'.join(str(x) for x in exc.loc)}：{exc.msg}"  # type: ignore[attr-defined]
    return exc.detail


# --- intake ---------------------------------------------------------------------------------------------


def blank_party(role: str) -> dict[str, str]:
    return {"role": role, "kind": "person", **{k: "" for k in PARTY_FIELDS if k not in ("role", "kind")}}


def blank_case(region: str) -> dict[str, Any]:
    """The new-case form as first shown: an applicant and a respondent, and a fresh idempotency key."""
    return {
        "dispute_type": "",
        "channel": "window",
        "region": region,
        "summary": "",
        "claim_amount": "",
        "occurred_on": "",
        **{k: False for k in CASE_FACTS},
        "parties": [blank_party("applicant"), blank_party("respondent")],
        "key": str(uuid.uuid4()),
    }


def posted_case(raw: FormData) -> tuple[dict[str, Any], dict[str, Any]]:
    """The new-case form as posted (to show again on a refusal) and the CaseCreate body it asks for."""
    parties = []
    for i in range(MAX_PARTIES):
        if f"p{i}_name" not in raw:
            continue
        parties.append({k: str(raw.get(f"p{i}_{k}", "")).strip() for k in PARTY_FIELDS})
    form: dict[str, Any] = {
        k: str(raw.get(k, "")).strip()
        for k in ("dispute_type", "channel", "region", "summary", "claim_amount", "occurred_on", "key")
    }
    form |= {k: raw.get(k) == "on" for k in CASE_FACTS}
    form["parties"] = parties
    body: dict[str, Any] = {k: form[k] for k in ("dispute_type", "channel", "region", "summary") if form[k]}
    for k in ("claim_amount", "occurred_on"):
        if form[k]:
            body[k] = form[k]
    body |= {k: form[k] for k in CASE_FACTS}
    body["parties"] = []
    for p in parties:
        party: dict[str, Any] = {"role": p["role"], "kind": p["kind"], "name": p["name"]}
        if p["ident"]:
            party["uscc" if p["kind"] == "organization" else "id_number"] = p["ident"]
        for k in ("phone", "email", "address", "agent") + (
            ("legal_representative",) if p["kind"] == "organization" else ()
        ):
            if p[k]:
                party[k] = p[k]
        body["parties"].append(party)
    return form, body


def typed_identities(raw: FormData) -> tuple[list[str], list[str]]:
    """The well-formed identity numbers and credit codes typed so far on the new-case form."""
    ids: list[str] = []
    usccs: list[str] = []
    for i in range(MAX_PARTIES):
        value, kind = str(raw.get(f"p{i}_ident", ""))[:40], raw.get(f"p{i}_kind")
        if not value.strip():
            continue
        try:
            (usccs if kind == "organization" else ids).append(
                (validate_uscc if kind == "organization" else validate_id_number)(value)
            )
        except ValueError:
            continue
    return ids, usccs


# --- actions --------------------------------------------------------------------------------------------


def action_fields(trigger: str) -> list[str]:
    """The payload fields a trigger's form may carry, required first, each once."""
    fields = [f for r in TABLE if str(r.trigger) == trigger for f in (*r.required, *r.optional)]
    return list(dict.fromkeys(fields))


def _obligations(raw: FormData) -> list[dict[str, Any]]:
    obligations = []
    for i in range(MAX_OBLIGATIONS):
        desc = str(raw.get(f"ob{i}_description", "")).strip()
        if f"ob{i}_description" not in raw or not desc:
            continue
        ob: dict[str, Any] = {"description": desc}
        for k in ("obligor", "obligee"):
            v = str(raw.get(f"ob{i}_{k}", "")).strip()
            ob[k] = as_int(v)
        for k in ("amount", "due_date", "payment_method", "place"):
            v = str(raw.get(f"ob{i}_{k}", "")).strip()
            if v:
                ob[k] = v
        obligations.append(ob)
    return obligations


def _joint_application(raw: FormData) -> dict[str, Any]:
    """The joint application from its inputs: a checkbox per party that signed (ja_applicant_<position>),
    the signing date, and up to MAX_AGENTS agents (ja<i>_party, _name, _id_number, _authority), those
    without a name left out."""
    applicants = sorted(
        int(k.removeprefix("ja_applicant_"))
        for k in raw
        if re.fullmatch(r"ja_applicant_[0-9]{1,3}", k) and raw.get(k) == "on"
    )
    body: dict[str, Any] = {"applicants": applicants, "agents": []}
    if signed_on := str(raw.get("ja_signed_on", "")).strip():
        body["signed_on"] = signed_on
    for i in range(MAX_AGENTS):
        name = str(raw.get(f"ja{i}_name", "")).strip()
        if not name:
            continue
        party = str(raw.get(f"ja{i}_party", "")).strip()
        body["agents"].append(
            {
                "party": as_int(party),
                "name": name,
                "id_number": str(raw.get(f"ja{i}_id_number", "")).strip(),
                "authority": str(raw.get(f"ja{i}_authority", "special")).strip(),
            }
        )
    return body


def as_int(v: str) -> int | str:
    """An integer typed in ASCII digits (at most 18), else the text as typed: the payload's validation
    refuses it with 422. (`str.isdigit` accepts "²" and 5000-digit strings, which `int` does not.)"""
    return int(v) if re.fullmatch(r"-?[0-9]{1,18}", v) else v


def int_range(trigger: str, name: str) -> tuple[int, int]:
    """The integers a trigger's payload allows in a field (its model's ge/le), for the form to check."""
    lo, hi = 0, 10**9
    stage = STAGES.get(Trigger(trigger)) if trigger in set(Trigger) else None
    field = stage.payload.model_fields.get(name) if stage else None
    for bound in field.metadata if field else ():
        if isinstance(bound, Ge):
            lo = int(bound.ge)  # type: ignore[call-overload]
        elif isinstance(bound, Le):
            hi = int(bound.le)  # type: ignore[call-overload]
    return lo, hi


def form_int(name: str, typed: str, lo: int, hi: int) -> int:
    """A number typed in a form: ASCII digits (not "²", "１２" or "١٢", which `str.isdigit` accepts) within
    [lo, hi]; otherwise a 422 naming the field, in Chinese."""
    if re.fullmatch(r"[0-9]{1,9}", typed) and lo <= int(typed) <= hi:
        return int(typed)
    msg = f"请输入 {lo} 至 {hi} 之间的整数（阿拉伯数字 0–9）"
    raise ValidationFailed([{"loc": ["body", name], "field": name, "msg": msg, "type": "value_error"}])


def action_payload(fields: list[str], raw: FormData, tz: tzinfo, trigger: str = "") -> dict[str, Any]:
    """The engine payload from an action's form: checkboxes as booleans, numbers as integers (in the range
    the trigger's payload allows, else ValidationFailed), local date-times (in `tz`) as ISO-8601 with their
    offset, empty fields left out."""
    out: dict[str, Any] = {}
    for name in fields:
        kind = FIELDS.get(name, (name, "text"))[1]
        if kind == "checkbox":
            out[name] = raw.get(name) == "on"
        elif kind == "obligations":
            out[name] = _obligations(raw)
        elif kind == "joint_application":
            application = _joint_application(raw)
            # No signer ticked and no agent named: no paper application — the online signatures decide.
            if application["applicants"] or application["agents"]:
                out[name] = application
        else:
            v = str(raw.get(name, "")).strip()
            if not v:
                continue
            if kind == "number":
                out[name] = form_int(name, v, *int_range(trigger, name))
            elif kind == "datetime":
                try:
                    out[name] = datetime.fromisoformat(v).replace(tzinfo=tz).isoformat()
                except ValueError:
                    out[name] = v
            else:
                out[name] = v
    return out
