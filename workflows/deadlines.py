"""Deadline profiles as data, and the deadline rows the engine opens, settles, pauses and extends.

Each profile names its clock kind, length, whether it counts working days, the trigger fired on
expiry, and its legal basis (../shared/domain/legal-reference.md). Figures marked configurable
come from settings.
"""

import uuid
from collections.abc import Iterable
from typing import Any
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.settings import Settings, get_settings
from models.tables import Deadline
from states.enums import Channel, DisputeType, Trigger
from workflows.calendar import DEFAULT_CALENDAR, LegalCalendar, end_of_day
from workflows.records import Record


class DeadlineKind(StrEnum):
    DIVERSION_ACCEPTANCE = "diversion_acceptance"
    MEDIATION = "mediation"
    CONFIRMATION_WINDOW = "confirmation_window"
    COURT_DECISION = "court_decision"


class DeadlineStatus(StrEnum):
    PENDING = "pending"
    PAUSED = "paused"
    FIRED = "fired"
    CANCELLED = "cancelled"
    MET = "met"


OPEN_STATUSES = (DeadlineStatus.PENDING, DeadlineStatus.PAUSED)


@dataclass(frozen=True, slots=True)
class DeadlineProfile:
    name: str
    kind: DeadlineKind
    days: int
    working_days: bool
    basis: str
    on_expiry: Trigger | None = None
    dispute_types: frozenset[DisputeType] | None = None  # None: any
    channels: frozenset[Channel] | None = None  # None: any
    configurable: bool = False

    def matches(self, case: Any) -> bool:
        return (self.dispute_types is None or case.dispute_type in self.dispute_types) and (
            self.channels is None or case.channel in self.channels
        )


def profiles(settings: Settings | None = None) -> tuple[DeadlineProfile, ...]:
    """All profiles, most specific first within a kind: the first match wins."""
    s = settings or get_settings()
    K = DeadlineKind
    return (
        DeadlineProfile(
            "diversion_acceptance", K.DIVERSION_ACCEPTANCE, s.diversion_acceptance_working_days, True,
            "一站式矛调中心分流时限（无全国统一规定，按本中心规则，可配置）；参照人民法院在线调解规则 第12条（3个工作日内确认接受）",
            on_expiry=Trigger.DIVERSION_TIMEOUT, configurable=True,
        ),
        DeadlineProfile(
            "mediation.court_referral", K.MEDIATION, 30, False,
            "最高人民法院关于人民法院特邀调解的规定 第27条（委派调解期限为三十日，经双方同意可以延长）",
            on_expiry=Trigger.MEDIATION_TIMEOUT, channels=frozenset({Channel.COURT_REFERRAL}),
        ),
        DeadlineProfile(
            "mediation.labour", K.MEDIATION, 15, False,
            "劳动争议调解仲裁法 第14条（自劳动争议调解组织收到调解申请之日起十五日内未达成调解协议的，当事人可以依法申请仲裁）",
            on_expiry=Trigger.MEDIATION_TIMEOUT, dispute_types=frozenset({DisputeType.LABOUR}),
        ),
        DeadlineProfile(
            "mediation.medical", K.MEDIATION, 30, True,
            "医疗纠纷预防和处理条例 第38条（自受理之日起30个工作日内完成调解，鉴定时间不计入；逾期未达成协议的视为调解不成）",
            on_expiry=Trigger.MEDIATION_TIMEOUT, dispute_types=frozenset({DisputeType.MEDICAL}),
        ),
        DeadlineProfile(
            "mediation.consumer", K.MEDIATION, 45, True,
            "市场监督管理投诉举报处理暂行办法 第21条（自投诉受理之日起四十五个工作日内未能达成调解协议的，终止调解）",
            on_expiry=Trigger.MEDIATION_TIMEOUT, dispute_types=frozenset({DisputeType.CONSUMER}),
        ),
        DeadlineProfile(
            "mediation.people", K.MEDIATION, s.mediation_default_days, False,
            "人民调解工作若干规定 第33条（一般在一个月内调结；人民调解默认期限，可配置）",
            on_expiry=Trigger.MEDIATION_TIMEOUT, configurable=True,
        ),
        DeadlineProfile(
            "confirmation_window", K.CONFIRMATION_WINDOW, 30, False,
            "人民调解法 第33条；民事诉讼法 第205条（自调解协议生效之日起三十日内共同申请司法确认）",
        ),
        DeadlineProfile(
            "court_decision", K.COURT_DECISION, 30, False,
            "民事诉讼法 第187条（人民法院适用特别程序审理的案件，应当在立案之日起三十日内审结）",
            on_expiry=Trigger.COURT_OVERDUE,
        ),
    )


def profile_for(kind: DeadlineKind, case: Any, settings: Settings | None = None) -> DeadlineProfile:
    for p in profiles(settings):
        if p.kind is kind and p.matches(case):
            return p
    raise LookupError(f"no deadline profile for {kind} and case type {case.dispute_type}")


DEADLINES = Deadline.__table__  # type: ignore[attr-defined]


