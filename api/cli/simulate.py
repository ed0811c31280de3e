"""`jiefen simulate`: a year of synthetic cases for a region, written through the engine (workflows/simulate.py)."""

from datetime import UTC, date, datetime
from typing import Annotated

import typer

from api.cli.common import open_session


def _eta(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def simulate(
    cases: Annotated[int, typer.Option("--cases", min=1, help="how many cases to open over the year")],
    region: Annotated[str, typer.Option("--region", help="province, city or county code: 33, 3301, 330106")],
    year: Annotated[int | None, typer.Option("--year", help="the year simulated (default: last year)")] = None,
    seed: Annotated[int, typer.Option("--seed", help="the same seed gives the same history")] = 1,
    batch: Annotated[int, typer.Option("--batch", min=1, help="steps per transaction")] = 200,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="processes, each writing its own counties' cases")
    ] = 1,
) -> None:
    """Generate a year of realistic, synthetic cases (dispute mix, channels, outcomes, durations, working days
    and holidays) through intake, the engine and the deadline sweep, on a simulated clock: every audit chain
    verifies. Progress on stderr; the synthetic parties' names and numbers are never printed."""
    from workflows.simulate import Report, SimulateError, counties_in, simulate as run

    year = year or datetime.now(UTC).year - 1
    try:
        counties = counties_in(region)
    except SimulateError as e:
        typer.echo(f"simulate: {e}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"simulate: {cases} cases in {len(counties)} counties of {region}, {year}, seed {seed}", err=True)

    def progress(report: Report, day: date, elapsed: float) -> None:
        done = max((day - date(year, 1, 1)).days / (date(year + 1, 1, 1) - date(year, 1, 1)).days, 1e-6)
        typer.echo(
            f"simulate: {day} {report.cases}/{cases} cases, {report.events} events, "
            f"{report.cases / elapsed:.0f} cases/s, ETA {_eta(elapsed / done - elapsed)}",
            err=True,
        )

    from sqlalchemy.engine import Engine
    from sqlalchemy.exc import SQLAlchemyError

    from workflows.simulate import describe

    with open_session() as session:
        engine = session.get_bind()
    assert isinstance(engine, Engine)
    try:
        report = run(
            engine, cases=cases, region=region, year=year, seed=seed, batch=batch, workers=workers, progress=progress
        )
    except SimulateError as e:
        typer.echo(f"simulate: {e}", err=True)
        raise typer.Exit(2) from None
    except SQLAlchemyError as e:  # never the statement's parameters: they may be a party's
        typer.echo(f"simulate: database error: {describe(e)}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"simulate: {report.cases} cases, {report.events} events, {report.timers} timers fired by the sweep "
        f"in {report.seconds:.1f} s ({report.rate:.0f} cases/s)"
    )
    typer.echo("simulate: planned " + ", ".join(f"{k} {v}" for k, v in report.outcomes.most_common()))
    typer.echo("simulate: states " + ", ".join(f"{k} {v}" for k, v in report.states.most_common()))
    if report.refused:
        typer.echo("simulate: refused " + ", ".join(f"{k} {v}" for k, v in report.refused.most_common()))
