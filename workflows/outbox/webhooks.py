"""Pushing court hand-offs to the courts' webhooks, after commit.

A court that configured a webhook (organizations.webhook_url / webhook_secret) gets each hand-off
change pushed from the Notification outbox (kind `court_webhook`) by `deliver_pending` — what the Prefect flow `handoffs_deliver` and the
embedded scheduler run:

- the body is the notification's payload, frozen when it was written (canonical JSON, UTF-8), with the
  parties' identity numbers and phones whole only when the URL is https (masked over http, which only
  development accepts);
- header `X-Jiefen-Delivery`: the notification id — the same on every retry, so a receiver that gets a
  delivery twice can tell (at-least-once delivery: receivers dedupe on it);
- header `X-Jiefen-Signature`: `sha256=` + hex HMAC-SHA256 of the body with the court's secret;
- the URL and every address its host resolves to are checked on each delivery, and the request goes to the
  address checked (workflows/outbox/webhook_address.py); a refused one fails the notice at once, naming why;
- a non-2xx answer or a network error is retried with exponential backoff (`next_attempt_at` =
  now + BACKOFF_BASE · 2^(attempts-1)); after MAX_ATTEMPTS the notification is `failed`, listed for
  supervisors (GET /api/v1/supervision/undelivered), never dropped.
"""

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx2
import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.privacy import mask_email, mask_phone, redact
from models.tables import Case, Notification, Organization
from states.enums import Role
from workflows.access import Actor, visible_clause
from workflows.errors import Forbidden
from workflows.outbox import notices, webhook_address
from workflows.outbox.handoffs import WEBHOOK
from workflows.outbox.notices import BACKOFF_BASE, CLAIM_LEASE, MAX_ATTEMPTS, DeliveryReport, backoff

__all__ = ["BACKOFF_BASE", "CLAIM_LEASE", "MAX_ATTEMPTS", "DeliveryReport", "backoff", "deliver", "deliver_pending"]

TIMEOUT_SECONDS = 10.0  # < notices.CLAIM_LEASE: how long a claimed notice is left to its deliverer
SIGNATURE_HEADER = "X-Jiefen-Signature"
DELIVERY_HEADER = "X-Jiefen-Delivery"
EVENT_HEADER = "X-Jiefen-Event"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def pushed(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What goes over the wire to `url`: the parties' identity numbers and phones whole only over TLS
    (https); over plain http, which only development accepts, every one of them masked (models.privacy)."""
    if urlsplit(url).scheme.lower() == "https":
        return payload
    masked: dict[str, Any] = redact(payload)
    return masked


Post = Callable[[str, bytes, dict[str, str]], int]


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """To the address the URL's check passed (webhook_address: never a refused one, never re-resolved)."""
    return webhook_address.post(url, body, headers, timeout=TIMEOUT_SECONDS)


def claim_next(session: Session, *, now: datetime) -> tuple[uuid.UUID, str, int, dict[str, Any]] | None:
    """Claim the next webhook notice due at `now` (workflows/outbox/notices.py: the lease, SKIP LOCKED).
    The result of the attempt then sets `next_attempt_at` again (delivered, failed, or the backoff); a
    notice pushed again after a lapsed claim carries the same X-Jiefen-Delivery id (receivers dedupe on it)."""
    row = notices.claim_next(session, kinds=(WEBHOOK,), now=now)
    return None if row is None else (row.id, row.org_code, row.attempts, dict(row.payload))


def deliver_pending(
    session: Session,
    *,
    now: datetime | None = None,
    limit: int = 100,
    post: Post = http_post,
    max_attempts: int = MAX_ATTEMPTS,
) -> DeliveryReport:
    """Deliver up to `limit` webhook notices due at `now`, once each (each claimed before it is pushed, so
    concurrent deliverers push disjoint notices); retry later on failure."""
    now = now or datetime.now(UTC)
    report = DeliveryReport()
    for _ in range(limit):
        job = claim_next(session, now=now)
        if job is None:
            break
        nid, court_code, attempts, payload = job
        org = session.exec(select(Organization).where(Organization.code == court_code)).first()
        session.rollback()
        error, refused = None, False
        if org is None or not org.webhook_url or not org.webhook_secret:
            error = "法院未配置推送地址或密钥"
        else:
            body = body_bytes(pushed(org.webhook_url, payload))
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                DELIVERY_HEADER: str(nid),
                EVENT_HEADER: str(payload.get("event", "")),
                SIGNATURE_HEADER: sign(org.webhook_secret, body),
            }
            try:
                code = post(org.webhook_url, body, headers)
                if not 200 <= code < 300:
                    error = f"HTTP {code}"
            except webhook_address.WebhookRefused as e:  # not an address to push to: no retry helps
                error, refused = f"推送地址被拒绝：{e}"[:500], True
            except httpx2.HTTPError as e:
                error = f"{type(e).__name__}: {e}"[:500]
        notices.settle(session, report, nid, attempts, error=error, now=now, max_attempts=max_attempts, final=refused)
    session.expire_all()
    return report


PARTY_KINDS = ("party_sms", "party_email")
_RECIPIENT_MASKS = {"party_sms": mask_phone, "party_email": mask_email}


def undelivered(session: Session, actor: Actor, *, limit: int = 200) -> list[dict[str, Any]]:
    """For supervisors (cases of their region): court webhook notices that failed after the last retry, and
    the parties' SMS and emails that failed or are waiting for a retry after a failure — the recipient
    masked (whatever the role: a supervisor or admin sees phones and addresses masked), with the reason."""
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("只有督办人员可以查看未送达的推送")
    failed_webhook = sa.and_(col(Notification.kind) == WEBHOOK, col(Notification.status) == "failed")
    failing_party = sa.and_(
        col(Notification.kind).in_(PARTY_KINDS),
        sa.or_(
            col(Notification.status) == "failed",
            sa.and_(col(Notification.status) == "pending", col(Notification.attempts) > 0),
        ),
    )
    rows = session.exec(
        select(Notification, Case.case_no)
        .join(Case, col(Case.id) == Notification.case_id)
        .where(sa.or_(failed_webhook, failing_party), visible_clause(actor))
        .order_by(col(Notification.created_at))
        .limit(limit)
    ).all()
    return [
        {
            "id": n.id,
            "kind": n.kind,
            "case_id": n.case_id,
            "case_no": no,
            "court_code": n.org_code,
            "recipient": _RECIPIENT_MASKS[n.kind](n.recipient) if n.kind in _RECIPIENT_MASKS else None,
            "event": n.payload.get("event") or n.payload.get("template"),
            "handoff_id": n.payload.get("handoff_id"),
            "attempts": n.attempts,
            "last_error": n.last_error,
            "created_at": n.created_at,
            "status": n.status,
        }
        for n, no in rows
    ]


def deliver(
    engine: Any,
    *,
    now: datetime | None = None,
    limit: int = 100,
    post: Post = http_post,
    max_attempts: int = MAX_ATTEMPTS,
) -> dict[str, int]:
    """One delivery pass on its own session: what the flow `handoffs_deliver` and the embedded scheduler run."""
    with Session(engine, expire_on_commit=False) as session:
        return deliver_pending(session, now=now, limit=limit, post=post, max_attempts=max_attempts).as_dict()
