"""Deadline profiles as data, and the deadline rows the engine opens, settles, pauses and extends.

Each profile names its clock kind, length, whether it counts working days, the trigger fired on
expiry, and its legal basis (docs/legal-reference.md). Figures marked configurable
come from settings.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.rows import DeadlineRow
from models.settings import Settings, get_settings
from models.tables import Deadline
from states.enums import Channel, DisputeType, Trigger
from workflows.clocks.calendar import DEFAULT_CALENDAR, LegalCalendar, end_of_day


class DeadlineKind(StrEnum):
    DIVERSION_ACCEPTANCE = "diversion_acceptance"
    MEDIATION = "mediation"
    CONFIRMATION_WINDOW = "confirmation_window"
    COURT_DECISION = "court_decision"
    ARBITRATION_AWARD = "arbitration_award"
    FOLLOWUP = "followup"
    ENFORCEMENT = "enforcement"
    ARBITRATION_ACCEPTANCE = "arbitration_acceptance"
    AWARD_CHALLENGE = "award_challenge"
    AWARD_SET_ASIDE = "award_set_aside"


class DeadlineStatus(StrEnum):
    PENDING = "pending"
    PAUSED = "paused"
    FIRED = "fired"
    CANCELLED = "cancelled"
    MET = "met"


OPEN_STATUSES = (DeadlineStatus.PENDING, DeadlineStatus.PAUSED)


@dataclass(frozen=True, slots=True)
class DeadlineProfile:
    """One statutory clock: what starts it, how long it runs and how it is counted, what happens on
    expiry (a system trigger, or None: the deadline is marked fired and an overdue notice goes out),
    when to remind, and the law it comes from."""

    name: str
    kind: DeadlineKind
    days: int
    working_days: bool
    basis: str
    on_expiry: Trigger | None = None
    dispute_types: frozenset[DisputeType] | None = None  # None: any
    channels: frozenset[Channel] | None = None  # None: any
    configurable: bool = False
    starts: str = ""  # the event that starts the clock (the trigger, in words)
    reminder_lead: timedelta | None = None  # remind this long before due_at
    max_extension_days: int | None = None  # the law's cap on extensions, where it has one
    enabled: bool = True  # a profile switched off by a setting never matches
    label: str = ""  # Chinese wording for staff
    years: int | None = None  # a period of years (民法典 第201条: ends on the corresponding day); `days` nominal

    def matches(self, case: Any) -> bool:
        return (
            self.enabled
            and (self.dispute_types is None or case.dispute_type in self.dispute_types)
            and (self.channels is None or case.channel in self.channels)
        )


def profiles(settings: Settings | None = None) -> tuple[DeadlineProfile, ...]:
    """All profiles, most specific first within a kind: the first match wins."""
    s = settings or get_settings()
    return _profiles(
        s.diversion_acceptance_working_days, s.mediation_default_days, s.court_decision_profile, s.followup_days
    ) + _arbitration_profiles(s.labour_arbitration_acceptance_working_days)


DAY = timedelta(days=1)


@lru_cache(maxsize=16)
def _profiles(
    diversion_days: int, mediation_days: int, court_profile: str, followup_days: int
) -> tuple[DeadlineProfile, ...]:
    K = DeadlineKind
    return (
        DeadlineProfile(
            "diversion_acceptance",
            K.DIVERSION_ACCEPTANCE,
            diversion_days,
            True,
            "一站式矛调中心分流时限（无全国统一规定，按本中心规则，可配置）；参照人民法院在线调解规则 第12条（3个工作日内确认接受）",
            on_expiry=Trigger.DIVERSION_TIMEOUT,
            configurable=True,
            starts="divert / escalate / diversion_timeout（分流交办到组织之日）",
            reminder_lead=DAY,
            label="分流受理时限",
        ),
        DeadlineProfile(
            "mediation.court_referral",
            K.MEDIATION,
            30,
            False,
            "最高人民法院关于人民法院特邀调解的规定 第27条（委派调解期限为三十日，经双方同意可以延长）",
            on_expiry=Trigger.MEDIATION_TIMEOUT,
            channels=frozenset({Channel.COURT_REFERRAL}),
            starts=_MEDIATION_STARTS,
            reminder_lead=3 * DAY,
            label="委派调解期限",
        ),
        DeadlineProfile(
            "mediation.labour",
            K.MEDIATION,
            15,
            False,
            "劳动争议调解仲裁法 第14条（自劳动争议调解组织收到调解申请之日起十五日内未达成调解协议的，当事人可以依法申请仲裁）",
            on_expiry=Trigger.MEDIATION_TIMEOUT,
            dispute_types=frozenset({DisputeType.LABOUR}),
            starts=_LABOUR_MEDIATION_STARTS,
            reminder_lead=3 * DAY,
            label="劳动争议调解期限",
        ),
        DeadlineProfile(
            "mediation.medical",
            K.MEDIATION,
            30,
            True,
            "医疗纠纷预防和处理条例 第38条（自受理之日起30个工作日内完成调解，鉴定时间不计入；逾期未达成协议的视为调解不成）",
            on_expiry=Trigger.MEDIATION_TIMEOUT,
            dispute_types=frozenset({DisputeType.MEDICAL}),
            starts=_MEDIATION_STARTS,
            reminder_lead=3 * DAY,
            label="医疗纠纷调解期限",
        ),
        DeadlineProfile(
            "mediation.consumer",
            K.MEDIATION,
            45,
            True,
            "市场监督管理投诉举报处理暂行办法 第21条（自投诉受理之日起四十五个工作日内未能达成调解协议的，终止调解）",
            on_expiry=Trigger.MEDIATION_TIMEOUT,
            dispute_types=frozenset({DisputeType.CONSUMER}),
            starts=_MEDIATION_STARTS,
            reminder_lead=3 * DAY,
            label="消费纠纷调解期限",
        ),
        DeadlineProfile(
            "mediation.people",
            K.MEDIATION,
            mediation_days,
            False,
            "人民调解工作若干规定 第33条（一般在一个月内调结；人民调解默认期限，可配置）",
            on_expiry=Trigger.MEDIATION_TIMEOUT,
            configurable=True,
            starts=_MEDIATION_STARTS,
            reminder_lead=3 * DAY,
            label="人民调解期限",
        ),
        DeadlineProfile(
            "confirmation_window",
            K.CONFIRMATION_WINDOW,
            30,
            False,
            "人民调解法 第33条；民事诉讼法 第205条（自调解协议生效之日起三十日内共同申请司法确认）",
            starts="reach_agreement（调解协议生效之日，即 signed_at）",
            reminder_lead=5 * DAY,
            label="申请司法确认期限",
        ),
        DeadlineProfile(
            "court_decision",
            K.COURT_DECISION,
            30,
            False,
            "民事诉讼法 第187条（人民法院适用特别程序审理的案件，应当在立案之日起三十日内审结；有特殊情况需要延长的，由本院院长批准）",
            on_expiry=Trigger.COURT_OVERDUE,
            enabled=court_profile == "statute",
            starts="request_confirmation（申请司法确认之日）；court_file 登记立案的，自立案之日重新计算",
            reminder_lead=3 * DAY,
            label="司法确认审结期限",
        ),
        DeadlineProfile(
            "court_decision.spc2011",
            K.COURT_DECISION,
            15,
            False,
            "最高人民法院关于人民调解协议司法确认程序的若干规定（法释〔2011〕5号）第5条（受理之日起十五日内作出是否确认的决定；"
            "因特殊情况需要延长的，经本院院长批准，可以延长十日）——现行有效性待核实，经 JIEFEN_COURT_DECISION_PROFILE=spc2011 选用",
            on_expiry=Trigger.COURT_OVERDUE,
            enabled=court_profile == "spc2011",
            configurable=True,
            starts="request_confirmation（申请司法确认之日；受理日未知，按申请日计）",
            reminder_lead=3 * DAY,
            max_extension_days=10,
            label="司法确认审结期限（2011年规定）",
        ),
        DeadlineProfile(
            "arbitration.labour",
            K.ARBITRATION_AWARD,
            45,
            False,
            "劳动争议调解仲裁法 第43条（仲裁庭裁决劳动争议案件，应当自劳动争议仲裁委员会受理仲裁申请之日起四十五日内结束；"
            "案情复杂需要延期的，经仲裁委员会主任批准，可以延期并书面通知当事人，但是延长期限不得超过十五日）",
            starts="arbitration_accepted（劳动人事争议仲裁委员会受理之日，accepted_on）",
            reminder_lead=5 * DAY,
            max_extension_days=15,
            label="劳动争议仲裁裁决期限",
        ),
        DeadlineProfile(
            "arbitration.land",
            K.ARBITRATION_AWARD,
            60,
            False,
            "农村土地承包经营纠纷调解仲裁法 第47条（仲裁农村土地承包经营纠纷，应当自受理仲裁申请之日起六十日内结束；"
            "案情复杂需要延长的，经农村土地承包仲裁委员会主任批准可以延长，并书面通知当事人，但延长期限不得超过三十日）",
            starts="refer_arbitration 至农村土地承包仲裁委员会（受理日未知，按引导仲裁之日计）",
            reminder_lead=5 * DAY,
            max_extension_days=30,
            label="农村土地承包仲裁期限",
        ),
        DeadlineProfile(
            "followup",
            K.FOLLOWUP,
            followup_days,
            False,
            "人民调解法 第31条第2款；人民调解工作若干规定（适时回访；无全国统一期限，按本中心规则，可配置，0 为不设回访期限）",
            enabled=followup_days > 0,
            configurable=True,
            starts="结案（进入 closed 状态之日）",
            reminder_lead=3 * DAY,
            label="回访期限",
        ),
        DeadlineProfile(
            "enforcement",
            K.ENFORCEMENT,
            730,
            False,
            "民事诉讼法 第250条（申请执行的期间为二年，从法律文书规定履行期间的最后一日起计算）；民事诉讼法 第206条（裁定有效后一方拒绝履行的，"
            "对方当事人可以向人民法院申请执行）",
            starts="court_confirm（以调解协议所载最后一项履行期限为起算日；未载明的，以裁定生效之日起算）",
            reminder_lead=30 * DAY,
            years=2,
            label="申请强制执行期限",
        ),
    )


# --- labour (and land) arbitration after mediation: acceptance, the award's challenge -------------------

_LABOUR_MEDIATION_STARTS = "divert / escalate / decline / diversion_timeout（劳动争议调解组织收到调解申请之日；在该组织窗口受理的，为受理登记之日）"


@lru_cache(maxsize=4)
def _arbitration_profiles(acceptance_working_days: bool) -> tuple[DeadlineProfile, ...]:
    K = DeadlineKind
    return (
        DeadlineProfile(
            "arbitration_acceptance.labour",
            K.ARBITRATION_ACCEPTANCE,
            5,
            acceptance_working_days,
            "劳动争议调解仲裁法 第29条（劳动争议仲裁委员会收到仲裁申请之日起五日内，认为符合受理条件的，应当受理；"
            "对不予受理或者逾期未作出决定的，申请人可以就该劳动争议事项向人民法院提起诉讼）；“五日”按劳动人事争议仲裁办案规则"
            " 第19条计为工作日（待核实，可配置：JIEFEN_LABOUR_ARBITRATION_ACCEPTANCE_WORKING_DAYS；工作日届满更晚，不致过早届满）",
            dispute_types=frozenset({DisputeType.LABOUR}),
            configurable=True,
            starts="refer_arbitration（仲裁委员会收到仲裁申请之日，applied_on；未填写的，为引导仲裁之日）",
            reminder_lead=DAY,
            label="劳动争议仲裁受理审查期限",
        ),
        DeadlineProfile(
            "award_challenge.labour",
            K.AWARD_CHALLENGE,
            15,
            False,
            "劳动争议调解仲裁法 第48条、第50条（劳动者对终局裁决不服的，当事人对其他裁决不服的，可以自收到仲裁裁决书之日起"
            "十五日内向人民法院提起诉讼；期满不起诉的，裁决书发生法律效力）",
            dispute_types=frozenset({DisputeType.LABOUR}),
            starts="record_award（收到仲裁裁决书之日，received_on）",
            reminder_lead=3 * DAY,
            label="不服劳动争议仲裁裁决起诉期限",
        ),
        DeadlineProfile(
            "award_set_aside.labour",
            K.AWARD_SET_ASIDE,
            30,
            False,
            "劳动争议调解仲裁法 第49条（用人单位有证据证明终局裁决有法定情形的，可以自收到仲裁裁决书之日起三十日内"
            "向劳动争议仲裁委员会所在地的中级人民法院申请撤销裁决）",
            dispute_types=frozenset({DisputeType.LABOUR}),
            starts="record_award 终局裁决（收到仲裁裁决书之日，received_on）",
            reminder_lead=5 * DAY,
            label="申请撤销劳动争议终局裁决期限",
        ),
        DeadlineProfile(
            "award_challenge.land",
            K.AWARD_CHALLENGE,
            30,
            False,
            "农村土地承包经营纠纷调解仲裁法 第48条（当事人不服仲裁裁决的，可以自收到裁决书之日起三十日内向人民法院起诉；"
            "逾期不起诉的，裁决书即发生法律效力）",
            dispute_types=frozenset({DisputeType.LAND_CONTRACT}),
            starts="record_award（收到仲裁裁决书之日，received_on）",
            reminder_lead=5 * DAY,
            label="不服农村土地承包仲裁裁决起诉期限",
        ),
    )


def _plus_years(start: date, years: int) -> date:
    """The corresponding day `years` later; none (29 February): the month's last day (民法典 第201条)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


