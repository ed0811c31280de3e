"""The `jiefen` command line (CONTRACT §1)."""

import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from models.settings import get_settings

app = typer.Typer(help="解纷 jiefen — 一站式矛盾纠纷调解中心 工作流引擎", no_args_is_help=True, add_completion=False)
audit_app = typer.Typer(help="审计日志", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _session() -> Session:
    from models.db import get_engine
    from models.migrate import upgrade

    upgrade(get_settings().database_url)
    return Session(get_engine(), expire_on_commit=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="listen address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="listen port")] = 8000,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="run without the embedded deadline scheduler")] = False,
) -> None:
    """Serve the API and the web UI."""
    import uvicorn

    from api.app import create_app
    from models.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    application = create_app(settings)
    application.state.scheduler_enabled = not no_scheduler
    typer.echo(f"jiefen serving on http://{host}:{port}  (database: {settings.database_url.split('@')[-1]})")
    from api.logs import log_config

    uvicorn.run(application, host=host, port=port, log_level=settings.log_level.lower(),
                log_config=log_config(settings.log_level))


@app.command()
def seed(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Load organizations, mediators, users and courts from a YAML file (idempotent)."""
    from models.seed.loader import SeedError, load_seed_file

    with _session() as session:
        try:
            report = load_seed_file(session, file)
        except SeedError as e:
            typer.echo(f"seed: {e}", err=True)
            raise typer.Exit(2) from None
    typer.echo(f"seed: {file}: {report}")


@audit_app.command("verify")
def audit_verify(case: Annotated[str | None, typer.Option("--case", help="case id (UUID) or case number")] = None) -> None:
    """Recompute the hash chain of the audit log; exit 1 naming the first broken case and seq."""
    from sqlmodel import select

    from models.tables import Case
    from workflows.audit import verify

    with _session() as session:
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
        typer.echo(f"audit: BROKEN case {broken.case_no} ({broken.case_id}) seq {broken.seq}: {broken.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit: intact ({checked} events checked)")


@app.command()
def diagram() -> None:
    """Print the lifecycle as a Mermaid stateDiagram-v2."""
    from states.diagram import mermaid

    sys.stdout.write(mermaid())


@app.command()
def deadline(
    from_: Annotated[str, typer.Option("--from", help="the day the clock starts, YYYY-MM-DD (not counted)")],
    days: Annotated[int, typer.Option("--days", min=0, max=3650, help="length of the period")],
    working_days: Annotated[bool, typer.Option("--working-days", help="count working days (工作日)")] = False,
) -> None:
    """Print the last day and due_at of a period counted as in CONTRACT §4a."""
    from workflows.calendar import DEFAULT_CALENDAR

    try:
        start = date.fromisoformat(from_)
    except ValueError:
        typer.echo("deadline: --from must be a date YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None
    period = DEFAULT_CALENDAR.add(start, days, working_days=working_days)
    line = f"{period.last_day.isoformat()} {period.due_at(get_settings().tz).isoformat()}"
    if period.provisional:
        line += " provisional"
    typer.echo(line)


@app.command()
def doctor() -> None:
    """Check fonts, HarfBuzz subsetting, the database and Prefect; exit 1 naming what is missing."""
    import sqlalchemy as sa

    from documents.environment import Check, checks

    results = checks()
    settings = get_settings()
    try:
        from models.db import make_engine

        engine = make_engine(settings.database_url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        results.append(Check("database", True, settings.database_url.split("@")[-1]))
    except Exception as e:  # noqa: BLE001 - any failure to connect is the finding itself
        results.append(Check("database", False, f"{type(e).__name__}: {str(e).splitlines()[0][:200]}",
                             "check JIEFEN_DATABASE_URL"))
    try:
        import prefect

        results.append(Check("Prefect", True, prefect.__version__))
    except ImportError as e:
        results.append(Check("Prefect", False, str(e), "make setup"))
    for c in results:
        mark = "ok " if c.ok else "MISSING"
        typer.echo(f"[{mark}] {c.name}: {c.detail}" + (f"  -> {c.remedy}" if not c.ok and c.remedy else ""))
    if not all(c.ok for c in results):
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
