"""The clocks: `jiefen deadline` (count a period), `jiefen sweep` (fire what is due),
`jiefen calendar load` (an official holiday schedule), `jiefen calendar show` (the days a year is
counted on) and `jiefen calendar recount` (count the provisional deadlines again)."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from api.cli.common import open_session
from models.settings import get_settings

if TYPE_CHECKING:
    from workflows.clocks.calendar import LegalCalendar

calendar_app = typer.Typer(help="法定节假日安排", no_args_is_help=True)


def deadline(
    from_: Annotated[str, typer.Option("--from", help="the day the clock starts, YYYY-MM-DD (not counted)")],
    days: Annotated[int, typer.Option("--days", min=0, max=3650, help="length of the period")],
    working_days: Annotated[bool, typer.Option("--working-days", help="count working days (工作日)")] = False,
) -> None:
    """Print the last day and due_at of a period counted as in the contract (docs/contract.md §4a)."""
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


def _legal_calendar() -> "LegalCalendar":
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


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        typer.echo("sweep: --as-of must be an ISO-8601 date or time, e.g. 2026-12-03T00:00:00+08:00", err=True)
        raise typer.Exit(2) from None
    at = at if at.tzinfo else at.replace(tzinfo=get_settings().tz)
    if at > datetime.now(UTC):
        _refuse_future(at)
    return at


def _refuse_future(at: datetime) -> NoReturn:
    typer.echo(
        f"sweep: --as-of {at.isoformat()} 晚于当前时间：期限未届满前不能触发（会提前结束当事人的期限）。"
        "--as-of must not be later than now: a sweep fires only what is already due; "
        "omit --as-of to sweep as of now, or give a past time to fire only what was due by then",
        err=True,
    )
    raise typer.Exit(2)


def sweep(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="fire only what was due by this time (ISO-8601, not later than now; default now); "
            "events are still dated now and record as_of in their payload",
        ),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, max=10_000, help="deadlines per transaction")
    ] = None,
) -> None:
    """Run the deadline sweep flow once; print how many timers fired."""
    from workflows.errors import PayloadInvalid

    at = _as_of(as_of)
    with open_session() as session:
        engine = session.get_bind()
    from workflows.flows import run_sweep

    try:
        report = run_sweep(engine, as_of=at, batch_size=batch_size)  # type: ignore[arg-type]
    except PayloadInvalid as e:  # the library's own check (check_as_of), should the clock have moved back
        if at is None or e.loc != ["as_of"]:
            raise
        _refuse_future(at)
    written = "" if report["now"] == report["as_of"] else f" (events written at {report['now']})"
    typer.echo(
        f"sweep: {report['timers']} timers fired ({report['fired']} transitions, {report['expired']} expired "
        f"without one), {report['reminded']} reminders, as of {report['as_of']}{written}"
    )


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
    with open_session() as session:
        report = load_schedule(session, schedule, source=source)
    typer.echo(
        f"calendar: {report.year} loaded ({report.holidays} days off, {report.workdays} make-up working days); "
        f"{report.deadlines} provisional deadlines counted again on {report.cases} cases"
    )


_WEEKDAYS = "一二三四五六日"
_ORIGINS = {
    "official": "official package",
    "loaded": "loaded schedule",
    "statutory": "statutory 第2条",
    "make_up": "make-up 第6条",
}


@calendar_app.command("show")
def calendar_show(year: Annotated[int, typer.Argument(min=2000, max=2100, help="the year, e.g. 2027")]) -> None:
    """Print every day of YEAR the deadlines are counted on otherwise than its weekday says (days off,
    调休 working days), where each comes from, and whether the year is provisional."""
    calendar = _legal_calendar()
    days = calendar.special_days(year)
    if calendar.covers(year):
        typer.echo(f"{year}: published, final")
    else:
        typer.echo(
            f"{year}: provisional — no official schedule yet (load it with `jiefen calendar load`); counted on "
            "the statutory days of 全国年节及纪念日放假办法（2024年修订）第2条 and their make-up days (第6条)"
        )
    for d in days:
        where = _ORIGINS[d.origin]
        if d.origin in ("official", "loaded"):
            where += f" ({d.source})"
        kind = "workday" if d.working else "day off"
        typer.echo(
            f"{d.day.isoformat()} 周{_WEEKDAYS[d.day.weekday()]} {kind} {d.label} — {where}"
            f"{' — provisional' if d.provisional else ''}"
        )


@calendar_app.command("recount")
def calendar_recount() -> None:
    """Count every open provisional deadline again on the current calendar (e.g. after an upgrade that
    changed how unpublished years are counted), recording the change on each case."""
    from workflows.clocks.recount import recount_provisional

    with open_session() as session:
        cases, counted = recount_provisional(session)
    typer.echo(f"calendar: {counted} provisional deadlines counted again on {cases} cases")