_MEDIATION_STARTS = "accept / resume_mediation（调解组织受理之日）"


def profile_named(name: str, settings: Settings | None = None) -> DeadlineProfile:
    for p in profiles(settings):
        if p.name == name:
            return p
    raise LookupError(f"no deadline profile named {name}")


def find_profile(kind: DeadlineKind, case: Any, settings: Settings | None = None) -> DeadlineProfile | None:
    for p in profiles(settings):
        if p.kind is kind and p.matches(case):
            return p
    return None


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


def load_open(conn: Connection, case_id: uuid.UUID) -> list[DeadlineRow]:
    """The case's open (pending or paused) deadlines, as working copies."""
    return [DeadlineRow(r) for r in conn.execute(_SELECT_OPEN, {"b_case_id": case_id}).mappings()]


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

    def open(self, kind: DeadlineKind, *, start: date | None = None, profile: str | None = None) -> DeadlineRow:
        chosen = profile_named(profile, self.settings) if profile else profile_for(kind, self.case, self.settings)
        return self._open(chosen, start)

    def open_if_profiled(self, kind: DeadlineKind, *, start: date | None = None) -> DeadlineRow | None:
        """Open the clock of `kind` when a profile applies (a configurable clock may be switched off)."""
        chosen = find_profile(kind, self.case, self.settings)
        return None if chosen is None else self._open(chosen, start)

    def _open(self, profile: DeadlineProfile, start: date | None) -> DeadlineRow:
        start = start or self.local_date(self.now)
        days = profile.days if profile.years is None else (_plus_years(start, profile.years) - start).days
        period = self.calendar.add(start, days, working_days=profile.working_days)
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
                "due_at": period.due_at(self.settings.tz),
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

    def pause(self, kind: DeadlineKind) -> list[DeadlineRow]:
        """Stop the clock: what is left of it is kept to the second, and no reminder goes out while paused."""
        rows = [r for r in self.current([kind]) if r.status == DeadlineStatus.PENDING]
        for row in rows:
            row.remaining_seconds = max(0, int((row.due_at - self.now).total_seconds()))
            row.status = str(DeadlineStatus.PAUSED)
            row.remind_at = None
            row.updated_at = self.now
        return rows

    def resume(self, kind: DeadlineKind) -> list[DeadlineRow]:
        rows = [r for r in self.current([kind]) if r.status == DeadlineStatus.PAUSED]
        for row in rows:
            row.due_at = self.now + timedelta(seconds=row.remaining_seconds or 0)
            row.last_day = self.local_date(row.due_at - timedelta(microseconds=1))
            row.remaining_seconds = None
            row.status = str(DeadlineStatus.PENDING)
            row.updated_at = self.now
            _arm(row)
        return rows

    def extend(self, kind: DeadlineKind, days: int) -> list[DeadlineRow]:
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
                _arm(row)
            row.provisional = row.provisional or after.provisional
            row.days = row.days + days
            row.updated_at = self.now
        return rows

    def recount(self, old: LegalCalendar) -> list[dict[str, Any]]:
        """Count every open provisional deadline again on this calendar (a year's schedule was loaded):
        the end moves by the difference between the period's ends on the old and the new calendar, so
        pause shifts and extensions are kept. Returns what changed, for the audit event."""
        changes: list[dict[str, Any]] = []
        for row in self.rows:
            if row.is_new or row.status not in OPEN_STATUSES or not row.provisional:
                continue
            before = old.add(row.start_date, row.days, working_days=row.working_days)
            after = self.calendar.add(row.start_date, row.days, working_days=row.working_days)
            delta = end_of_day(after.last_day, self.settings.tz) - end_of_day(before.last_day, self.settings.tz)
            if not delta and after.provisional == row.provisional:
                continue
            change: dict[str, Any] = {
                "deadline_id": str(row.id),
                "kind": row.kind,
                "provisional": after.provisional,
                "from_due_at": row.due_at.isoformat() if row.status == DeadlineStatus.PENDING else None,
            }
            if row.status == DeadlineStatus.PAUSED:
                row.remaining_seconds = (row.remaining_seconds or 0) + int(delta.total_seconds())
                change["remaining_seconds"] = row.remaining_seconds
            else:
                row.due_at = row.due_at + delta
                row.last_day = self.local_date(row.due_at - timedelta(microseconds=1))
                _arm(row)
                change["to_due_at"] = row.due_at.isoformat()
                change["last_day"] = row.last_day.isoformat()
            row.provisional = after.provisional
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
        """Insert the new rows and update the changed ones: one statement each."""
        new = [r.values() for r in self.rows if r.is_new]
        if new:
            conn.execute(DEADLINES.insert(), new)
        for r in self.rows:
            if not r.is_new and (changes := r.changes()):
                conn.execute(_UPDATE_ONE, {"b_id": r.id, **changes})
