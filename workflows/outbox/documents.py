"""The documents outbox (ARCHITECTURE "One request", steps 3 and 5).

In the transition's transaction `register_documents` adds a `pending` Document row (kind, case,
the event that caused it). The API process never renders: a renderer — the render worker that
`jiefen serve` starts (workflows/outbox/worker.py), the Prefect flow `documents_render` in distributed
mode, `jiefen documents render` — claims due rows (workflows/outbox/claims.py) and renders them one by
one, by id: build the context (documents.context), render_html → render_pdf → PAdES signature, then in
one write transaction store bytes + SHA-256 *only if the row is still pending* and append a
`document_generated` event to the case's chain. A failure is recorded on the row (attempts,
last_error, next_attempt_at with back-off) and retried; after `render_max_attempts` the row is
`failed`. A crash mid-render leaves the row pending and its claim lapses: the next run renders it.
Renderers claim disjoint rows, so a document is rendered once; and should a lapsed claim let two
render one row, the second store finds it no longer pending and discards its work.
"""

import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from prometheus_client import Histogram
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from documents import context as doc_context, render, signing
from models.db import write_transaction
from models.prepared import insert_rows
from models.settings import Settings, get_settings
from models.tables import Document, Organization
from workflows.engine.write import append_event, lock_case
from workflows.outbox import claims

log = logging.getLogger("jiefen.documents")

DOCUMENTS = Document.__table__  # type: ignore[attr-defined]
ACTOR = "system:documents"
EVENT = "document_generated"

_INSERT = DOCUMENTS.insert()

# Seconds of one render (context, HTML, PDF, signature), in whichever process renders. The documents rows
# keep when a document was rendered, not how long it took: the render worker that `jiefen serve` starts
# writes this to the server's PROMETHEUS_MULTIPROC_DIR and GET /metrics reads it from there (api/metrics.py).
RENDER_SECONDS = Histogram(
    "jiefen_document_render_seconds",
    "Seconds spent rendering one document, by kind and outcome (rendered, failed)",
    ["kind", "outcome"],
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0),
)


def register_documents(
    conn: Connection, case: Any, kinds: Iterable[str], now: datetime, *, seq: int
) -> list[uuid.UUID]:
    """Inside fire's transaction: a pending row per document of `kinds` (the trigger's stage entry
    names them), produced by event `seq`, in one statement — cheap: the rendering happens after commit."""
    rows = [
        {
            "id": uuid.uuid4(),
            "case_id": case.id,
            "kind": kind,
            "status": "pending",
            "source_event_seq": seq,
            "created_at": now,
            "next_attempt_at": None,  # due at once
            "version": 1,
            "attempts": 0,
        }
        for kind in kinds
    ]
    insert_rows(conn, DOCUMENTS, rows)
    return [r["id"] for r in rows]


@dataclass
class RenderReport:
    rendered: list[uuid.UUID] = field(default_factory=list)
    failed: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    skipped: list[uuid.UUID] = field(default_factory=list)


def claim_due(
    session: Session,
    *,
    renderer: str,
    now: datetime,
    limit: int,
    settings: Settings,
    case_id: uuid.UUID | None = None,
    reclaim: bool = False,
) -> list[uuid.UUID]:
    """Claim up to `limit` due documents for `renderer` (workflows/outbox/claims.py), in a transaction
    of its own that ends before the slow work."""
    with write_transaction(session) as conn:
        ids = claims.claim(
            conn,
            renderer=renderer,
            now=now,
            lease=timedelta(seconds=settings.render_claim_seconds),
            limit=limit,
            case_id=case_id,
            reclaim=reclaim,
        )
    session.expire_all()
    return ids


def render_pending(
    session: Session,
    *,
    limit: int = 50,
    case_id: uuid.UUID | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
    renderer: str | None = None,
    reclaim: bool = False,
) -> RenderReport:
    """Claim and render up to `limit` pending documents (those due for a retry included). Idempotent,
    and safe to run in several processes at once: each renders only what it claimed."""
    settings = settings or get_settings()
    renderer = renderer or claims.renderer_name()
    report = RenderReport()
    ids = claim_due(
        session,
        renderer=renderer,
        now=now or datetime.now(UTC),
        limit=limit,
        settings=settings,
        case_id=case_id,
        reclaim=reclaim,
    )
    for i, doc_id in enumerate(ids):
        try:
            outcome, detail = render_one(session, doc_id, settings=settings)
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): give back what is left, for the next run
            release_claims(session, ids[i:], renderer)
            raise
        if outcome == "rendered":
            report.rendered.append(doc_id)
        elif outcome == "failed":
            report.failed.append((doc_id, detail))
        else:
            report.skipped.append(doc_id)
    return report


