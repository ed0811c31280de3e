"""Deadline profiles as data, and the deadline rows the engine opens, settles, pauses and extends.

Each profile names its clock kind, length, whether it counts working days, the trigger fired on
expiry, and its legal basis (../shared/domain/legal-reference.md). Figures marked configurable
come from settings.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, select

from models.settings import Settings, get_settings
from models.tables import Case, Deadline
from states.enums import Channel, DisputeType, Trigger
from workflows.calendar import DEFAULT_CALENDAR, LegalCalendar, end_of_day


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

    def matches(self, case: Case) -> bool:
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


def profile_for(kind: DeadlineKind, case: Case, settings: Settings | None = None) -> DeadlineProfile:
    for p in profiles(settings):
        if p.kind is kind and p.matches(case):
            return p
    raise LookupError(f"no deadline profile for {kind} and case type {case.dispute_type}")


class Deadlines:
    """Deadline operations for one case inside the engine's transaction."""

    def __init__(self, session: Session, case: Case, *, now: datetime, calendar: LegalCalendar | None = None,
                 settings: Settings | None = None) -> None:
        self.session = session
        self.case = case
        self.now = now
        self.calendar = calendar or DEFAULT_CALENDAR
        self.settings = settings or get_settings()

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.settings.tz).date()

    def open(self, kind: DeadlineKind, *, start: date | None = None) -> Deadline:
        profile = profile_for(kind, self.case, self.settings)
        start = start or self.local_date(self.now)
        period = self.calendar.add(start, profile.days, working_days=profile.working_days)
        row = Deadline(
            id=uuid.uuid4(), case_id=self.case.id, kind=kind, profile=profile.name, start_date=start,
            days=profile.days, working_days=profile.working_days, last_day=period.last_day,
            due_at=period.due_at(self.settings.tz), status=DeadlineStatus.PENDING, basis=profile.basis,
            provisional=period.provisional, on_expiry=profile.on_expiry, created_at=self.now, updated_at=self.now,
        )
        self.session.add(row)
        return row

    def current(self, kinds: Iterable[DeadlineKind]) -> list[Deadline]:
        return list(
            self.session.exec(
                select(Deadline).where(
                    Deadline.case_id == self.case.id,
                    Deadline.kind.in_([str(k) for k in kinds]),  # type: ignore[attr-defined]
                    Deadline.status.in_([str(s) for s in OPEN_STATUSES]),  # type: ignore[attr-defined]
                )
            )
        )

    def settle(self, kinds: Iterable[DeadlineKind], status: DeadlineStatus) -> list[Deadline]:
        rows = self.current(kinds)
        for row in rows:
            row.status = status
            row.updated_at = self.now
            self.session.add(row)
        return rows

    def pause(self, kind: DeadlineKind) -> list[Deadline]:
        rows = [r for r in self.current([kind]) if r.status == DeadlineStatus.PENDING]
        for row in rows:
            row.remaining_seconds = max(0, int((row.due_at - self.now).total_seconds()))
            row.status = DeadlineStatus.PAUSED
            row.updated_at = self.now
            self.session.add(row)
        return rows

    def resume(self, kind: DeadlineKind) -> list[Deadline]:
        rows = [r for r in self.current([kind]) if r.status == DeadlineStatus.PAUSED]
        for row in rows:
            row.due_at = self.now + timedelta(seconds=row.remaining_seconds or 0)
            row.last_day = self.local_date(row.due_at - timedelta(microseconds=1))
            row.remaining_seconds = None
            row.status = DeadlineStatus.PENDING
            row.updated_at = self.now
            self.session.add(row)
        return rows

    def extend(self, kind: DeadlineKind, days: int) -> list[Deadline]:
        rows = self.current([kind])
        for row in rows:
            if row.status == DeadlineStatus.PAUSED:
                row.remaining_seconds = (row.remaining_seconds or 0) + days * 86400
            else:
                period = self.calendar.add(row.last_day, days, working_days=row.working_days)
                row.last_day = period.last_day
                row.due_at = end_of_day(period.last_day, self.settings.tz)
                row.provisional = row.provisional or period.provisional
            row.days += days
            row.updated_at = self.now
            self.session.add(row)
        return rows
