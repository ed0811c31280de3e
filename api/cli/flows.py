"""`jiefen deploy` and `jiefen worker`: the scheduled flows as Prefect deployments, and the workers that
run them (distributed mode; workflows/flows/distributed.py says how and why)."""

from pathlib import Path
from typing import Annotated, Any

import typer

FLOW_NAMES = "sweep_deadlines | handoffs_deliver | documents_render | audit_checkpoint | monthly_report"


def _register(spec: dict[str, Any]) -> Any:
    """Create or update the deployment of `spec` (idempotent: the server upserts by flow and name)."""
    from workflows.flows.definitions import to_deployment

    return to_deployment(spec).apply(work_pool_name=spec["work_pool"])


def _migrate() -> None:
    """The database's tables up to date before any flow runs on it (as `jiefen serve` does at start;
    migrations take an advisory lock, so workers and API processes may start together)."""
    import sqlalchemy as sa

    from models.migrate import upgrade
    from models.settings import get_settings

    url = get_settings().database_url
    try:
        upgrade(url)
    except sa.exc.OperationalError as e:
        raise _fail(f"worker: cannot reach the database {url.split('@')[-1]}: {type(e.orig).__name__}") from None


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


def deploy(
    flow: Annotated[str | None, typer.Option("--flow", help=f"{FLOW_NAMES} (default sweep_deadlines)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="register every flow (one deployment each)")] = False,
    name: Annotated[
        str | None, typer.Option(help="deployment name (default: the flow's, e.g. sweep-deadlines; not with --all)")
    ] = None,
    interval: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="seconds between runs (default JIEFEN_SWEEP_SECONDS; with --all the checkpoint keeps its own)",
        ),
    ] = None,
    limit: Annotated[
        int,
        typer.Option(min=0, max=16, help="runs of a deployment at once; extra runs wait (0: no limit, the default)"),
    ] = 0,
    work_pool: Annotated[str, typer.Option("--work-pool", help="the process work pool (made if missing)")] = "jiefen",
    source: Annotated[
        Path | None,
        typer.Option(help="the jiefen directory workers change into (default: this one; the same path on every host)"),
    ] = None,
    serve_: Annotated[bool, typer.Option("--serve", hidden=True)] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="print what would be registered; contact no server")
    ] = False,
) -> None:
    """Distributed mode: register the flows as Prefect deployments of a process work pool, each on an
    interval schedule and with its source, so a `jiefen worker` (or `prefect worker start --pool jiefen`)
    anywhere on the machine runs it. `--all` registers every flow; `--flow F` one."""
    import json

    import httpx

    from workflows.flows.definitions import FLOWS, deployment_spec
    from workflows.flows.distributed import DistributedError, ensure_pool, require_api_url

    if serve_:
        raise _fail(
            "deploy: --serve is gone: a served deployment is paused when its process stops, so a second one "
            "gives no failover. Run `jiefen worker` (two of them, on two hosts, for failover)."
        )
    if all_ and (flow or name):
        raise _fail("deploy: --all registers every flow under its own name; leave out --flow and --name")
    flows = list(FLOWS) if all_ else [flow or "sweep_deadlines"]
    for f in flows:
        if f not in FLOWS:
            raise _fail(f"deploy: --flow must be one of {', '.join(FLOWS)} (got {f!r})")
    specs = [
        deployment_spec(
            flow=f,
            name=name,
            # --all: the checkpoint and the monthly report keep their own intervals
            interval=None if all_ and f in ("audit_checkpoint", "monthly_report") else interval,
            limit=limit,
            work_pool=work_pool,
            source=source,
        )
        for f in flows
    ]
    if source is not None and not (Path(specs[0]["source"]) / specs[0]["entrypoint"].split(":")[0]).is_file():
        raise _fail(f"deploy: {source} holds no {specs[0]['entrypoint'].split(':')[0]}; --source is jiefen's directory")
    if dry_run:
        from workflows.flows.definitions import to_deployment

        for spec in specs:
            to_deployment(spec)  # builds it (entrypoint, source, schedule, limit) without a server
        typer.echo(json.dumps(specs if all_ else specs[0], ensure_ascii=False, indent=2))
        return
    try:
        require_api_url("deploy")
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            if ensure_pool(client, work_pool):
                typer.echo(f"deploy: created the process work pool {work_pool}")
        for spec in specs:
            deployment_id = _register(spec)
            limit_text = f"at most {limit} at once (others wait)" if limit else "no concurrency limit"
            typer.echo(
                f"deploy: registered {spec['flow']}/{spec['name']} ({deployment_id}) every {spec['interval_seconds']} s, "
                f"{limit_text}, work pool {work_pool}, source {spec['source']}"
            )
    except DistributedError as e:
        raise _fail(str(e)) from None
    except httpx.HTTPError as e:  # Prefect's client speaks httpx
        raise _fail(f"deploy: cannot reach the Prefect server: {type(e).__name__}: {e}") from None


def worker(
    pool: Annotated[str, typer.Option("--pool", help="the process work pool to take runs from")] = "jiefen",
    name: Annotated[
        str | None, typer.Option(help="this worker's name in Prefect (default jiefen-<host>-<pid>; unique per worker)")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, max=64, help="flow runs this worker runs at once (default: no limit)")
    ] = None,
    deploy_: Annotated[
        bool,
        typer.Option(
            "--deploy/--no-deploy",
            help="first register the deployments missing from the pool (or registered without a source)",
        ),
    ] = True,
) -> None:
    """Distributed mode: run every flow (deadline sweep, court webhook delivery, document render, audit
    checkpoint) scheduled on the Prefect server at PREFECT_API_URL, in flow-run processes started from this
    one, until stopped. Run two, on two hosts, for failover: either takes the runs when the other is gone."""
    import asyncio
    import contextlib

    import httpx

    from models.settings import get_settings
    from workflows.flows.definitions import FLOWS, deployment_spec
    from workflows.flows.distributed import (
        DistributedError,
        ensure_pool,
        registered_ok,
        require_api_url,
        run_worker,
        worker_name,
    )

    try:
        api_url = require_api_url("worker")
        if not get_settings().database_url.startswith("postgresql"):
            typer.echo(
                "worker: warning: JIEFEN_DATABASE_URL is not PostgreSQL; distributed mode needs one database "
                "every worker and API process reaches",
                err=True,
            )
        _migrate()
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            if ensure_pool(client, pool):
                typer.echo(f"worker: created the process work pool {pool}")
            if deploy_:
                for flow in FLOWS:
                    spec = deployment_spec(flow=flow, work_pool=pool)
                    if not registered_ok(client, spec):
                        _register(spec)
                        typer.echo(
                            f"worker: registered {flow}/{spec['name']} every {spec['interval_seconds']} s, "
                            f"source {spec['source']}"
                        )
    except DistributedError as e:
        raise _fail(str(e)) from None
    except httpx.HTTPError as e:  # Prefect's client speaks httpx
        raise _fail(f"worker: cannot reach the Prefect server at {api_url}: {type(e).__name__}: {e}") from None
    name = name or worker_name()
    typer.echo(f"worker: {name} taking runs of work pool {pool} from {api_url}", err=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stop taking runs; the other worker carries on
        asyncio.run(run_worker(pool, name, limit))