def release_claims(session: Session, ids: list[uuid.UUID], renderer: str) -> None:
    """Give claimed documents back before their lease ends (a renderer stopping in the middle)."""
    session.rollback()
    with write_transaction(session) as conn:
        for doc_id in ids:
            claims.release(conn, doc_id, renderer)


def _signer_files(session: Session, settings: Settings, org_code: str) -> signing.SignerFiles:
    keys = Path(settings.keys_dir)
    files = signing.signer_files(keys, org_code or "default")
    if files.cert.exists() and files.key.exists() and files.ca.exists():
        return files
    if settings.env == "production":
        raise signing.SigningKeyMissing(f"{files.cert} 不存在：请为组织 {org_code} 配置签名证书")
    # Development and tests: make the development CA and this organization's key on first use.
    org = session.exec(select(Organization).where(Organization.code == org_code)).first() if org_code else None
    signing.init_ca(keys)
    return signing.issue_signer(keys, org_code or "default", org.name if org else "一站式矛盾纠纷调解中心")


def produce(session: Session, doc: Document, *, settings: Settings) -> tuple[bytes, str]:
    """The signed PDF of a document and its verification code. Pure apart from reading."""
    ctx = doc_context.build(session, doc, tz=settings.tz, public_url=settings.public_url)
    html = render.render_html(doc.kind, ctx)
    pdf = render.render_pdf(html)
    files = _signer_files(session, settings, ctx["signer"]["code"])
    signed = signing.sign_pdf(
        pdf,
        files,
        reason=f"{ctx['title']}（{ctx['case_no']}）",
        location=ctx["signer"]["name"],
        name=ctx["signer"]["name"],
    )
    return signed, ctx["verify_code"]


def render_one(session: Session, doc_id: uuid.UUID, *, settings: Settings | None = None) -> tuple[str, str]:
    """Render one pending document by id: ("rendered" | "failed" | "skipped", detail)."""
    settings = settings or get_settings()
    session.expire_all()
    doc = session.get(Document, doc_id)
    if doc is None or doc.status != "pending":
        session.rollback()
        return "skipped", "not pending"
    started = time.perf_counter()
    try:
        pdf, code = produce(session, doc, settings=settings)
    except Exception as e:  # noqa: BLE001 - any failure of the slow work is recorded on the row and retried
        RENDER_SECONDS.labels(kind=doc.kind, outcome="failed").observe(time.perf_counter() - started)
        detail = f"{type(e).__name__}: {e}"[:2000]
        log.warning("document %s (%s) failed to render: %s", doc_id, doc.kind, detail)
        session.rollback()
        _record_failure(session, doc_id, detail, settings=settings)
        return "failed", detail
    RENDER_SECONDS.labels(kind=doc.kind, outcome="rendered").observe(time.perf_counter() - started)
    session.rollback()
    stored = _store(session, doc_id, pdf, code)
    return ("rendered", render.sha256(pdf)) if stored else ("skipped", "rendered by another worker")


def _store(session: Session, doc_id: uuid.UUID, pdf: bytes, code: str) -> bool:
    digest = render.sha256(pdf)
    now = datetime.now(UTC)
    with write_transaction(session) as conn:
        row = conn.execute(
            sa.select(
                DOCUMENTS.c.case_id,
                DOCUMENTS.c.kind,
                DOCUMENTS.c.version,
                DOCUMENTS.c.replaces_id,
                DOCUMENTS.c.source_event_seq,
            ).where(DOCUMENTS.c.id == doc_id)
        ).first()
        if row is None:
            return False
        # Lock the case first (fire's order: case row, then its children), then claim the row.
        case = lock_case(conn, row.case_id)
        if case is None:
            return False
        done = conn.execute(
            DOCUMENTS.update()
            .where(DOCUMENTS.c.id == doc_id, DOCUMENTS.c.status == "pending", DOCUMENTS.c.content.is_(None))
            .values(
                status="rendered",
                content=pdf,
                sha256=digest,
                verify_code=code,
                rendered_at=now,
                attempts=DOCUMENTS.c.attempts + 1,
                last_error=None,
                next_attempt_at=None,
                claimed_by=None,
                claimed_until=None,
            )
        )
        if done.rowcount != 1:
            return False
        append_event(
            conn,
            case,
            event=EVENT,
            actor=ACTOR,
            at=now,
            payload={
                "document_id": str(doc_id),
                "kind": row.kind,
                "sha256": digest,
                "version": row.version,
                "replaces_id": str(row.replaces_id) if row.replaces_id else None,
                "source_event_seq": row.source_event_seq,
            },
        )
    session.expire_all()
    return True


