"""Deadline profiles as data: each statutory clock with what starts it, its length and unit, what
fires on expiry and the article it comes from (docs/legal-reference.md). Figures marked configurable
come from settings. Which profile a case gets: the first that matches, most specific first.
"""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from models.settings import Settings, get_settings
from states.enums import Channel, DisputeType, Trigger
from workflows.clocks import arbitration, limitation


class DeadlineKind(StrEnum):
    DIVERSION_ACCEPTANCE = "diversion_acceptance"
    MEDIATION = "mediation"
    CONFIRMATION_WINDOW = "confirmation_window"
    COURT_DECISION = "court_decision"
    ARBITRATION_AWARD = "arbitration_award"
    FOLLOWUP = "followup"
    ENFORCEMENT = "enforcement"
    LIMITATION = "limitation"  # 时效: profiles in workflows/clocks/limitation.py
    ARBITRATION_ACCEPTANCE = "arbitration_acceptance"
    AWARD_CHALLENGE = "award_challenge"
    AWARD_SET_ASIDE = "award_set_aside"


class DeadlineStatus(StrEnum):
    PENDING = "pending"
    PAUSED = "paused"
    FIRED = "fired"
    CANCELLED = "cancelled"
    MET = "met"
    INTERRUPTED = "interrupted"  # a limitation period broken off by a request (民法典 第195条)


OPEN_STATUSES = (DeadlineStatus.PENDING, DeadlineStatus.PAUSED)

# A court referral's kind (`referral.kind`, 特邀调解规定 第1条): 委派 before the case is filed, 委托 after.
PRE_FILING = "pre_filing"
POST_FILING = "post_filing"


@dataclass(frozen=True, slots=True)
class DeadlineProfile:
    """One statutory clock: what starts it, how long it runs and how it is counted, what happens on
    expiry (a system trigger, or None: the deadline is marked fired and an overdue notice goes out),
    when to remind, and the law it comes from."""

    name: str
    kind: DeadlineKind
    days: int  # the length in days (nominal for a period of months or years)
    working_days: bool
    basis: str
    on_expiry: Trigger | None = None
    dispute_types: frozenset[DisputeType] | None = None  # None: any
    channels: frozenset[Channel] | None = None  # None: any
    # A court referral's kind (`referral.kind`; None: the referral does not say); None here: any.
    referral_kinds: frozenset[str | None] | None = None
    # The procedure the entrusting court tries the case under (`referral.procedure`, default ordinary).
    procedures: frozenset[str] | None = None
    configurable: bool = False
    starts: str = ""  # the event that starts the clock (the trigger, in words)
    reminder_lead: timedelta | None = None  # remind this long before due_at
    # The cap on the days extensions add to one clock in total: the law's where it has one, else the
    # centre's rule (then `extension_cap_basis` says so); None: uncapped.
    max_extension_days: int | None = None
    extension_cap_basis: str = ""
    enabled: bool = True  # a profile switched off by a setting never matches
    label: str = ""  # Chinese wording for staff
    # A period of months (民法典 第202条: ends on the corresponding day, or the month's last day);
    # `days` is then nominal, and the period is counted from its start day.
    months: int | None = None

    def matches(self, case: Any) -> bool:
        referral = getattr(case, "referral", None) or {}
        return (
            self.enabled
            and (self.dispute_types is None or case.dispute_type in self.dispute_types)
            and (self.channels is None or case.channel in self.channels)
            and (self.referral_kinds is None or referral.get("kind") in self.referral_kinds)
            and (self.procedures is None or (referral.get("procedure") or "ordinary") in self.procedures)
        )


def profiles(settings: Settings | None = None) -> tuple[DeadlineProfile, ...]:
    """All profiles, most specific first within a kind: the first match wins."""
    s = settings or get_settings()
    return _profiles(
        s.diversion_acceptance_working_days,
        s.mediation_default_days,
        s.mediation_default_months,
        s.consumer_administrative_mediation,
        s.court_decision_profile,
        s.followup_days,
        s.mediation_max_extension_days,
    ) + _arbitration_profiles(s.labour_arbitration_acceptance_working_days)


DAY = timedelta(days=1)
# No statute caps the extension of a mediation period (特邀调解规定 第27条, 医疗条例 第38条: by both parties'
# consent; 人民调解法: no period at all): the centre's total (JIEFEN_MEDIATION_MAX_EXTENSION_DAYS) caps each.
CENTRE_EXTENSION_CAP = "法律未规定延长上限，按本中心规则"
_MEDIATION_STARTS = "accept / resume_mediation（调解组织受理之日）"
_LABOUR_MEDIATION_STARTS = "divert / escalate / decline / diversion_timeout（劳动争议调解组织收到调解申请之日；在该组织窗口受理的，为受理登记之日）"
_COURT_REFERRAL = frozenset({Channel.COURT_REFERRAL})


