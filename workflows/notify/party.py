"""Messages to the parties, written into the outbox in the transaction of the event that causes them.

    queue_party_messages(conn, case, event="divert", seq=4, payload={...}, at=now)

For an event the parties hear of (`PARTY_EVENTS`), every party with a phone gets a `party_sms` row and
every party with an email a `party_email` row: recipient = the phone or address, payload = the template
and its parameters (the case number, the centre, the organization's or court's name: never an identity
number). One multi-row INSERT … ON CONFLICT (dedupe_key) DO NOTHING, the key being
`party:<channel>:<case>:<event seq>:<party position>` — one message per event per recipient, however
often the writing runs. `workflows/notify/deliver.py` sends them after commit.

The deadline reminder (期限提醒) is not an event: the sweep's reminder pass calls `queue_party_reminders`
for the reminders that concern the parties (`PARTY_REMINDERS`), keyed on the deadline and its reminder time.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.db import insert_for
from models.settings import get_settings
from models.tables import Notification, Organization, Party

NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]
PARTIES = Party.__table__  # type: ignore[attr-defined]
ORGS = Organization.__table__  # type: ignore[attr-defined]
SMS, EMAIL = "party_sms", "party_email"
KINDS = (SMS, EMAIL)

# event -> (template, which organization the message names: "org" the case's, "court" its court, None)
PARTY_EVENTS: dict[str, tuple[str, str | None]] = {
    "open": ("case_opened", None),
    "divert": ("case_diverted", "org"),
    "accept": ("mediation_accepted", "org"),
    "reach_agreement": ("agreement_reached", None),
    "court_confirm": ("confirmation_granted", "court"),
    "court_reject": ("confirmation_refused", "court"),
    "fail": ("mediation_ended", None),
    "mediation_timeout": ("mediation_ended", None),
}
# deadline kind -> template of the reminder the parties get
PARTY_REMINDERS: dict[str, str] = {"confirmation_window": "confirmation_window_reminder"}

_CONTACTS = sa.select(PARTIES.c.position, PARTIES.c.phone, PARTIES.c.email).where(
    PARTIES.c.case_id == sa.bindparam("b_case"), sa.or_(PARTIES.c.phone.is_not(None), PARTIES.c.email.is_not(None))
)
_ORG_NAME = sa.select(ORGS.c.name).where(ORGS.c.code == sa.bindparam("b_code"))


def _row(
    kind: str, *, case_id: uuid.UUID, recipient: str, key: str, at: datetime, payload: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "kind": kind,
        "case_id": case_id,
        "org_code": None,
        "recipient": recipient,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "last_error": None,
        "dedupe_key": key,
        "created_at": at,
        "next_attempt_at": at,
        "delivered_at": None,
    }


def any_channel() -> bool:
    """Whether the centre configured a way to reach the parties (an SMS provider, an SMTP host): without one
    the hooks return before reading anything."""
    settings = get_settings()
    return settings.sms_provider != "none" or bool(settings.smtp_host)


def rows_for(
    contacts: Iterable[Mapping[str, Any]],
    *,
    case_id: uuid.UUID,
    tag: str,
    at: datetime,
    template: str,
    params: dict[str, str],
) -> list[dict[str, Any]]:
    """The outbox rows for `contacts` (position, phone, email): one per channel a party has and the centre
    has configured — no SMS while JIEFEN_SMS_PROVIDER is `none`, no email without JIEFEN_SMTP_HOST: a message
    that could never go would only fail and fill the supervisors' undelivered list."""
    settings = get_settings()
    sms, email = settings.sms_provider != "none", bool(settings.smtp_host)
    rows = []
    for p in contacts:
        for kind, recipient in ((SMS, p.get("phone") if sms else None), (EMAIL, p.get("email") if email else None)):
            if recipient:
                key = f"party:{kind.removeprefix('party_')}:{case_id}:{tag}:{p['position']}"
                payload = {"template": template, "params": params, "position": p["position"]}
                rows.append(_row(kind, case_id=case_id, recipient=recipient, key=key, at=at, payload=payload))
    return rows


def insert_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert_for(conn)(NOTIFICATIONS).on_conflict_do_nothing(index_elements=["dedupe_key"]), list(rows))


def queue_party_messages(
    conn: Connection,
    case: Any,
    *,
    event: str,
    seq: int,
    payload: Mapping[str, Any],
    at: datetime,
    parties: Sequence[Mapping[str, Any]] | None = None,
) -> int:
    """Queue the parties' messages for `event` (number `seq` of the case's chain); how many rows were
    offered. `parties`: the party rows when the caller has them (intake, before they can be read back)."""
    spec = PARTY_EVENTS.get(event)
    if spec is None or not any_channel():
        return 0
    template, names = spec
    contacts: Sequence[Mapping[str, Any]] = (
        parties if parties is not None else [dict(r._mapping) for r in conn.execute(_CONTACTS, {"b_case": case.id})]
    )
    if not any(p.get("phone") or p.get("email") for p in contacts):
        return 0
    settings = get_settings()
    params = {"centre": settings.centre_name, "case_no": case.case_no}
    if names is not None:
        code = case.org_code if names == "org" else case.court_code
        name = conn.execute(_ORG_NAME, {"b_code": code}).scalar_one_or_none() if code else None
        params[names] = name or ("人民法院" if names == "court" else "调解组织")
    rows = rows_for(contacts, case_id=case.id, tag=str(seq), at=at, template=template, params=params)
    insert_rows(conn, rows)
    return len(rows)


def queue_party_reminders(conn: Connection, reminders: Iterable[Any], *, at: datetime) -> int:
    """Queue the parties' reminders for the deadlines reminded now (rows with id, case_id, case_no, kind,
    last_day, remind_at), those of a kind in PARTY_REMINDERS; the message names the period's last day."""
    mine = [r for r in reminders if r.kind in PARTY_REMINDERS]
    if not mine or not any_channel():
        return 0
    centre = get_settings().centre_name
    contacts: dict[uuid.UUID, list[dict[str, Any]]] = {}
    query = sa.select(PARTIES.c.case_id, PARTIES.c.position, PARTIES.c.phone, PARTIES.c.email).where(
        PARTIES.c.case_id.in_({r.case_id for r in mine})
    )
    for p in conn.execute(query).mappings():
        contacts.setdefault(p["case_id"], []).append(dict(p))
    rows: list[dict[str, Any]] = []
    for r in mine:
        params = {
            "centre": centre,
            "case_no": r.case_no,
            "date": f"{r.last_day.year}年{r.last_day.month}月{r.last_day.day}日",
        }
        tag = f"remind:{r.id}:{r.remind_at.isoformat()}"
        rows += rows_for(
            contacts.get(r.case_id, []),
            case_id=r.case_id,
            tag=tag,
            at=at,
            template=PARTY_REMINDERS[r.kind],
            params=params,
        )
    insert_rows(conn, rows)
    return len(rows)
