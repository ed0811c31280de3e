"""`jiefen serve` (the API and the web UI) and `jiefen doctor` (what serving needs)."""

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from models.settings import Settings, get_settings

if TYPE_CHECKING:
    from documents.environment import Check


def serve(
    host: Annotated[str, typer.Option(help="listen address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="listen port")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="API processes (one deadline scheduler and one render worker whatever N)")
    ] = 1,
    no_scheduler: Annotated[
        bool, typer.Option("--no-scheduler", help="run without the embedded deadline scheduler")
    ] = False,
    no_render_worker: Annotated[
        bool,
        typer.Option(
            "--no-render-worker",
            help="start no render worker (documents rendered elsewhere: `jiefen documents work`, Prefect)",
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="the reverse proxies whose X-Forwarded-Proto/-For are believed (comma-separated addresses or "
            "networks; default JIEFEN_FORWARDED_ALLOW_IPS, else 127.0.0.1)"
        ),
    ] = None,
) -> None:
    """Serve the API and the web UI, with a render worker process beside it."""
    import os

    import uvicorn

    _metrics_directory()  # first: before anything imports prometheus_client (api.app does)
    from api.app import SERVE_SCHEDULER_ENV
    from api.cli.processes import RenderProcess
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
    _warn_connections(settings, workers)
    # Read by api.app:served in each API process (uvicorn starts them afresh when workers > 1); of those,
    # the one that takes the database's sweep lock runs the scheduler (workflows/scheduler.py).
    os.environ[SERVE_SCHEDULER_ENV] = "0" if no_scheduler else "1"
    render = None if no_render_worker else RenderProcess().start()
    if render is not None:
        _LAST_WORDS.append(render.stop)
    typer.echo(
        f"jiefen serving on http://{host}:{port}  (database: {settings.database_url.split('@')[-1]}; "
        f"{workers} API process(es); render worker: {f'pid {render.pid}' if render else 'none'})"
    )
    from api.logs import log_config

    try:
        uvicorn.run(
            "api.app:served",
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=settings.worker_healthcheck_seconds,
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            log_config=log_config(settings.log_level, settings.log_format),
            # Whether a request came over TLS (HSTS, Secure cookies) and from which address is read from the
            # X-Forwarded-* headers only when the proxy that sent them is one of these.
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips or settings.forwarded_allow_ips,
        )
    finally:
        if render is not None:
            render.stop()


METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
_METRIC_FILES = ("counter", "gauge", "histogram", "summary")


_LAST_WORDS: list[Callable[[], None]] = []
"""What `jiefen serve` does when SIGTERM stops it, before it removes its metrics directory and dies of the
signal (uvicorn re-raises it, and neither `finally` nor atexit runs then): stop the render worker."""


def _metrics_directory() -> str:
    """prometheus_client's multiprocess mode for everything `jiefen serve` starts: the API workers and the
    render worker write their request and render figures to one directory, which GET /metrics reads whole
    (api/metrics.py). It must be set before prometheus_client is first imported in this process (with one
    worker, uvicorn serves from this process). The operator's PROMETHEUS_MULTIPROC_DIR if set (emptied of
    a previous run's files, kept afterwards); else a fresh directory, removed when the server stops."""
    import atexit
    import os
    import shutil
    import signal
    import tempfile
    import threading
    from pathlib import Path

    directory = os.environ.get(METRICS_DIR_ENV)
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for old in path.glob("*.db"):  # counter_<pid>.db, histogram_<pid>.db, …: figures of processes gone
            if old.stem.split("_", 1)[0] in _METRIC_FILES:
                old.unlink(missing_ok=True)
    else:
        directory = tempfile.mkdtemp(prefix="jiefen-metrics-")
        atexit.register(shutil.rmtree, directory, True)

        # uvicorn stops on SIGTERM, then raises it again with the handler it found, so that the process ends
        # "killed by SIGTERM" as expected, without running atexit: that handler, ours, removes the directory
        # first and then dies of the signal all the same.
        def _remove_then_die(signum: int, _frame: object) -> None:
            for last_word in _LAST_WORDS:  # the render worker first: it may still be writing its figures here
                with contextlib.suppress(Exception):  # dying anyway; the directory goes regardless
                    last_word()
            shutil.rmtree(directory, ignore_errors=True)
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _remove_then_die)
    os.environ[METRICS_DIR_ENV] = directory
    return directory


def _warn_connections(settings: Settings, workers: int) -> None:
    """On PostgreSQL, say so when the API processes' pools could take more connections than the server has."""
    if not settings.database_url.startswith("postgresql"):
        return
    import sqlalchemy as sa

    from models.db import make_engine

    wanted = workers * (settings.max_in_flight + 4) + 4
    engine = make_engine(settings.database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            limit = int(conn.exec_driver_sql("SHOW max_connections").scalar() or 0)
    except Exception:  # noqa: BLE001 - a warning only; the server start itself reports a dead database
        return
    finally:
        engine.dispose()
    if wanted > limit:
        typer.echo(
            f"jiefen serve: warning: {workers} process(es) × (JIEFEN_MAX_IN_FLIGHT {settings.max_in_flight} + 4) "
            f"connections may exceed PostgreSQL max_connections {limit}: lower one or raise the other",
            err=True,
        )


def _signing_keys(settings: Settings) -> list["Check"]:
    """Which organizations lack a document signing key: missing in production (their documents cannot be
    issued); elsewhere a note (development keys are made on first use). Nothing when the database has no
    organizations table yet (the database check says why)."""
    import sqlalchemy as sa
    from sqlmodel import Session

    from documents.environment import Check
    from models.db import make_engine
    from workflows.read.administration import signing_keys

    try:
        engine = make_engine(settings.database_url)
        try:
            with Session(engine) as session:
                keys = signing_keys(session, settings=settings)
        finally:
            engine.dispose()
    except sa.exc.SQLAlchemyError:
        return []
    missing = [k.code for k in keys if not k.present]
    detail = f"{len(keys) - len(missing)} of {len(keys)} organizations have one"
    if missing:
        detail += f"; none for {', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}"
        if settings.env != "production":
            detail += " (made on first use outside production)"
    ok = not missing or settings.env != "production"
    return [Check("signing keys", ok, detail, "jiefen keys init --org CODE, or put them in JIEFEN_KEYS_DIR")]


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
    results.extend(_signing_keys(settings))
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
