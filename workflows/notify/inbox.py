"""Messages to staff in the app (消息, issue 17): written in the transaction of what causes them.

- a case assigned: diverted, escalated, declined on to or timed out into an organization → its active
  mediators; accepted with a mediator chosen → that mediator (`after_transition`, called by the engine);
- a deadline within its reminder lead → the case's mediator, or the organization's mediators while none
  is assigned (`reminders`, called by the deadline sweep with the outbox's reminder notices);
- a ruling or refusal of the court (confirm, reject, a withdrawal it allowed) → the case's mediator and
  whoever applied for the confirmation (`after_transition`);
- a message of the outbox that failed after its last attempt, whatever its kind → the supervisors whose
  region covers the case and the administrators (`delivery_failed`, called where it is marked failed).

Each is one INSERT … SELECT over `users` (the recipients chosen in SQL), with ON CONFLICT (dedupe_key) DO
NOTHING on both databases: the key names the event and the recipient, so an event written twice (a flow
run again) leaves one message each. The member of staff who acted is never told of their own act.
A trigger that tells nobody costs `fire` one dictionary lookup.

Titles and bodies are Chinese and name the case by its case_no; no party's name, number or phone."""

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from models.db import is_sqlite
from models.rows import CaseRow
from models.tables import Case, CaseEvent, Mediator, Notification, Organization, StaffMessage, User
from models.types import UTCDateTime
from states.enums import Role, State, Trigger
from states.labels import DEADLINE_KIND_LABELS
from workflows.access import Actor, in_region

MESSAGES = StaffMessage.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
MEDIATORS = Mediator.__table__  # type: ignore[attr-defined]
EVENTS = CaseEvent.__table__  # type: ignore[attr-defined]
CASES = Case.__table__  # type: ignore[attr-defined]
ORGS = Organization.__table__  # type: ignore[attr-defined]
NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]

ASSIGNED, REMINDER, COURT_RULING, PUSH_FAILED = "assigned", "reminder", "court_ruling", "push_failed"
KIND_LABELS = {ASSIGNED: "案件分派", REMINDER: "期限提醒", COURT_RULING: "法院裁定", PUSH_FAILED: "推送失败"}
# What a failed message of the outbox was, by its kind (party_sms / party_email: the parties' messages).
DELIVERY_LABELS = {
    "court_webhook": "向人民法院推送的司法确认材料",
    "party_sms": "发给当事人的短信",
    "party_email": "发给当事人的电子邮件",
    "call_out": "随叫随驻到岗通知",
}

# --- recipients: WHERE clauses over users --------------------------------------------------------------

_MEDIATOR = USERS.c.role == str(Role.MEDIATOR)
_NOT_RETIRED = ~sa.exists().where(MEDIATORS.c.code == USERS.c.mediator_code, MEDIATORS.c.active == sa.false())
_ORG_MEDIATORS = sa.and_(_MEDIATOR, USERS.c.org_code == sa.bindparam("org", type_=sa.String), _NOT_RETIRED)
_THE_MEDIATOR = sa.and_(_MEDIATOR, USERS.c.mediator_code == sa.bindparam("mediator", type_=sa.String))
_REQUESTER = (
    sa.select(EVENTS.c.actor)
    .where(
        EVENTS.c.case_id == sa.bindparam("case_id", type_=sa.Uuid),
        EVENTS.c.trigger.in_([str(Trigger.REQUEST_CONFIRMATION), str(Trigger.REAPPLY_CONFIRMATION)]),
    )
    .order_by(EVENTS.c.seq.desc())
    .limit(1)
    .scalar_subquery()
)
RECIPIENTS: dict[str, Any] = {
    "org_mediators": _ORG_MEDIATORS,
    "mediator": _THE_MEDIATOR,
    "mediator_and_requester": sa.or_(_THE_MEDIATOR, USERS.c.username == _REQUESTER),
    "named": USERS.c.username.in_(sa.bindparam("names", expanding=True)),
}
_COLUMNS = ("username", "kind", "case_id", "title", "body", "link", "created_at", "dedupe_key")
_STATEMENTS: dict[tuple[str, bool], Any] = {}


