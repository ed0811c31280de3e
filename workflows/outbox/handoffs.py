"""Court hand-offs: the package a court receives, its receipt and its ruling.

The hand-off row is written in the transaction of `request_confirmation` (its stage entry); every later
change (receipt, ruling) is written in the transaction that makes it, with a `court_webhook` notice in
the outbox for a court that configured a webhook (pushed after commit by `workflows.outbox.webhooks`).
"""

import contextlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from models.db import write_transaction
from models.prepared import Prepared, insert_rows
from models.rows import PartyRow, read_parties
from models.tables import Case, CourtHandoff, Document, Mediator, Notification, Organization, Party
from states.enums import Role
from workflows.access import Actor
from workflows.engine.write import append_event, lock_case
from workflows.errors import Forbidden, NotVisible
from workflows.routing.directory import organizations

HANDOFFS = CourtHandoff.__table__  # type: ignore[attr-defined]
NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]
DOCUMENTS = Document.__table__  # type: ignore[attr-defined]
ORGS = Organization.__table__  # type: ignore[attr-defined]

WEBHOOK = "court_webhook"

MEDIATORS = Mediator.__table__  # type: ignore[attr-defined]
_MEDIATOR = Prepared(sa.select(MEDIATORS.c.code, MEDIATORS.c.name).where(MEDIATORS.c.code == sa.bindparam("b_code")))
_OPEN_HANDOFFS = Prepared(
    sa.select(HANDOFFS.c.id, HANDOFFS.c.court_code).where(
        HANDOFFS.c.case_id == sa.bindparam("b_case"), HANDOFFS.c.status != "decided"
    )
)
_DECIDE = Prepared(HANDOFFS.update().where(HANDOFFS.c.id == sa.bindparam("b_id")).values(status="decided"))
_WEBHOOK_URL = Prepared(sa.select(ORGS.c.webhook_url).where(ORGS.c.code == sa.bindparam("b_code")))


# --- the package (inside fire's transaction) ------------------------------------------------------------


def _party(x: Party | PartyRow) -> dict[str, Any]:
    return {
        "position": x.position,
        "role": x.role,
        "kind": x.kind,
        "name": x.name,
        "id_number": x.id_number,
        "uscc": x.uscc,
        "phone": x.phone,
        "address": x.address,
    }


def build_package(
    conn: Connection,
    case: Any,
    court: Organization,
    *,
    now: datetime,
    warnings: list[dict[str, Any]],
    jurisdiction: dict[str, Any],
    application: dict[str, Any] | None = None,
    parties: Sequence[Party | PartyRow] | None = None,
    org: Organization | None = None,
) -> dict[str, Any]:
    """What the court receives. `application`: the joint application as recorded on the case
    (workflows.stages.joint.record); its applicants are the package's `applicants`, every one a 申请人.
    `parties` and `org` (the case's organization): when the caller has them already."""
    if parties is None:
        parties = read_parties(conn, case.id)
    if application is not None:
        parties = [x for x in parties if x.position in set(application["applicants"])]
    if org is None and case.org_code:
        org = organizations(conn).get(case.org_code)
    med = _MEDIATOR.rows(conn, {"b_code": case.mediator_code}) if case.mediator_code else None
    agreement = dict(case.agreement or {})
    return {
        "case_no": case.case_no,
        "dispute_type": case.dispute_type,
        "channel": case.channel,
        "applicants": [{**_party(x), "as": "申请人"} for x in parties],  # all apply jointly (民事诉讼法 第205条)
        "application": {
            "court_code": court.code,
            "court_name": court.name,
            "applied_at": now.isoformat(),
            "joint": True,
            "basis": "人民调解法 第33条；民事诉讼法 第205条；民诉法解释 第351条",
        },
        "joint_application": (
            {k: application[k] for k in ("applicants", "signed", "signed_on", "agents")} if application else None
        ),
        "agreement": agreement,
        "mediation_organization": (
            {"code": org.code, "name": org.name, "kind": org.kind, "level": org.level, "region": org.region}
            if org
            else None
        ),
        "mediator": {"code": med[0][0], "name": med[0][1]} if med else None,
        "mediator_code": case.mediator_code,
        "summary": case.summary,
        "facts": {
            "summary": case.summary,
            "facts": agreement.get("facts"),
            "liability": agreement.get("liability"),
            "region": case.region,
            "claim_amount": str(case.claim_amount) if case.claim_amount is not None else None,
            "occurred_on": case.occurred_on.isoformat() if case.occurred_on else None,
        },
        "jurisdiction": jurisdiction,
        "warnings": warnings,
        "documents": [],
    }