_SELECT_OPEN = sa.select(DEADLINES).where(
    DEADLINES.c.case_id == sa.bindparam("b_case_id"), DEADLINES.c.status.in_([str(x) for x in OPEN_STATUSES])
)
_UPDATE_ONE = DEADLINES.update().where(DEADLINES.c.id == sa.bindparam("b_id"))


def load_open(conn: Connection, case_id: uuid.UUID) -> list[Record]:
    """The case's open (pending or paused) deadlines, as working copies."""
    return [Record(r) for r in conn.execute(_SELECT_OPEN, {"b_case_id": case_id}).mappings()]


class Deadlines:
    """Deadline operations for one case inside the engine's transaction, on working copies."""

    def __init__(self, case: Any, open_rows: list[Record], *, now: datetime,
                 calendar: LegalCalendar | None = None, settings: Settings | None = None) -> None:
        self.case = case
        self.rows = list(open_rows)
        self.now = now
        self.calendar = calendar or DEFAULT_CALENDAR
        self.settings = settings or get_settings()

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.settings.tz).date()

    def open(self, kind: DeadlineKind, *, start: date | None = None) -> Record:
        profile = profile_for(kind, self.case, self.settings)
        start = start or self.local_date(self.now)
        period = self.calendar.add(start, profile.days, working_days=profile.working_days)
        row = Record({
            "id": uuid.uuid4(), "case_id": self.case.id, "kind": str(kind), "profile": profile.name,
            "start_date": start, "days": profile.days, "working_days": profile.working_days,
            "last_day": period.last_day, "due_at": period.due_at(self.settings.tz),
            "status": str(DeadlineStatus.PENDING), "basis": profile.basis, "provisional": period.provisional,
            "on_expiry": str(profile.on_expiry) if profile.on_expiry else None, "remaining_seconds": None,
            "created_at": self.now, "updated_at": self.now,
        }, new=True)
        self.rows.append(row)
        return row

    def current(self, kinds: Iterable[DeadlineKind]) -> list[Record]:
        wanted = {str(k) for k in kinds}
        return [r for r in self.rows if r.kind in wanted and r.status in OPEN_STATUSES]

    def clock(self, kind: DeadlineKind) -> str | None:
        """"running", "paused" or None for the open deadline of `kind`."""
        for r in self.current([kind]):
            return "paused" if r.status == DeadlineStatus.PAUSED else "running"
        return None

    def due_at(self, kind: DeadlineKind) -> datetime | None:
        for r in self.current([kind]):
            return r.due_at
        return None

    def settle(self, kinds: Iterable[DeadlineKind], status: DeadlineStatus) -> list[Record]:
        rows = self.current(kinds)
        for row in rows:
            row.status = str(status)
            row.updated_at = self.now
        return rows

    def pause(self, kind: DeadlineKind) -> list[Record]:
        rows = [r for r in self.current([kind]) if r.status == DeadlineStatus.PENDING]
        for row in rows:
            row.remaining_seconds = max(0, int((row.due_at - self.now).total_seconds()))
            row.status = str(DeadlineStatus.PAUSED)
            row.updated_at = self.now
        return rows

    def resume(self, kind: DeadlineKind) -> list[Record]:
        rows = [r for r in self.current([kind]) if r.status == DeadlineStatus.PAUSED]
        for row in rows:
            row.due_at = self.now + timedelta(seconds=row.remaining_seconds or 0)
            row.last_day = self.local_date(row.due_at - timedelta(microseconds=1))
            row.remaining_seconds = None
            row.status = str(DeadlineStatus.PENDING)
            row.updated_at = self.now
        return rows

    def extend(self, kind: DeadlineKind, days: int) -> list[Record]:
        """Lengthen the period by `days` of its own kind, counted as if it had been that long from
        its start: the end moves by the difference between the two periods' ends. A paused clock
        keeps the difference in its remaining time; a resumed one keeps its pause shift."""
        rows = self.current([kind])
        for row in rows:
            before = self.calendar.add(row.start_date, row.days, working_days=row.working_days)
            after = self.calendar.add(row.start_date, row.days + days, working_days=row.working_days)
            delta = end_of_day(after.last_day, self.settings.tz) - end_of_day(before.last_day, self.settings.tz)
            if row.status == DeadlineStatus.PAUSED:
                row.remaining_seconds = (row.remaining_seconds or 0) + int(delta.total_seconds())
            else:
                row.due_at = row.due_at + delta
                row.last_day = self.local_date(row.due_at - timedelta(microseconds=1))
            row.provisional = row.provisional or after.provisional
            row.days = row.days + days
            row.updated_at = self.now
        return rows

    def write(self, conn: Connection) -> None:
        """Insert the new rows and update the changed ones: one statement each."""
        new = [r.values() for r in self.rows if r.is_new]
        if new:
            conn.execute(DEADLINES.insert(), new)
        for r in self.rows:
            if not r.is_new and (changes := r.changes()):
                conn.execute(_UPDATE_ONE, {"b_id": r.id, **changes})
