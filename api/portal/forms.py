"""The online application form (网上申请): what it asks, the CaseCreate body it makes, and its errors placed
next to their fields. Validation is the window's own (CaseCreate, the same validators, the same Chinese)."""

import uuid
from typing import Any

from starlette.datastructures import FormData

from api.web.forms import error_text

# The form's fields: the case, the applicant (a person; the phone is the one proved by the code) and the
# other side (a person or an organization).
CASE_FIELDS = ("dispute_type", "summary", "occurred_on", "claim_amount")
APPLICANT_FIELDS = ("a_name", "a_ident", "a_address", "a_email")
RESPONDENT_FIELDS = ("r_kind", "r_name", "r_ident", "r_phone", "r_address")
MAX_LENGTH = 4000  # summary; the rest are short and CaseCreate bounds them


def blank_form() -> dict[str, str]:
    form = {k: "" for k in (*CASE_FIELDS, *APPLICANT_FIELDS, *RESPONDENT_FIELDS)}
    form["r_kind"] = "person"
    form["key"] = str(uuid.uuid4())
    return form


def posted_form(raw: FormData) -> dict[str, str]:
    form = {
        k: str(raw.get(k, "")).strip()[:MAX_LENGTH]
        for k in (*CASE_FIELDS, *APPLICANT_FIELDS, *RESPONDENT_FIELDS, "key")
    }
    if form["r_kind"] not in ("person", "organization"):
        form["r_kind"] = "person"
    if not form["key"]:
        form["key"] = str(uuid.uuid4())
    form["key"] = form["key"][:100]
    return form


def case_body(form: dict[str, str], *, phone: str, region: str) -> dict[str, Any]:
    """The CaseCreate body of an online application: channel online, the centre's region."""
    body: dict[str, Any] = {"channel": "online", "region": region}
    for k in ("dispute_type", "summary", "occurred_on", "claim_amount"):
        if form[k]:
            body[k] = form[k]
    applicant: dict[str, Any] = {"role": "applicant", "kind": "person", "name": form["a_name"], "phone": phone}
    if form["a_ident"]:
        applicant["id_number"] = form["a_ident"]
    for k in ("address", "email"):
        if form[f"a_{k}"]:
            applicant[k] = form[f"a_{k}"]
    respondent: dict[str, Any] = {"role": "respondent", "kind": form["r_kind"], "name": form["r_name"]}
    if form["r_ident"]:
        respondent["uscc" if form["r_kind"] == "organization" else "id_number"] = form["r_ident"]
    for k in ("phone", "address"):
        if form[f"r_{k}"]:
            respondent[k] = form[f"r_{k}"]
    body["parties"] = [applicant, respondent]
    return body


_PARTY_FIELD = {
    "id_number": "ident",
    "uscc": "ident",
    "name": "name",
    "phone": "phone",
    "address": "address",
    "email": "email",
}


def field_errors(errors: list[dict[str, Any]]) -> tuple[dict[str, str], list[str]]:
    """Each error next to its field ({"a_ident": "身份证号：…"}), and those of no one field as a list."""
    by_field: dict[str, str] = {}
    general: list[str] = []
    for e in errors:
        loc = [x for x in e.get("loc", []) if x != "body"]
        key = None
        if loc and loc[0] in CASE_FIELDS:
            key = str(loc[0])
        elif len(loc) >= 3 and loc[0] == "parties" and str(loc[1]) in ("0", "1") and loc[2] in _PARTY_FIELD:
            key = ("a_" if str(loc[1]) == "0" else "r_") + _PARTY_FIELD[str(loc[2])]
        text = error_text(e).replace("第1位当事人", "申请人").replace("第2位当事人", "对方当事人")
        if key and key not in by_field:
            by_field[key] = text
        elif not key:
            general.append(text)
    return by_field, general
