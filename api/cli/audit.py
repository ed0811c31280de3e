"""`jiefen audit`: verify the keyed audit chain against the database and the checkpoints, write a
checkpoint, print the public key that checks the checkpoints (docs/audit.md)."""

import uuid
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import open_session
from models.settings import get_settings

app = typer.Typer(help="审计日志", no_args_is_help=True)

CheckpointDir = Annotated[
    Path | None,
    typer.Option("--checkpoint-dir", help="checkpoint directory (default JIEFEN_AUDIT_CHECKPOINT_DIR)"),
]


def _fail_key(e: Exception) -> typer.Exit:
    typer.echo(f"audit: {e}", err=True)
    return typer.Exit(2)


@app.command("verify")
def audit_verify(
    case: Annotated[str | None, typer.Option("--case", help="case id (UUID) or case number")] = None,
    checkpoint_dir: CheckpointDir = None,
) -> None:
    """Check every chain with the audit key, every case against its events and the last checkpoint,
    the checkpoint file and the case numbers; exit 1 naming every broken case and seq."""
    from sqlmodel import select

    from models.tables import Case
    from workflows.audit import AuditKeyError, check

    with open_session() as session:
        case_id = None
        if case:
            try:
                case_id = uuid.UUID(case)
            except ValueError:
                found = session.exec(select(Case.id).where(Case.case_no == case)).first()
                if found is None:
                    typer.echo(f"audit: no case {case}", err=True)
                    raise typer.Exit(2) from None
                case_id = found
        try:
            report = check(session, case_id=case_id, checkpoint_dir=checkpoint_dir)
        except AuditKeyError as e:
            raise _fail_key(e) from None
    for note in report.notes:
        typer.echo(f"audit: note: {note}")
    anchored = f", checkpoint {report.checkpoint}" if report.checkpoint else ""
    if report.breaks:
        for b in report.breaks:
            where = f"case {b.case_no} ({b.case_id})" if b.case_id else b.case_no
            typer.echo(f"audit: BROKEN {where} seq {b.seq}: {b.problem}", err=True)
        typer.echo(
            f"audit: {len(report.broken_cases())} broken ({len(report.breaks)} problems; "
            f"{report.cases} cases, {report.events} events checked{anchored})",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"audit: intact ({report.events} events checked, {report.cases} cases{anchored})")


@app.command("checkpoint")
def audit_checkpoint(
    checkpoint_dir: CheckpointDir = None,
    accept_loss: Annotated[
        str | None,
        typer.Option(
            "--accept-loss",
            help="write it although the database is behind the last checkpoint (e.g. after restoring a "
            "backup), recording this reason and what was lost in the checkpoint",
        ),
    ] = None,
) -> None:
    """Append a signed checkpoint of every case head and the case-number counters to the checkpoint
    file; refused (exit 1) when the database is behind the last one."""
    from workflows.audit import AuditKeyError, CheckpointRefused, write_checkpoint

    directory = checkpoint_dir or Path(get_settings().audit_checkpoint_dir)
    with open_session() as session:
        try:
            written = write_checkpoint(session.get_bind(), directory, accept=accept_loss)  # type: ignore[arg-type]
        except (AuditKeyError, OSError) as e:
            raise _fail_key(e) from None
        except CheckpointRefused as e:
            for b in e.problems:
                typer.echo(f"audit: REFUSED {b.case_no} seq {b.seq}: {b.problem}", err=True)
            typer.echo(
                "audit: checkpoint not written: the database is behind the last checkpoint or the file is "
                "broken (see docs/audit.md; after restoring a backup: --accept-loss REASON)",
                err=True,
            )
            raise typer.Exit(1) from None
    for b in written.accepted:
        typer.echo(f"audit: accepted loss {b.case_no} seq {b.seq}: {b.problem}")
    typer.echo(f"audit: checkpoint {written.n} written to {written.path} ({written.cases} cases)")


@app.command("public-key")
def audit_public_key() -> None:
    """Print the Ed25519 public key (PEM) that checks the checkpoints' signatures."""
    from workflows.audit import AuditKeyError, load_keys
    from workflows.audit.keys import public_pem

    try:
        keys = load_keys()
    except AuditKeyError as e:
        raise _fail_key(e) from None
    typer.echo(f"# audit key {keys.current.kid}")
    typer.echo(public_pem(keys.current.public_key()), nl=False)
