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
    from documents.environment import rendering_missing
    from models.migrate import upgrade

    missing = rendering_missing()  # legal documents cannot be produced: refuse to start (issue 5)
    if missing:
        for c in missing:
            typer.echo(f"jiefen serve: missing {c.name}: {c.detail}" + (f"  -> {c.remedy}" if c.remedy else ""),
                       err=True)
        raise typer.Exit(3)
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
    try:
        start = date.fromisoformat(from_)
    except ValueError:
        typer.echo("deadline: --from must be a date YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None
    period = _legal_calendar().add(start, days, working_days=working_days)
    line = f"{period.last_day.isoformat()} {period.due_at(get_settings().tz).isoformat()}"
    if period.provisional:
        line += " provisional"
    typer.echo(line)


def _legal_calendar():  # type: ignore[no-untyped-def]
    """The database's legal calendar (loaded schedules included); the published one without a database."""
    import sqlalchemy as sa

    from models.db import make_engine
    from workflows.clocks.calendar import DEFAULT_CALENDAR, calendar_for

    url = sa.engine.make_url(get_settings().database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return DEFAULT_CALENDAR  # never create a database file just to count days
    engine = make_engine(get_settings().database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return calendar_for(conn)
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):  # no database yet, or not migrated
        return DEFAULT_CALENDAR
    finally:
        engine.dispose()


def _as_of(value: str | None):  # type: ignore[no-untyped-def]
    from datetime import datetime

    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        typer.echo("sweep: --as-of must be an ISO-8601 date or time, e.g. 2026-12-03T00:00:00+08:00", err=True)
        raise typer.Exit(2) from None
    return at if at.tzinfo else at.replace(tzinfo=get_settings().tz)


@app.command()
def sweep(
    as_of: Annotated[str | None, typer.Option("--as-of", help="sweep as if the time were this (ISO-8601; default now)")] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", min=1, max=10_000, help="deadlines per transaction")] = None,
) -> None:
    """Run the deadline sweep flow once; print how many timers fired."""
    at = _as_of(as_of)
    with _session() as session:
        engine = session.get_bind()
    from workflows.flows import run_sweep

    report = run_sweep(engine, as_of=at, batch_size=batch_size)  # type: ignore[arg-type]
    typer.echo(f"sweep: {report['timers']} timers fired ({report['fired']} transitions, {report['expired']} expired "
               f"without one), {report['reminded']} reminders, as of {report['as_of']}")


calendar_app = typer.Typer(help="法定节假日安排", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")


@calendar_app.command("load")
def calendar_load(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Load a year's official holiday schedule (YAML: year, holidays, workdays, source) and count the
    provisional deadlines touching it again, recording the change on each case."""
    from workflows.clocks.calendar import ScheduleError
    from workflows.clocks.recount import load_schedule, read_schedule_file

    try:
        schedule, source = read_schedule_file(file)
    except ScheduleError as e:
        typer.echo(f"calendar: {file}: {e}", err=True)
        raise typer.Exit(2) from None
    with _session() as session:
        report = load_schedule(session, schedule, source=source)
    typer.echo(f"calendar: {report.year} loaded ({report.holidays} days off, {report.workdays} make-up working days); "
               f"{report.deadlines} provisional deadlines counted again on {report.cases} cases")


@app.command()
def deploy(
    flow: Annotated[str, typer.Option("--flow", help="sweep_deadlines | handoffs_deliver | documents_render")] = "sweep_deadlines",
    name: Annotated[str | None, typer.Option(help="deployment name (default: the flow's, e.g. sweep-deadlines)")] = None,
    interval: Annotated[int | None, typer.Option(min=1, help="seconds between runs (default JIEFEN_SWEEP_SECONDS)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=16, help="concurrent runs allowed (extra runs are cancelled)")] = 1,
    work_pool: Annotated[str | None, typer.Option("--work-pool", help="register for this work pool's workers")] = None,
    serve_: Annotated[bool, typer.Option("--serve", help="register and serve it from this process (no work pool)")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print what would be registered; contact no server")] = False,
) -> None:
    """Distributed mode: register a flow (the deadline sweep by default) as a Prefect deployment on an
    interval schedule. Run it once per flow: sweep_deadlines, handoffs_deliver, documents_render."""
    import json
    import os

    from workflows.flows.definitions import FLOWS, deployment_spec, to_deployment

    if flow not in FLOWS:
        typer.echo(f"deploy: --flow must be one of {', '.join(FLOWS)} (got {flow!r})", err=True)
        raise typer.Exit(2)

    if not dry_run and not os.environ.get("PREFECT_API_URL"):
        typer.echo("deploy: PREFECT_API_URL is not set; point it at your Prefect server "
                   "(e.g. http://prefect.internal:4200/api)", err=True)
        raise typer.Exit(2)
    spec = deployment_spec(flow=flow, name=name, interval=interval, limit=limit, work_pool=work_pool)
    if dry_run:
        to_deployment(spec)  # builds it (entrypoint, schedule, limit) without a server
        typer.echo(json.dumps(spec, ensure_ascii=False, indent=2))
        return
    if serve_:
        from prefect import serve as prefect_serve

        prefect_serve(to_deployment({**spec, "work_pool": None}))
        return
    if not work_pool:
        typer.echo("deploy: --work-pool is required (or --serve to run it from this process)", err=True)
        raise typer.Exit(2)
    deployment_id = to_deployment(spec).apply(work_pool_name=work_pool)
    typer.echo(f"deploy: registered {spec['flow']}/{spec['name']} ({deployment_id}) every {spec['interval_seconds']} s, "
               f"concurrency limit {limit}, work pool {work_pool}")


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


documents_app = typer.Typer(help="文书（调解协议书、司法确认申请书等）", no_args_is_help=True)
app.add_typer(documents_app, name="documents")
keys_app = typer.Typer(help="文书签名密钥", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@documents_app.command("render")
def documents_render(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="at most this many documents")] = 200,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="queue failed documents again first")] = False,
) -> None:
    """Render the pending documents (the outbox); safe to run at any time, and again."""
    from workflows.outbox.documents import render_pending, retry_failed as requeue

    with _session() as session:
        if retry_failed:
            typer.echo(f"documents: {requeue(session)} failed document(s) queued again")
        report = render_pending(session, limit=limit)
    for doc_id, error in report.failed:
        typer.echo(f"documents: FAILED {doc_id}: {error}", err=True)
    typer.echo(f"documents: {len(report.rendered)} rendered, {len(report.failed)} failed, {len(report.skipped)} skipped")
    if report.failed:
        raise typer.Exit(1)


@documents_app.command("reissue")
def documents_reissue(doc_id: Annotated[str, typer.Argument(help="the rendered document to correct")]) -> None:
    """Queue a corrected version of a document (a new version naming the one it replaces)."""
    from workflows.outbox.documents import reissue

    with _session() as session:
        try:
            new_id = reissue(session, uuid.UUID(doc_id))
        except (ValueError, LookupError) as e:
            typer.echo(f"documents: {e}", err=True)
            raise typer.Exit(2) from None
    typer.echo(f"documents: {new_id} queued (replaces {doc_id}); run `jiefen documents render`")


@documents_app.command("verify")
def documents_verify(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Validate a document PDF's signature (pyHanko) against the CA in the keys directory."""
    from documents.signing import CA_CERT, validate

    result = validate(file.read_bytes(), Path(get_settings().keys_dir) / CA_CERT)
    typer.echo(f"documents: signer {result.signer}: intact={result.intact} valid={result.valid} "
               f"trusted={result.trusted} ({result.summary})")
    if not result.bottom_line:
        raise typer.Exit(1)


@keys_app.command("init")
def keys_init(
    directory: Annotated[Path | None, typer.Option("--dir", help="keys directory (default JIEFEN_KEYS_DIR, ./.jiefen/keys)")] = None,
    org: Annotated[list[str] | None, typer.Option("--org", help="organization code (repeatable; default: every organization)")] = None,
) -> None:
    """Make a development key pair: a self-signed CA and a signing certificate per organization."""
    from sqlmodel import select

    from documents.signing import init_ca, issue_signer
    from models.tables import Organization

    keys = directory or Path(get_settings().keys_dir)
    created = init_ca(keys)
    typer.echo(f"keys: CA {'created' if created else 'exists'} in {keys}")
    with _session() as session:
        orgs = {o.code: o.name for o in session.exec(select(Organization))}
    codes = org or sorted(orgs)
    for code in codes:
        files = issue_signer(keys, code, orgs.get(code, code))
        typer.echo(f"keys: {code}: {files.cert}")
    if not codes:
        files = issue_signer(keys, "default", "一站式矛盾纠纷调解中心")
        typer.echo(f"keys: default: {files.cert}")


routing_app = typer.Typer(help="分流规则", no_args_is_help=True)
app.add_typer(routing_app, name="routing")


def _rules_or_exit(file: Path):  # type: ignore[no-untyped-def]
    from workflows.routing.rules import RulesError, load_rules_file

    try:
        return load_rules_file(file)
    except RulesError as e:
        typer.echo(f"routing: {e}", err=True)
        raise typer.Exit(2) from None


@routing_app.command("check")
def routing_check(file: Annotated[Path, typer.Argument(dir_okay=False)]) -> None:
    """Check a routing rules file; exit 2 naming the line and the reason when it is bad."""
    rules = _rules_or_exit(file)
    typer.echo(f"routing: {file}: {rules.label}, {len(rules.rules)} rules, ok")


@routing_app.command("replay")
def routing_replay(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="the rules file to try")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per case")] = False,
    only_changes: Annotated[bool, typer.Option("--changes", help="list only the cases sent elsewhere")] = False,
) -> None:
    """Show where RULES.yaml would send each existing case and how that differs. Changes nothing."""
    import json

    from workflows.routing.replay import replay

    rules = _rules_or_exit(file)
    counts = {"same": 0, "differs": 0, "not_diverted": 0}
    with _session() as session:
        if not as_json:
            typer.echo(f"replay {rules.label} ({file}); capacity judged on today's open cases")
            typer.echo(f"{'case_no':<24} {'type':<13} {'state':<22} {'old_rule → old_org':<48} new_rule → new_org")
        for row in replay(session, rules):
            counts[row.outcome] += 1
            if only_changes and row.outcome != "differs":
                continue
            if as_json:
                typer.echo(json.dumps(row.as_dict(), ensure_ascii=False))
                continue
            mark = {"same": " ", "differs": "*", "not_diverted": "+"}[row.outcome]
            old = f"{row.old_rule} → {row.old_org}" if row.old_rule else "（未分流）"
            typer.echo(f"{mark}{row.case_no:<23} {row.dispute_type:<13} {row.state:<22} {old:<48} "
                       f"{row.new_rule} → {row.new_org or '（无可接收组织）'}")
    summary = (f"replay: {sum(counts.values())} cases: {counts['same']} same, {counts['differs']} would go elsewhere, "
               f"{counts['not_diverted']} not diverted yet; nothing was changed")
    typer.echo(summary, err=as_json)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
