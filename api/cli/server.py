"""`jiefen serve` (the API and the web UI) and `jiefen doctor` (what serving needs)."""

from typing import Annotated

import typer

from models.settings import get_settings


def serve(
    host: Annotated[str, typer.Option(help="listen address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="listen port")] = 8000,
    no_scheduler: Annotated[
        bool, typer.Option("--no-scheduler", help="run without the embedded deadline scheduler")
    ] = False,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="the reverse proxies whose X-Forwarded-Proto/-For are believed (comma-separated addresses or "
            "networks; default JIEFEN_FORWARDED_ALLOW_IPS, else 127.0.0.1)"
        ),
    ] = None,
) -> None:
    """Serve the API and the web UI."""
    import uvicorn

    from api.app import create_app
    from documents.environment import rendering_missing
    from models.migrate import upgrade

    missing = rendering_missing()  # the legal documents could not be produced: refuse to start
    if missing:
        for c in missing:
            typer.echo(
                f"jiefen serve: missing {c.name}: {c.detail}" + (f"  -> {c.remedy}" if c.remedy else ""), err=True
            )
        raise typer.Exit(3)
    settings = get_settings()
    from workflows.audit import AuditKeyError, load_keys

    try:
        load_keys(settings)  # every event is keyed with it; production never makes one up (docs/audit.md)
    except AuditKeyError as e:
        typer.echo(f"jiefen serve: {e}", err=True)
        raise typer.Exit(3) from None
    upgrade(settings.database_url)
    application = create_app(settings)
    application.state.scheduler_enabled = not no_scheduler
    typer.echo(f"jiefen serving on http://{host}:{port}  (database: {settings.database_url.split('@')[-1]})")
    from api.logs import log_config

    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=log_config(settings.log_level),
        # Whether a request came over TLS (HSTS, Secure cookies) and from which address is read from the
        # X-Forwarded-* headers only when the proxy that sent them is one of these.
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips or settings.forwarded_allow_ips,
    )


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
        results.append(
            Check("database", False, f"{type(e).__name__}: {str(e).splitlines()[0][:200]}", "check JIEFEN_DATABASE_URL")
        )
    from workflows.audit import AuditKeyError, load_keys

    try:
        results.append(Check("audit key", True, f"{settings.audit_key_path} (id {load_keys(settings).current.kid})"))
    except AuditKeyError as e:
        results.append(Check("audit key", False, str(e), "jiefen keys init (docs/audit.md)"))
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
