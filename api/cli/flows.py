"""`jiefen deploy`: the scheduled flows as Prefect deployments (distributed mode)."""

from typing import Annotated

import typer


def deploy(
    flow: Annotated[
        str, typer.Option("--flow", help="sweep_deadlines | handoffs_deliver | documents_render | audit_checkpoint")
    ] = "sweep_deadlines",
    name: Annotated[
        str | None, typer.Option(help="deployment name (default: the flow's, e.g. sweep-deadlines)")
    ] = None,
    interval: Annotated[
        int | None, typer.Option(min=1, help="seconds between runs (default JIEFEN_SWEEP_SECONDS)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=16, help="concurrent runs allowed (extra runs are cancelled)")] = 1,
    work_pool: Annotated[str | None, typer.Option("--work-pool", help="register for this work pool's workers")] = None,
    serve_: Annotated[
        bool, typer.Option("--serve", help="register and serve it from this process (no work pool)")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="print what would be registered; contact no server")
    ] = False,
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
        typer.echo(
            "deploy: PREFECT_API_URL is not set; point it at your Prefect server "
            "(e.g. http://prefect.internal:4200/api)",
            err=True,
        )
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
    typer.echo(
        f"deploy: registered {spec['flow']}/{spec['name']} ({deployment_id}) every {spec['interval_seconds']} s, "
        f"concurrency limit {limit}, work pool {work_pool}"
    )