def _statement(recipients: str, on_sqlite: bool) -> Any:
    """INSERT INTO staff_messages SELECT … FROM users WHERE <recipients> ON CONFLICT (dedupe_key) DO NOTHING."""
    key = (recipients, on_sqlite)
    if key not in _STATEMENTS:
        select = sa.select(
            USERS.c.username,
            sa.bindparam("kind", type_=sa.String),
            sa.bindparam("case_id", type_=sa.Uuid),
            sa.bindparam("title", type_=sa.String),
            sa.bindparam("body", type_=sa.String),
            sa.bindparam("link", type_=sa.String),
            sa.bindparam("at", type_=UTCDateTime()),
            sa.bindparam("key", type_=sa.String) + USERS.c.username,
        ).where(
            USERS.c.is_active == sa.true(),
            USERS.c.username != sa.bindparam("actor", type_=sa.String),
            RECIPIENTS[recipients],
        )
        insert = (sqlite.insert if on_sqlite else postgresql.insert)(MESSAGES)
        _STATEMENTS[key] = insert.from_select(list(_COLUMNS), select).on_conflict_do_nothing(
            index_elements=["dedupe_key"]
        )
    return _STATEMENTS[key]


def write(conn: Connection, recipients: str, params: Sequence[Mapping[str, Any]]) -> None:
    """Write messages to the users `recipients` selects, one statement (executed once per parameter set).

    Each parameter set: kind, case_id, title, body, link, at, key (the dedupe key's prefix: the username
    completes it), actor (who is not told: "" for nobody), and what the recipients clause binds (org,
    mediator, names)."""
    if params:
        conn.execute(_statement(recipients, is_sqlite(conn)), [{"org": None, "mediator": None, **p} for p in params])


def case_link(case_id: uuid.UUID | str) -> str:
    return f"/cases/{case_id}"


# --- transitions ---------------------------------------------------------------------------------------

_ARRIVED = {
    Trigger.DIVERT: "已分流至本组织",
    Trigger.ESCALATE: "已逐级上报至本组织",
    Trigger.DECLINE: "经原组织退回后，已转至本组织",
    Trigger.DIVERSION_TIMEOUT: "原组织逾期未受理，已逐级上报至本组织",
}


def _assigned_org(conn: Connection, case: CaseRow, trig: Trigger, actor: Actor, at: datetime, _: Any) -> None:
    if case.state != State.DIVERSION or not case.org_code or case.org_code == case.before("org_code"):
        return
    body = f"案件 {case.case_no} {_ARRIVED[trig]}，请及时受理或按规定退回、上报。"
    write(
        conn,
        "org_mediators",
        [_params(case, ASSIGNED, f"新分派案件：{case.case_no}", body, actor, at, org=case.org_code)],
    )


def _assigned_mediator(conn: Connection, case: CaseRow, trig: Trigger, actor: Actor, at: datetime, _: Any) -> None:
    if not case.mediator_code:
        return
    body = f"案件 {case.case_no} 已由本组织受理调解，指定您为承办调解员，请及时联系当事人。"
    params = _params(case, ASSIGNED, f"您承办的新案件：{case.case_no}", body, actor, at, mediator=case.mediator_code)
    write(conn, "mediator", [params])


_RULINGS = {
    Trigger.COURT_CONFIRM: ("司法确认：已裁定确认", "人民法院已裁定确认案件 {no} 的调解协议有效（{ruling}）。"),
    Trigger.COURT_REJECT: (
        "司法确认：法院不予确认",
        "人民法院已就案件 {no} 裁定{what}（{ruling}），请查看理由并告知当事人后续途径。",
    ),
    Trigger.WITHDRAW_CONFIRMATION: (
        "司法确认：准许撤回",
        "人民法院已裁定准许撤回案件 {no} 的司法确认申请（{ruling}）。",
    ),
}
_REJECTED = {"jurisdiction": "不予受理（不属本院管辖）", "inadmissible": "不予受理", "merits": "驳回申请"}


def _court_ruling(conn: Connection, case: CaseRow, trig: Trigger, actor: Actor, at: datetime, payload: Any) -> None:
    if actor.role != Role.COURT:  # a withdrawal the applicants made themselves is no ruling
        return
    title, body = _RULINGS[trig]
    ruling = getattr(payload, "ruling_no", None) or "裁定书号未录入"
    what = _REJECTED.get(str(getattr(payload, "reason_kind", None) or ""), "不予确认")
    text = body.format(no=case.case_no, ruling=ruling, what=what)
    params = _params(case, COURT_RULING, f"{title}：{case.case_no}", text, actor, at, mediator=case.mediator_code)
    write(conn, "mediator_and_requester", [params])


Rule = Callable[[Connection, CaseRow, Trigger, Actor, datetime, Any], None]
AFTER_TRANSITION: dict[Trigger, Rule] = {
    **dict.fromkeys(_ARRIVED, _assigned_org),
    Trigger.ACCEPT: _assigned_mediator,
    **dict.fromkeys(_RULINGS, _court_ruling),
}


