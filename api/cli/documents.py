"""`jiefen documents` (render the outbox once or as a worker, reissue, verify a signature) and `jiefen keys` (signing keys)."""

import uuid
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import open_session
from models.settings import get_settings

app = typer.Typer(help="文书（调解协议书、司法确认申请书等）", no_args_is_help=True)
keys_app = typer.Typer(help="文书签名密钥", no_args_is_help=True)


@app.command("render")
def documents_render(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="at most this many documents")] = 200,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="queue failed documents again first")] = False,
    reclaim: Annotated[
        bool,
        typer.Option(
            "--reclaim",
            help="also render documents another renderer claimed and has not finished (only when it is known "
            "to be dead: otherwise its claim lapses by itself after JIEFEN_RENDER_CLAIM_SECONDS)",
        ),
    ] = False,
) -> None:
    """Render the pending documents (the outbox); safe to run at any time, and again."""
    from workflows.outbox.documents import render_pending, retry_failed as requeue

    with open_session() as session:
        if retry_failed:
            typer.echo(f"documents: {requeue(session)} failed document(s) queued again")
        report = render_pending(session, limit=limit, reclaim=reclaim)
    for doc_id, error in report.failed:
        typer.echo(f"documents: FAILED {doc_id}: {error}", err=True)
    typer.echo(
        f"documents: {len(report.rendered)} rendered, {len(report.failed)} failed, {len(report.skipped)} skipped"
    )
    if report.failed:
        raise typer.Exit(1)


@app.command("work")
def documents_work() -> None:
    """Run a render worker until stopped: render each document as it becomes due (`jiefen serve` starts one)."""
    import logging.config

    from api.logs import log_config
    from documents.environment import rendering_missing
    from models.db import make_engine
    from workflows.outbox.worker import serve_forever

    missing = rendering_missing()
    if missing:
        for c in missing:
            typer.echo(f"jiefen documents work: missing {c.name}: {c.detail}", err=True)
        raise typer.Exit(3)
    settings = get_settings()
    logging.config.dictConfig(log_config(settings.log_level, settings.log_format))
    engine = make_engine(settings.database_url, pool_size=2, max_overflow=0)
    totals = serve_forever(engine, settings)
    typer.echo(f"documents: render worker stopped ({totals.rendered} rendered, {totals.failed} failed)")


@app.command("reissue")
def documents_reissue(doc_id: Annotated[str, typer.Argument(help="the rendered document to correct")]) -> None:
    """Queue a corrected version of a document (a new version naming the one it replaces)."""
    from workflows.outbox.documents import reissue

    with open_session() as session:
        try:
            new_id = reissue(session, uuid.UUID(doc_id))
        except (ValueError, LookupError) as e:
            typer.echo(f"documents: {e}", err=True)
            raise typer.Exit(2) from None
    typer.echo(f"documents: {new_id} queued (replaces {doc_id}); run `jiefen documents render`")


@app.command("verify")
def documents_verify(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Validate a document PDF's signature (pyHanko) against the CA in the keys directory."""
    from documents.signing import CA_CERT, validate

    result = validate(file.read_bytes(), Path(get_settings().keys_dir) / CA_CERT)
    typer.echo(
        f"documents: signer {result.signer}: intact={result.intact} valid={result.valid} "
        f"trusted={result.trusted} ({result.summary})"
    )
    if not result.bottom_line:
        raise typer.Exit(1)


@keys_app.command("init")
def keys_init(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="keys directory (default JIEFEN_KEYS_DIR, ./.jiefen/keys)")
    ] = None,
    org: Annotated[
        list[str] | None, typer.Option("--org", help="organization code (repeatable; default: every organization)")
    ] = None,
) -> None:
    """Make a development key pair: a self-signed CA and a signing certificate per organization; and the
    audit key (JIEFEN_AUDIT_KEY_FILE, default <dir>/audit.key) unless it exists (docs/audit.md)."""
    from sqlmodel import select

    from documents.signing import init_ca, issue_signer
    from models.tables import Organization
    from workflows.audit.keys import init_key

    keys = directory or Path(get_settings().keys_dir)
    created = init_ca(keys)
    typer.echo(f"keys: CA {'created' if created else 'exists'} in {keys}")
    audit_key = keys / "audit.key" if directory else get_settings().audit_key_path
    typer.echo(f"keys: audit key {'created' if init_key(audit_key) else 'exists'}: {audit_key}")
    with open_session() as session:
        orgs = {o.code: o.name for o in session.exec(select(Organization))}
    codes = org or sorted(orgs)
    for code in codes:
        files = issue_signer(keys, code, orgs.get(code, code))
        typer.echo(f"keys: {code}: {files.cert}")
    if not codes:
        files = issue_signer(keys, "default", "一站式矛盾纠纷调解中心")
        typer.echo(f"keys: default: {files.cert}")