@lru_cache(maxsize=16)
def _profiles(
    diversion_days: int,
    people_days: int | None,
    people_months: int,
    consumer_administrative: bool,
    court_profile: str,
    followup_days: int,
    extension_days: int,
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
        # 委托调解 (after filing): returns to the court on expiry (特邀调解规定 第21条、第27条).
        DeadlineProfile(
            "mediation.court_entrusted.summary",
            K.MEDIATION,
            7,
            False,
            "最高人民法院关于人民法院特邀调解的规定 第27条（委托调解的期限，适用简易程序的为七日；经双方同意可以延长；期满未达成协议的，案件退回人民法院审理）",
            on_expiry=Trigger.MEDIATION_TIMEOUT,
            channels=_COURT_REFERRAL,
            referral_kinds=frozenset({POST_FILING}),
            procedures=frozenset({"summary"}),
            starts=_MEDIATION_STARTS,
            reminder_lead=2 * DAY,
            label="委托调解期限（简易程序）",
            max_extension_days=extension_days,
            extension_cap_basis=CENTRE_EXTENSION_CAP,
        ),
        DeadlineProfile(
            "mediation.court_entrusted",
            K.MEDIATION,
            15,
            False,
            "最高人民法院关于人民法院特邀调解的规定 第27条（委托调解的期限，适用普通程序的为十五日；经双方同意可以延长；期满未达成协议的，案件退回人民法院审理）",
            on_expiry=Trigger.MEDIATION_TIMEOUT,
            channels=_COURT_REFERRAL,
            referral_kinds=frozenset({POST_FILING}),
            starts=_MEDIATION_STARTS,
            reminder_lead=3 * DAY,
            label="委托调解期限",
            max_extension_days=extension_days,
            extension_cap_basis=CENTRE_EXTENSION_CAP,
        ),
        # 委派调解 (before filing, or a referral that does not say): 30 days, then back to the court.
        DeadlineProfile(
            "mediation.court_referral",
            K.MEDIATION,
            30,
            False,
            "最高人民法院关于人民法院特邀调解的规定 第27条（委派调解期限为三十日，经双方同意可以延长；期满未达成协议的，视为调解不成）",
            on_expiry=Trigger.MEDIATION_TIMEOUT,
            channels=_COURT_REFERRAL,
            referral_kinds=frozenset({PRE_FILING, None}),
            starts=_MEDIATION_STARTS,
            reminder_lead=3 * DAY,
            label="委派调解期限",
            max_extension_days=extension_days,
            extension_cap_basis=CENTRE_EXTENSION_CAP,
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
            max_extension_days=extension_days,
            extension_cap_basis=CENTRE_EXTENSION_CAP,
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
            max_extension_days=extension_days,
            extension_cap_basis=CENTRE_EXTENSION_CAP,
        ),
        # The market regulator's administrative mediation alone (legal-reference v2 item 10). The
        # organization kinds have no market-regulator kind, so the centre says by a setting that its
        # consumer mediation is that (JIEFEN_CONSUMER_ADMINISTRATIVE_MEDIATION, default off).
        DeadlineProfile(
            "mediation.consumer",
            K.MEDIATION,
            45,
            True,
            "市场监督管理投诉举报处理暂行办法 第21条（市场监督管理部门行政调解：自投诉受理之日起四十五个工作日内未能达成调解协议的，终止调解）",
            on_expiry=Trigger.MEDIATION_TIMEOUT,
            dispute_types=frozenset({DisputeType.CONSUMER}),
            enabled=consumer_administrative,
            configurable=True,
            starts=_MEDIATION_STARTS,
            reminder_lead=3 * DAY,
            label="消费投诉行政调解期限",
            max_extension_days=extension_days,
            extension_cap_basis=CENTRE_EXTENSION_CAP,
        ),
        # People's mediation has no statutory limit (人民调解法): "一般在一个月内调结" is guidance, so
        # on expiry the case is flagged for supervision, never deemed failed (legal-reference v2 item 9).
        DeadlineProfile(
            "mediation.people",
            K.MEDIATION,
            people_days if people_days is not None else 30 * people_months,
            False,
            "人民调解工作若干规定 第33条（一般在一个月内调结；人民调解法未规定调解期限，期满督办，不视为调解不成）"
            + ("" if people_days is None and people_months == 1 else "；期限按本中心规则配置"),
            on_expiry=Trigger.MEDIATION_OVERDUE,
            configurable=True,
            starts=_MEDIATION_STARTS,
            reminder_lead=3 * DAY,
            label="人民调解期限",
            months=None if people_days is not None else people_months,
            max_extension_days=extension_days,
            extension_cap_basis=CENTRE_EXTENSION_CAP,
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
            starts="court_confirm（每项义务一项期限，自该项义务履行期限的最后一日起算；未载明履行期限的，自裁定生效之日起算）",
            reminder_lead=30 * DAY,
            months=24,
            label="申请强制执行期限",
        ),
        *(
            DeadlineProfile(
                r.name,
                K.LIMITATION,
                365 * r.years,  # nominal: counted in years (民法典 第201条)
                False,
                r.basis,
                dispute_types=r.dispute_types,
                starts=limitation.STARTS,
                reminder_lead=r.reminder_days * DAY,
                label=r.label,
                months=12 * r.years,
            )
            for r in limitation.RULES
        ),
    )


@lru_cache(maxsize=4)
def _arbitration_profiles(acceptance_working_days: bool) -> tuple[DeadlineProfile, ...]:
    """Arbitration after mediation (workflows/clocks/arbitration.py): acceptance, the time to sue on an award."""
    return tuple(
        DeadlineProfile(
            r.name,
            DeadlineKind(r.kind),
            r.days,
            acceptance_working_days if r.working_days is None else r.working_days,
            r.basis,
            dispute_types=r.dispute_types,
            configurable=r.working_days is None,
            starts=r.starts,
            reminder_lead=r.reminder_days * DAY,
            label=r.label,
        )
        for r in arbitration.RULES
    )


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
    found = find_profile(kind, case, settings)
    if found is None:
        raise LookupError(f"no deadline profile for {kind} and case type {case.dispute_type}")
    return found