def after_transition(conn: Connection, case: CaseRow, trig: Trigger, actor: Actor, at: datetime, payload: Any) -> None:
    """The engine's hook (workflows/engine/transition.py `_apply`), after the event is appended: the
    messages `trig` causes, in the same transaction. Nothing at all for a trigger that tells nobody."""
    rule = AFTER_TRANSITION.get(trig)
    if rule is not None:
        rule(conn, case, trig, actor, at, payload)


def _params(
    case: CaseRow, kind: str, title: str, body: str, actor: Actor, at: datetime, **recipients: Any
) -> dict[str, Any]:
    return {
        "kind": kind,
        "case_id": case.id,
        "title": title,
        "body": body,
        "link": case_link(case.id),
        "at": at,
        "key": f"{kind}:{case.id}:{case.event_seq}:",  # the event: its case and seq
        "actor": actor.name,
        **recipients,
    }


# --- the deadline sweep's reminders --------------------------------------------------------------------


def reminders(conn: Connection, rows: Sequence[Any], *, at: datetime, tz: tzinfo) -> None:
    """A message for each deadline reminded (rows of the sweep's reminder query: id, case_id, kind,
    due_at, remind_at, case_no, org_code, mediator_code) to the case's mediator, or while none is assigned
    to the organization's mediators; once per reminder (the key names the deadline and its remind_at,
    like the outbox's notice: an extension that arms a new reminder tells again)."""
    by: dict[str, list[dict[str, Any]]] = {"mediator": [], "org_mediators": []}
    for r in rows:
        if not r.mediator_code and not r.org_code:
            continue
        due = r.due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        label = DEADLINE_KIND_LABELS.get(r.kind, r.kind)
        by["mediator" if r.mediator_code else "org_mediators"].append(
            {
                "kind": REMINDER,
                "case_id": r.case_id,
                "title": f"期限提醒：{r.case_no}",
                "body": f"案件 {r.case_no} 的{label}将于 {due} 届满，请及时办理。",
                "link": case_link(r.case_id),
                "at": at,
                "key": f"{REMINDER}:{r.id}:{r.remind_at.strftime('%Y%m%dT%H%M%S')}:",
                "actor": "",
                "org": r.org_code,
                "mediator": r.mediator_code,
            }
        )
    for recipients, params in by.items():
        write(conn, recipients, params)


# --- the outbox: a message that failed -----------------------------------------------------------------

_FAILED = (
    sa.select(NOTIFICATIONS.c.kind, NOTIFICATIONS.c.attempts, CASES.c.id, CASES.c.case_no, CASES.c.region)
    .join(CASES, CASES.c.id == NOTIFICATIONS.c.case_id)
    .where(NOTIFICATIONS.c.id == sa.bindparam("nid"))
)
_OVERSEERS = (
    sa.select(USERS.c.username, USERS.c.role, ORGS.c.region)
    .select_from(USERS.outerjoin(ORGS, ORGS.c.code == USERS.c.org_code))
    .where(USERS.c.is_active == sa.true(), USERS.c.role.in_([str(Role.SUPERVISOR), str(Role.ADMIN)]))
)


def delivery_failed(conn: Connection, notification_id: uuid.UUID, *, at: datetime) -> None:
    """Call where an outbox notification is marked `failed` (after its last attempt, or refused), in that
    transaction, whatever its kind: the supervisors whose region covers its case (as workflows/access.py
    scopes them) and the administrators get a message. A notification of no case tells nobody."""
    row = conn.execute(_FAILED, {"nid": notification_id}).first()
    if row is None:
        return
    names = [
        name for name, role, region in conn.execute(_OVERSEERS) if role == Role.ADMIN or in_region(row.region, region)
    ]
    if not names:
        return
    what = DELIVERY_LABELS.get(row.kind, "消息推送")
    body = f"案件 {row.case_no} 的{what}经 {row.attempts} 次尝试仍未送达，请查看原因并处理。"
    params = {
        "kind": PUSH_FAILED,
        "case_id": row.id,
        "title": f"推送失败：{row.case_no}",
        "body": body,
        "link": case_link(row.id),
        "at": at,
        "key": f"{PUSH_FAILED}:{notification_id}:{at.strftime('%Y%m%dT%H%M%S%f')}:",  # each failure once
        "actor": "",
        "names": names,
    }
    write(conn, "named", [params])
