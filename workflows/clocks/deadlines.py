"""The deadline rows the engine opens, settles, pauses, resumes and extends, counted in each clock's
own unit (docs/contract.md §4a). The profiles — lengths, units, expiry triggers, legal basis — are
data in `workflows/clocks/profiles.py`.

A row's last day is `counted_days` days of its unit after `counted_from` (the start day, or the day
the clock was last resumed), counted like any period (民法典 第200–203条): that day not counted, a
last day off moved to the next working day, `due_at` the end of the last day. A pause on local day P
keeps the days left after P up to and including the last day; a resume on day R counts them again
from R, so `due_at` is again the end of a day and a working-day clock never ends on a day off.
"""

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.prepared import Prepared, insert_rows
from models.rows import DeadlineRow
from models.settings import Settings, get_settings
from models.tables import Deadline
from workflows.clocks.calendar import DEFAULT_CALENDAR, LegalCalendar, Period, end_of_day, plus_months
from workflows.clocks.profiles import (
    OPEN_STATUSES as OPEN_STATUSES,
    DeadlineKind as DeadlineKind,
    DeadlineProfile as DeadlineProfile,
    DeadlineStatus as DeadlineStatus,
    find_profile as find_profile,
    profile_for as profile_for,
    profile_named as profile_named,
    profiles as profiles,
)
from workflows.errors import ClockOutOfRange

DEADLINES = Deadline.__table__  # type: ignore[attr-defined]


IS_OPEN = DEADLINES.c.status.in_([sa.literal(str(x)) for x in OPEN_STATUSES])
"""A deadline still counting or paused (the statuses written into the statement)."""

_NAMES = tuple(c.name for c in DEADLINES.c)
_SELECT_OPEN = Prepared(sa.select(DEADLINES).where(DEADLINES.c.case_id == sa.bindparam("b_case_id"), IS_OPEN))
_UPDATE_ONE = Prepared(DEADLINES.update().where(DEADLINES.c.id == sa.bindparam("b_id")))


def _arm(row: DeadlineRow) -> None:
    """Set when to remind of a pending deadline: its lead time before due_at; not again when the
    reminder already sent lies inside that lead window."""
    lead = row.reminder_lead_seconds
    if lead is None or row.status != DeadlineStatus.PENDING:
        row.remind_at = None
        return
    at = row.due_at - timedelta(seconds=lead)
    if row.reminded_at is not None and at <= row.reminded_at:
        row.remind_at = None
    else:
        row.remind_at = at


def counting_base(row: Any) -> tuple[date, int]:
    """What a row's last day is counted from, and how many days of its unit."""
    start = row.counted_from if row.counted_from is not None else row.start_date
    days = row.counted_days if row.counted_days is not None else row.days
    return start, days


def load_open(conn: Connection, case_id: uuid.UUID) -> list[DeadlineRow]:
    """The case's open (pending or paused) deadlines, as working copies."""
    rows, converters = _SELECT_OPEN.fetch(conn, {"b_case_id": case_id})
    return [DeadlineRow.read(_NAMES, r, converters) for r in rows]


