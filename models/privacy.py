"""Who sees identity numbers, phones and email addresses whole, and the masking of them for everyone else: lists, logs,
errors, and every response, page, push and document a masked role receives (docs/contract.md §3)."""

import re
from typing import Any, TypeVar

from pydantic import BaseModel

from states.enums import Role

# The one rule. The window checks a party's identity, the mediator drafts the agreement with it, the
# court reviews the application: their work needs the numbers whole, and scoping (workflows.access)
# shows them only the cases they work on (the court: those handed or referred to it). Every other role
# — supervisors, admins, any role added later — sees them masked, in every response, page, push and
# document.
WHOLE_NUMBER_ROLES = frozenset({Role.INTAKE, Role.MEDIATOR, Role.COURT})


def sees_whole_numbers(role: str) -> bool:
    return role in WHOLE_NUMBER_ROLES


def mask_id_number(value: str | None) -> str | None:
    """110105194912310021 -> 110105********0021 (region kept, birth date and sequence hidden)."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """13812345678 -> 138****5678; landlines keep their area code and the last four digits."""
    if not value:
        return value
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 7:
        return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]
    return "*" * len(digits)


def mask_email(value: str | None) -> str | None:
    """zhang.san@example.com -> z***@example.com: the first character of the mailbox and the domain."""
    if not value:
        return value
    local, at, domain = value.rpartition("@")
    if not at:
        return "*" * len(value)
    return (local[:1] or "*") + "***@" + domain


_ID_RE = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")
_MOBILE_RE = re.compile(r"(?<!\d)(1\d{2})(\d{4})(\d{4})(?!\d)")
# An email address in free text: a mailbox, @, a domain ending in a top-level domain of letters (so a
# database URL's user@127.0.0.1 is not taken for one).
_EMAIL_RE = re.compile(r"(?<![\w.+-])([\w.+-]+)@((?:[\w-]+\.)+[A-Za-z]{2,})(?![\w-])")


def scrub(text: str) -> str:
    """Mask anything in free text that looks like an identity number, a mobile number or an email address."""
    text = _ID_RE.sub(lambda m: m.group(1) + "*" * 8 + m.group(3)[-4:], text)
    text = _MOBILE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return _EMAIL_RE.sub(lambda m: m.group(1)[:1] + "***@" + m.group(2), text)


def mask_agents(value: Any) -> Any:
    """A copy of a record (a joint application, a confirmation record, an event's payload) with every
    agent's identity number masked, however deep the agents lie."""
    if isinstance(value, dict):
        return {
            k: (
                [{**a, "id_number": mask_id_number(a.get("id_number"))} if isinstance(a, dict) else a for a in v]
                if k == "agents" and isinstance(v, list)
                else mask_agents(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_agents(v) for v in value]
    return value


def after_mediation(case: Any) -> dict[str, Any]:
    """A case's arbitration and judicial confirmation records as every response shows them: agents'
    identity numbers masked, like the parties'."""
    return {
        "arbitration": getattr(case, "arbitration", None),
        "confirmation": mask_agents(getattr(case, "confirmation", None)),
    }


# Fields that hold a number by name, masked by their own rule; a credit code (统一社会信用代码) names an
# organization, not a person, and stays whole.
_NUMBER_FIELDS = {"id_number": mask_id_number, "phone": mask_phone, "email": mask_email}
_KEPT_FIELDS = frozenset({"uscc"})
# Digests and ids are never numbers, whatever digits they hold: an event's hash, a document's SHA-256
# or id (alone, or inside a link).
_OPAQUE = re.compile(
    r"(?<![0-9a-f])(?:[0-9a-f]{64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![0-9a-f])",
    re.IGNORECASE,
)


def mask_text(text: str) -> str:
    """`scrub` for text that may hold digests and ids too: those are left as they are."""
    out, last = [], 0
    for m in _OPAQUE.finditer(text):
        out += [scrub(text[last : m.start()]), m.group()]
        last = m.end()
    out.append(scrub(text[last:]))
    return "".join(out)


def holds_whole_numbers(text: str) -> bool:
    """Whether `text` (say, what a document prints) shows an identity number or a mobile number whole."""
    return mask_text(text) != text


def redact(value: Any) -> Any:
    """A copy of a JSON-like value (a response body, a webhook push, an event's payload) with every
    identity number and phone masked: the fields that hold one by name (`id_number`, `phone`, however
    deep), and anything shaped like one in free text (a summary, an agreement's facts, a reason)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in _NUMBER_FIELDS and isinstance(v, str):  # one masked already is not masked again
                out[k] = mask_text(v) if "*" in v else _NUMBER_FIELDS[k](v)
            elif k in _KEPT_FIELDS:
                out[k] = v
            else:
                out[k] = redact(v)
        return out
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


Shown = TypeVar("Shown")


def shown_to(role: str, value: Shown) -> Shown:
    """`value` as `role` may receive it: whole for the roles that need the numbers, else redacted. A
    pydantic model is redacted field by field and comes back as the same model."""
    if sees_whole_numbers(role):
        return value
    if isinstance(value, BaseModel):
        return type(value).model_validate(redact(value.model_dump()))
    if isinstance(value, list):
        return [shown_to(role, v) for v in value]  # type: ignore[return-value]
    return redact(value)
