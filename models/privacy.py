"""Masking of identity numbers and phones for lists, logs and errors."""

import re
from typing import Any


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


_ID_RE = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")
_MOBILE_RE = re.compile(r"(?<!\d)(1\d{2})(\d{4})(\d{4})(?!\d)")


def scrub(text: str) -> str:
    """Mask anything in free text that looks like an identity number or a mobile number."""
    text = _ID_RE.sub(lambda m: m.group(1) + "*" * 8 + m.group(3)[-4:], text)
    return _MOBILE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


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