class Deadlines:
    """Deadline operations for one case inside the engine's transaction, on working copies."""

    def __init__(
        self,
        case: Any,
        open_rows: list[DeadlineRow],
        *,
        now: datetime,
        calendar: LegalCalendar | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.case = case
        self.rows = list(open_rows)
        self.now = now
        self.calendar = calendar or DEFAULT_CALENDAR
        self.settings = settings or get_settings()

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.settings.tz).date()

    def open(
        self, kind: DeadlineKind, *, start: date | None = None, profile: str | None = None, ref: str | None = None
    ) -> DeadlineRow:
        """Open a clock of `kind` from `start` (default today); `ref` names what it belongs to when a case
        has several of a kind (an obligation's enforcement: "obligations[0]")."""
        chosen = profile_named(profile, self.settings) if profile else profile_for(kind, self.case, self.settings)
        return self._open(chosen, start, ref)

    def open_if_profiled(self, kind: DeadlineKind, *, start: date | None = None) -> DeadlineRow | None:
        """Open the clock of `kind` when a profile applies (a configurable clock may be switched off)."""
        chosen = find_profile(kind, self.case, self.settings)
        return None if chosen is None else self._open(chosen, start)

    def _open(self, profile: DeadlineProfile, start: date | None, ref: str | None = None) -> DeadlineRow:
        start = start or self.local_date(self.now)
        try:  # a start near the end of the calendar (a due date in 9998) is refused, never a 500
            days = profile.days if profile.months is None else (plus_months(start, profile.months) - start).days
            period = self.calendar.add(start, days, working_days=profile.working_days)
            due_at = period.due_at(self.settings.tz)
        except (OverflowError, ValueError):
            raise ClockOutOfRange(
                f"{profile.label or profile.kind}：自 {start.isoformat()} 起算的期限超出可计算的日期范围"
            ) from None
        lead = int(profile.reminder_lead.total_seconds()) if profile.reminder_lead else None
        row = DeadlineRow(
            {
                "id": uuid.uuid4(),
                "case_id": self.case.id,
                "kind": str(profile.kind),
                "profile": profile.name,
                "start_date": start,
                "days": days,
                "working_days": profile.working_days,
                "last_day": period.last_day,
                "due_at": due_at,
                "status": str(DeadlineStatus.PENDING),
                "basis": profile.basis,
                "provisional": period.provisional,
                "on_expiry": str(profile.on_expiry) if profile.on_expiry else None,
                "remaining_seconds": None,
                "created_at": self.now,
                "updated_at": self.now,
                "reminder_lead_seconds": lead,
                "remind_at": None,
                "reminded_at": None,
                "counted_from": start,
                "counted_days": days,
                "paused_on": None,
                "remaining_days": None,
                "ref": ref,
                "interrupted_on": None,
                "extended_days": 0,
            },
            new=True,
        )
        _arm(row)
        self.rows.append(row)
        return row

    def current(self, kinds: Iterable[DeadlineKind]) -> list[DeadlineRow]:
        wanted = {str(k) for k in kinds}
        return [r for r in self.rows if r.kind in wanted and r.status in OPEN_STATUSES]

    def clock(self, kind: DeadlineKind) -> str | None:
        """ "running", "paused" or None for the open deadline of `kind`."""
        for r in self.current([kind]):
            return "paused" if r.status == DeadlineStatus.PAUSED else "running"
        return None

    def due_at(self, kind: DeadlineKind) -> datetime | None:
        for r in self.current([kind]):
            return r.due_at
        return None

    def settle(self, kinds: Iterable[DeadlineKind], status: DeadlineStatus) -> list[DeadlineRow]:
        rows = self.current(kinds)
        for row in rows:
            row.status = str(status)
            row.updated_at = self.now
        return rows

    def _count(self, row: DeadlineRow, calendar: LegalCalendar | None = None) -> Period:
        """The row's period as counted now: `counted_days` of its unit after `counted_from`."""
        start, days = counting_base(row)
        return (calendar or self.calendar).add(start, days, working_days=row.working_days)

    def _place(self, row: DeadlineRow, period: Period, *, provisional: bool = False) -> None:
        """Make a running row end where `period` ends: at the end of its last day."""
        row.last_day = period.last_day
        row.due_at = period.due_at(self.settings.tz)
        row.provisional = period.provisional or provisional
        _arm(row)

    def pause(self, kind: DeadlineKind) -> list[DeadlineRow]:
        """Stop the clock on today's local day P: keep the days of its unit left after P up to and
        including its last day. No reminder goes out while paused."""
        rows = [r for r in self.current([kind]) if r.status == DeadlineStatus.PENDING]
        today = self.local_date(self.now)
        for row in rows:
            left, provisional = self.calendar.count(today, row.last_day, working_days=row.working_days)
            row.paused_on = today
            row.remaining_days = left
            row.remaining_seconds = None
            row.provisional = row.provisional or provisional
            row.status = str(DeadlineStatus.PAUSED)
            row.remind_at = None
            row.updated_at = self.now
        return rows

    def resume(self, kind: DeadlineKind) -> list[DeadlineRow]:
        """Start the clock again on today's local day R: its days left counted from R as a period is
        counted (R not counted, working days as working days, a last day off moved on)."""
        rows = [r for r in self.current([kind]) if r.status == DeadlineStatus.PAUSED]
        today = self.local_date(self.now)
        for row in rows:
            left = row.remaining_days if row.remaining_days is not None else self._from_seconds(row, today)
            period = self.calendar.add(today, left, working_days=row.working_days)
            row.counted_from = today
            row.counted_days = left
            row.paused_on = None
            row.remaining_days = None
            row.remaining_seconds = None
            row.status = str(DeadlineStatus.PENDING)
            row.updated_at = self.now
            self._place(row, period, provisional=row.provisional)
        return rows

    def _from_seconds(self, row: DeadlineRow, today: date) -> int:
        """A clock paused before counting in days (it kept `remaining_seconds`): the fewest days of its
        unit from today whose end is no earlier than the seconds would have run from now."""
        seconds = row.remaining_seconds or 0
        until = self.local_date(self.now + timedelta(seconds=seconds) - timedelta(microseconds=1))
        left, _ = self.calendar.count(today, until, working_days=row.working_days)
        while self.calendar.add(today, left, working_days=row.working_days).last_day < until:
            left += 1
        return left

    def extend(self, kind: DeadlineKind, days: int) -> list[DeadlineRow]:
        """Lengthen the period by `days` of its own unit: a running clock counts them on from where
        it counts from (so a clock never paused ends as if it had been that long from its start); a
        paused one adds them to the days it has left."""
        rows = self.current([kind])
        for row in rows:
            start, counted = counting_base(row)
            row.counted_from = start
            row.counted_days = counted + days
            if row.status == DeadlineStatus.PAUSED:
                if row.remaining_days is not None:
                    row.remaining_days = row.remaining_days + days
                else:  # paused before counting in days: the old rule, in seconds
                    before = self.calendar.add(start, counted, working_days=row.working_days)
                    after = self.calendar.add(start, counted + days, working_days=row.working_days)
                    row.remaining_seconds = (row.remaining_seconds or 0) + self._seconds(before, after)
                    row.provisional = row.provisional or after.provisional
            else:
                self._place(row, self._count(row), provisional=row.provisional)
            row.days = row.days + days
            row.extended_days = (row.extended_days or 0) + days
            row.updated_at = self.now
        return rows

    def _seconds(self, before: Period, after: Period) -> int:
        tz = self.settings.tz
        return int((end_of_day(after.last_day, tz) - end_of_day(before.last_day, tz)).total_seconds())

    def recount(self, old: LegalCalendar) -> list[dict[str, Any]]:
        """Count every open provisional deadline again on this calendar (a year's schedule was
        loaded): a running clock from what it counts from; a paused one keeps the days it had left,
        changed by as many as the new calendar adds or takes away after its pause day. Returns what
        changed, for the audit event."""
        changes: list[dict[str, Any]] = []
        for row in self.rows:
            if row.is_new or row.status not in OPEN_STATUSES or not row.provisional:
                continue
            after = self._count(row)
            change: dict[str, Any] = {"deadline_id": str(row.id), "kind": row.kind}
            if row.status == DeadlineStatus.PAUSED:
                before = self._count(row, old)
                if row.remaining_days is not None and row.paused_on is not None:
                    was, _ = old.count(row.paused_on, before.last_day, working_days=row.working_days)
                    now, prov = self.calendar.count(row.paused_on, after.last_day, working_days=row.working_days)
                    provisional = after.provisional or prov
                    if now == was and provisional == row.provisional:
                        continue
                    row.remaining_days = max(0, row.remaining_days + now - was)
                    change["remaining_days"] = row.remaining_days
                else:  # paused before counting in days: the old rule, in seconds
                    delta = self._seconds(before, after)
                    provisional = after.provisional
                    if not delta and provisional == row.provisional:
                        continue
                    row.remaining_seconds = (row.remaining_seconds or 0) + delta
                    change["remaining_seconds"] = row.remaining_seconds
                change |= {"provisional": provisional, "from_due_at": None}
                row.provisional = provisional
            else:
                if after.last_day == row.last_day and after.provisional == row.provisional:
                    continue
                tz = self.settings.tz
                change |= {"provisional": after.provisional, "from_due_at": row.due_at.astimezone(tz).isoformat()}
                self._place(row, after)
                change["to_due_at"] = row.due_at.astimezone(tz).isoformat()
                change["last_day"] = row.last_day.isoformat()
            row.updated_at = self.now
            changes.append(change)
        return changes

    def expire(self, deadline_id: uuid.UUID) -> DeadlineRow | None:
        """Mark one open deadline fired (a clock with no expiry trigger ran out)."""
        for row in self.rows:
            if row.id == deadline_id and row.status == DeadlineStatus.PENDING:
                row.status = str(DeadlineStatus.FIRED)
                row.updated_at = self.now
                return row
        return None

    def write(self, conn: Connection) -> None:
        """Insert the new rows (in one statement) and update each changed one."""
        insert_rows(conn, DEADLINES, [r.values() for r in self.rows if r.is_new])
        for r in self.rows:
            if not r.is_new and (changes := r.changes()):
                _UPDATE_ONE.execute(conn, {"b_id": r.id, **changes})