def _doc_links(conn: Connection, case_id: uuid.UUID, new_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """The agreement's PDF (registered at reach_agreement) and the ones registered now (the application)."""
    ids = new_ids or [uuid.UUID(int=0)]
    rows = _links(len(ids)).rows(conn, {"b_case": case_id, **{f"b_id{i}": d for i, d in enumerate(ids)}})
    return [{"id": str(i), "kind": kind, "pdf": f"/api/v1/documents/{i}/pdf"} for i, kind in rows]


_LINKS: dict[int, Prepared] = {}


def _links(n: int) -> Prepared:
    """_doc_links' query for n new documents, built once."""
    prepared = _LINKS.get(n)
    if prepared is None:
        ids = [sa.bindparam(f"b_id{i}", type_=DOCUMENTS.c.id.type) for i in range(n)]
        prepared = _LINKS[n] = Prepared(
            sa.select(DOCUMENTS.c.id, DOCUMENTS.c.kind)
            .where(
                DOCUMENTS.c.case_id == sa.bindparam("b_case"),
                sa.or_(DOCUMENTS.c.kind == "mediation_agreement", DOCUMENTS.c.id.in_(ids)),
            )
            .order_by(DOCUMENTS.c.created_at, DOCUMENTS.c.id)
        )
    return prepared


def write_handoff(
    conn: Connection,
    *,
    case: Any,
    court: Organization,
    package: dict[str, Any],
    doc_ids: list[uuid.UUID],
    now: datetime,
    seq: int,
) -> uuid.UUID:
    """The hand-off row, and its first webhook notice when the court has a webhook (same transaction)."""
    handoff_id = uuid.uuid4()
    package = {**package, "documents": _doc_links(conn, case.id, doc_ids)}
    row = {"id": handoff_id, "case_id": case.id, "court_code": court.code, "status": "pending", "package": package}
    insert_rows(conn, HANDOFFS, [{**row, "created_at": now}])
    enqueue(
        conn,
        handoff_id=handoff_id,
        case_id=case.id,
        court_code=court.code,
        event="handoff.created",
        now=now,
        seq=seq,
        data={"package": package},
        court=court,
    )
    return handoff_id


def enqueue(
    conn: Connection,
    *,
    handoff_id: uuid.UUID,
    case_id: uuid.UUID,
    court_code: str,
    event: str,
    now: datetime,
    seq: int,
    data: dict[str, Any],
    court: Organization | None = None,
) -> None:
    """A webhook notice for the court, if it has a webhook. The body is frozen now. `court`: the court's
    row as read in this transaction, when the caller has it (its webhook is not read again)."""
    if court is not None:
        url = court.webhook_url
    else:
        found = _WEBHOOK_URL.rows(conn, {"b_code": court_code})
        url = found[0][0] if found else None
    if not url:
        return
    nid = uuid.uuid4()
    body = {
        "delivery_id": str(nid),
        "event": event,
        "handoff_id": str(handoff_id),
        "case_id": str(case_id),
        "court_code": court_code,
        "at": now.isoformat(),
        **data,
    }
    conn.execute(
        NOTIFICATIONS.insert().values(
            id=nid,
            kind=WEBHOOK,
            case_id=case_id,
            org_code=court_code,
            recipient=court_code,
            payload=body,
            status="pending",
            attempts=0,
            dedupe_key=f"{WEBHOOK}:{handoff_id}:{event}:{seq}",
            created_at=now,
            next_attempt_at=now,
        )
    )


def decided(
    conn: Connection,
    *,
    case: Any,
    outcome: str,
    ruling_no: str | None,
    now: datetime,
    seq: int,
    event: str = "handoff.decided",
) -> None:
    """The ruling on the case's open hand-off (court_confirm / court_reject; withdraw_confirmation with
    outcome `withdrawn` and event `handoff.withdrawn`), in fire's transaction."""
    rows = _OPEN_HANDOFFS.rows(conn, {"b_case": case.id})
    for handoff_id, court_code in rows:
        _DECIDE.execute(conn, {"b_id": handoff_id, "decided_at": now, "ruling_no": ruling_no, "outcome": outcome})
        enqueue(
            conn,
            handoff_id=handoff_id,
            case_id=case.id,
            court_code=court_code,
            event=event,
            now=now,
            seq=seq,
            data={"status": "decided", "outcome": outcome, "ruling_no": ruling_no},
        )


def filed(conn: Connection, *, case: Any, filed_on: str, now: datetime, seq: int) -> None:
    """The court's 立案 (court_file), in fire's transaction: a hand-off not yet received counts as received
    now, and the court's webhook hears of the filing date."""
    rows = conn.execute(
        sa.select(HANDOFFS.c.id, HANDOFFS.c.court_code, HANDOFFS.c.status).where(
            HANDOFFS.c.case_id == case.id, HANDOFFS.c.status != "decided"
        )
    ).all()
    for r in rows:
        if r.status == "pending":
            conn.execute(HANDOFFS.update().where(HANDOFFS.c.id == r.id).values(status="accepted", accepted_at=now))
        enqueue(
            conn,
            handoff_id=r.id,
            case_id=case.id,
            court_code=r.court_code,
            event="handoff.filed",
            now=now,
            seq=seq,
            data={"status": "accepted", "filed_on": filed_on},
        )


# --- the court's view ------------------------------------------------------------------------------------


def _visible(session: Session, actor: Actor, handoff_id: str | uuid.UUID) -> CourtHandoff:
    if actor.role not in (Role.COURT, Role.ADMIN):
        raise Forbidden("只有人民法院用户可以查看司法确认材料")
    try:
        hid = handoff_id if isinstance(handoff_id, uuid.UUID) else uuid.UUID(str(handoff_id))
    except ValueError:
        raise NotVisible("司法确认申请不存在") from None
    h = session.get(CourtHandoff, hid)
    if h is None or (actor.role is Role.COURT and h.court_code != actor.org_code):
        raise NotVisible("司法确认申请不存在")
    return h


def get_handoff(session: Session, actor: Actor, handoff_id: str | uuid.UUID) -> tuple[CourtHandoff, str]:
    h = _visible(session, actor, handoff_id)
    case_no = session.exec(select(Case.case_no).where(Case.id == h.case_id)).one()
    return h, case_no


def receive(
    session: Session, *, actor: Actor, handoff_id: str | uuid.UUID, now: datetime | None = None
) -> tuple[CourtHandoff, str]:
    """The court records receipt: pending → accepted (accepted_at), audited on the case's chain as
    `court_received` and pushed to its webhook. Idempotent: a second receipt changes nothing."""
    now = now or datetime.now(UTC)
    h = _visible(session, actor, handoff_id)
    hid, case_id, court_code = h.id, h.case_id, h.court_code
    with contextlib.suppress(_AlreadyDone):  # raced by a ruling or another receipt: nothing to record
        _receive_locked(session, hid, case_id, court_code, actor, now)
    session.expire_all()
    return get_handoff(session, actor, hid)


def _receive_locked(
    session: Session, hid: uuid.UUID, case_id: uuid.UUID, court_code: str, actor: Actor, now: datetime
) -> None:
    with write_transaction(session) as conn:
        # The case row first (every writer's order), then the hand-off is read under its lock.
        case = lock_case(conn, case_id)
        status = conn.execute(sa.select(HANDOFFS.c.status).where(HANDOFFS.c.id == hid)).scalar()
        if case is None or status != "pending":
            return
        append_event(
            conn,
            case,
            event="court_received",
            actor=actor.name,
            payload={"handoff_id": str(hid), "court_code": court_code},
            at=now,
        )
        changed = conn.execute(
            HANDOFFS.update()
            .where(HANDOFFS.c.id == hid, HANDOFFS.c.status == "pending")
            .values(status="accepted", accepted_at=now)
        )
        if changed.rowcount != 1:  # raced by a ruling or another receipt: undo the event with the rest
            raise _AlreadyDone()
        enqueue(
            conn,
            handoff_id=hid,
            case_id=case_id,
            court_code=court_code,
            event="handoff.accepted",
            now=now,
            seq=case.event_seq,
            data={"status": "accepted", "accepted_at": now.isoformat()},
        )


class _AlreadyDone(Exception):
    pass