def _record_failure(session: Session, doc_id: uuid.UUID, detail: str, *, settings: Settings) -> None:
    now = datetime.now(UTC)
    with write_transaction(session) as conn:
        row = conn.execute(
            sa.select(DOCUMENTS.c.attempts).where(DOCUMENTS.c.id == doc_id, DOCUMENTS.c.status == "pending")
        ).first()
        if row is None:
            return
        attempts = row.attempts + 1
        backoff = timedelta(seconds=min(3600, 30 * 2 ** (attempts - 1)))
        conn.execute(
            DOCUMENTS.update()
            .where(DOCUMENTS.c.id == doc_id, DOCUMENTS.c.status == "pending")
            .values(
                attempts=attempts,
                last_error=detail,
                next_attempt_at=now + backoff,
                status="failed" if attempts >= settings.render_max_attempts else "pending",
                claimed_by=None,
                claimed_until=None,
            )
        )
    session.expire_all()


def retry_failed(session: Session, *, case_id: uuid.UUID | None = None) -> int:
    """Put failed documents back in the queue (after the cause — a font, a key — was fixed)."""
    with write_transaction(session) as conn:
        stmt = DOCUMENTS.update().where(DOCUMENTS.c.status == "failed")
        if case_id is not None:
            stmt = stmt.where(DOCUMENTS.c.case_id == case_id)
        n = conn.execute(
            stmt.values(status="pending", attempts=0, next_attempt_at=None, claimed_by=None, claimed_until=None)
        ).rowcount
    session.expire_all()
    return n


def reissue(session: Session, doc_id: uuid.UUID) -> uuid.UUID:
    """A correction: a new pending version naming the one it replaces (the old bytes stay as they are)."""
    with write_transaction(session) as conn:
        old = conn.execute(sa.select(DOCUMENTS).where(DOCUMENTS.c.id == doc_id)).mappings().first()
        if old is None:
            raise LookupError(f"文书 {doc_id} 不存在")
        if old["status"] != "rendered":
            raise ValueError(f"文书 {doc_id} 尚未生成，无需更正")
        later = conn.execute(sa.select(DOCUMENTS.c.id).where(DOCUMENTS.c.replaces_id == doc_id)).first()
        if later is not None:
            raise ValueError(f"文书 {doc_id} 已被 {later.id} 取代，请更正最新版本")
        new_id = uuid.uuid4()
        now = datetime.now(UTC)
        conn.execute(
            _INSERT,
            {
                "id": new_id,
                "case_id": old["case_id"],
                "kind": old["kind"],
                "status": "pending",
                "source_event_seq": old["source_event_seq"],
                "replaces_id": doc_id,
                "version": old["version"] + 1,
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": None,
            },
        )
    session.expire_all()
    return new_id


def render_due(
    engine: Any, *, now: datetime | None = None, limit: int = 20, settings: Settings | None = None
) -> dict[str, int]:
    """One pass over the outbox on its own session: every pending document, whichever transition or
    sweep produced it, and the failed renders whose retry is due. What the embedded scheduler runs
    after each sweep and the Prefect flow `documents_render` runs in distributed mode."""
    with Session(engine, expire_on_commit=False) as session:
        report = render_pending(session, now=now, limit=limit, settings=settings)
    for doc_id, error in report.failed:
        log.warning("document %s not rendered (will retry): %s", doc_id, error)
    return {"rendered": len(report.rendered), "failed": len(report.failed), "skipped": len(report.skipped)}
