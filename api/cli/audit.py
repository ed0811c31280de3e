"""`jiefen audit`: the hash chain of the audit log."""

import uuid
from typing import Annotated

import typer

from api.cli.common import open_session

app = typer.Typer(help="审计日志", no_args_is_help=True)


@app.command("verify")
def audit_verify(
    case: Annotated[str | None, typer.Option("--case", help="case id (UUID) or case number")] = None,
) -> None:
    """Recompute the hash chain of the audit log; exit 1 naming the first broken case and seq."""
    from sqlmodel import select

    from models.tables import Case
    from workflows.audit import verify

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
        checked, broken = verify(session, case_id=case_id)
    if broken is not None:
        typer.echo(
            f"audit: BROKEN case {broken.case_no} ({broken.case_id}) seq {broken.seq}: {broken.problem}", err=True
        )
        raise typer.Exit(1)
    typer.echo(f"audit: intact ({checked} events checked)")
