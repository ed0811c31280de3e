"""Loading a year's official holiday schedule, and counting the provisional deadlines again.

`jiefen calendar load FILE.yaml` stores the schedule in calendar_years, then every open deadline
still marked provisional is counted again on the new calendar, one case at a time through the
engine's locked write path (`record_clock_change`), each change recorded on its case as an audited
`calendar_recount` event. Loading the same file again changes nothing and records nothing.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlmodel import Session

from models.db import write_transaction
from models.tables import CalendarYear, Deadline
from states.enums import Role
from workflows.access import Actor
from workflows.clocks.calendar import (
    LegalCalendar,
    ScheduleError,
    YearSchedule,
    calendar_for,
    invalidate_calendar_cache,
    parse_schedule,
)
from workflows.clocks.deadlines import OPEN_STATUSES, Deadlines
from workflows.engine.transition import record_clock_change

CALENDAR_ACTOR = Actor("system:calendar", Role.SYSTEM)
YEARS = CalendarYear.__table__  # type: ignore[attr-defined]
DEADLINES = Deadline.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class LoadReport:
    year: int
    holidays: int
    workdays: int
    cases: int  # cases whose deadlines were counted again
    deadlines: int


class _TextDates(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay text, so a bad one is refused naming its field."""


_TextDates.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_schedule_file(path: Path) -> tuple[YearSchedule, str | None]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDates)  # noqa: S506 - a SafeLoader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ScheduleError(f"无法读取日历文件：{type(e).__name__}") from None
    return parse_schedule(data)


def load_schedule(
    session: Session, schedule: YearSchedule, *, source: str | None = None, now: datetime | None = None
) -> LoadReport:
    now = now or datetime.now(UTC)
    with write_transaction(session) as conn:
        old = calendar_for(conn, fresh=True)
        values = {
            "holidays": sorted(d.isoformat() for d in schedule.holidays),
            "workdays": sorted(d.isoformat() for d in schedule.workdays),
            "source": source,
            "loaded_at": now,
        }
        if conn.execute(sa.select(YEARS.c.year).where(YEARS.c.year == schedule.year)).first() is None:
            conn.execute(YEARS.insert().values(year=schedule.year, **values))
        else:
            conn.execute(YEARS.update().where(YEARS.c.year == schedule.year).values(**values))
    invalidate_calendar_cache()
    # Which calendar the provisional deadlines were counted on: the one before this load.
    cases, counted = recount_provisional(
        session,
        previous=_without(old, schedule.year),
        reason=f"载入 {schedule.year} 年法定节假日安排，重新计算期限",
        extra={"year": schedule.year, "source": source},
        now=now,
    )
    return LoadReport(schedule.year, len(schedule.holidays), len(schedule.workdays), cases, counted)


def recount_provisional(
    session: Session,
    *,
    previous: LegalCalendar | None = None,
    reason: str = "按现行日历重新计算暂定期限",
    extra: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Count every open provisional deadline again on the database's calendar, one case at a time
    through the engine's locked write path, each change a `calendar_recount` event on its case.
    `previous`: the calendar they were counted on (paused clocks keep what they had left, changed by
    the difference); by default the current one. Returns (cases changed, deadlines changed)."""
    now = now or datetime.now(UTC)
    if previous is None:
        previous = calendar_for(session.connection(), fresh=True)
    case_ids = [
        r[0]
        for r in session.connection().execute(
            sa.select(DEADLINES.c.case_id)
            .distinct()
            .where(DEADLINES.c.provisional.is_(True), DEADLINES.c.status.in_([str(s) for s in OPEN_STATUSES]))
        )
    ]
    session.rollback()
    counted = 0
    changed_cases = 0
    for cid in case_ids:
        result: dict[str, Any] = {}

        def change(
            deadlines: Deadlines, result: dict[str, Any] = result, old: LegalCalendar = previous
        ) -> dict[str, Any] | None:
            changes = deadlines.recount(old)
            if not changes:
                return None
            result["n"] = len(changes)
            return {**(extra or {}), "reason": reason, "changes": changes}

        if (
            record_clock_change(
                session, case_id=cid, actor=CALENDAR_ACTOR, event="calendar_recount", change=change, now=now
            )
            is not None
        ):
            changed_cases += 1
            counted += result["n"]
    return changed_cases, counted


def _without(calendar: LegalCalendar, year: int) -> LegalCalendar:
    """The calendar as it was before `year` was (re)loaded: a provisional deadline touching `year` was
    counted on the statutory days of that year."""
    schedules = {y: s for y, s in calendar._schedules.items() if y != year}  # noqa: SLF001
    return LegalCalendar(schedules)
