"""The lifecycle as one table (the contract, docs/contract.md §4).

The `transitions` machine, the role checks, the `/actions` answer, the README diagram and the
exhaustive tests are all derived from TABLE. Nothing else decides legality.
"""

from dataclasses import dataclass
from types import MappingProxyType

from states import party_guards as _party_guards  # noqa: F401 - registers the portal's guards in GUARDS
from states.enums import Role, State, Trigger
from states.guards import CONDITIONS, GUARDS
from states.labels import TRIGGER_LABELS

S = State
T = Trigger
R = Role


@dataclass(frozen=True, slots=True)
class Transition:
    trigger: Trigger
    source: tuple[State, ...]
    dest: State
    roles: tuple[Role, ...]
    basis: str
    guards: tuple[str, ...] = ()
    required: tuple[str, ...] = ()  # payload fields that must be present
    optional: tuple[str, ...] = ()
    # Other destinations, each with the condition (states.guards.CONDITIONS) that chooses it; checked
    # in order before `dest`, which is the destination the contract names.
    alternatives: tuple[tuple[str, State], ...] = ()

    @property
    def dests(self) -> tuple[State, ...]:
        return (self.dest, *(d for _, d in self.alternatives))

    @property
    def label(self) -> str:
        """The Chinese wording staff see for this action (states/labels.py)."""
        return TRIGGER_LABELS[self.trigger]


# What a court may confirm at all (民诉法解释 第355条；劳动争议解释(一) 第52条) and where
# (民事诉讼法 第205条), and who applies (民诉法解释 第351条): the guards of every application.
_CONFIRMABLE = (
    "not_a_status_matter",
    "written_agreement",
    "not_an_ownership_confirmation",
    "labour_confirmation_scope",
    "joint_application_complete",
    "court_has_jurisdiction",
)

TABLE: tuple[Transition, ...] = (
    Transition(
        T.DIVERT,
        (S.INTAKE,),
        S.DIVERSION,
        (R.INTAKE, R.SUPERVISOR),
        "人民调解法 第17条、第18条；信访工作条例 第31条（分流转办）",
        optional=("org_code",),
    ),
    Transition(
        T.ACCEPT,
        (S.DIVERSION,),
        S.MEDIATION,
        (R.MEDIATOR,),
        "人民调解法 第17条（调解委员会受理调解申请）",
        optional=("mediator_code",),
    ),
    Transition(
        T.DECLINE,
        (S.DIVERSION,),
        S.INTAKE,
        (R.MEDIATOR,),
        "人民调解法 第17条（不属于本组织受理范围的退回）",
        required=("reason",),
        alternatives=(("next_level_found", S.DIVERSION),),
    ),
    Transition(
        T.ESCALATE,
        (S.DIVERSION, S.MEDIATION),
        S.DIVERSION,
        (R.MEDIATOR, R.SUPERVISOR),
        "人民调解法 第18条；一站式矛调中心 小事不出村、大事不出镇、矛盾不上交",
        required=("reason",),
        optional=("org_code",),
        alternatives=(("escalation_exhausted", S.INTAKE),),
    ),
    Transition(T.REJECT, (S.INTAKE,), S.CLOSED, (R.INTAKE,), "人民调解法 第17条（不予受理）", required=("reason",)),
    Transition(
        T.TRANSFER_OUT,
        (S.INTAKE, S.DIVERSION),
        S.CLOSED,
        (R.INTAKE, R.SUPERVISOR),
        "信访工作条例 第31条（依法应当通过诉讼、仲裁、行政复议等途径解决的，导入相应程序）",
        required=("agency", "reason"),
    ),
    Transition(
        T.WITHDRAW,
        (S.INTAKE, S.DIVERSION, S.MEDIATION, S.FAILED),
        S.CLOSED,
        (R.INTAKE, R.MEDIATOR),
        "人民调解法 第23条第2项（当事人可以要求终止调解）",
        required=("reason",),
    ),
    Transition(
        T.EXTEND,
        (S.MEDIATION,),
        S.MEDIATION,
        (R.MEDIATOR,),
        "特邀调解规定 第27条；医疗纠纷预防和处理条例 第38条（经双方同意可以延长）",
        guards=("mediation_clock_exists", "mediation_extension_within_cap"),
        required=("days", "reason", "consent"),
    ),
    Transition(
        T.PAUSE_CLOCK,
        (S.MEDIATION,),
        S.MEDIATION,
        (R.MEDIATOR,),
        "医疗纠纷预防和处理条例 第38条；人民法院在线调解规则 第26条（鉴定期间不计入）",
        guards=("clock_running",),
        required=("reason",),
    ),
    Transition(
        T.RESUME_CLOCK,
        (S.MEDIATION,),
        S.MEDIATION,
        (R.MEDIATOR,),
        "医疗纠纷预防和处理条例 第38条；人民法院在线调解规则 第26条（鉴定期间不计入）",
        guards=("clock_paused",),
        required=("reason",),
    ),
    Transition(
        T.REACH_AGREEMENT,
        (S.MEDIATION,),
        S.AGREEMENT,
        (R.MEDIATOR,),
        "人民调解法 第28条、第29条、第30条（调解协议）",
        required=("facts", "liability", "obligations", "signed_at"),
        optional=("matters", "form", "ownership_confirmation", "status_matter", "wages_only"),
    ),
    Transition(
        T.FAIL,
        (S.MEDIATION,),
        S.FAILED,
        (R.MEDIATOR,),
        "人民调解法 第26条（调解不成的，应当终止调解并告知其他途径）",
        required=("reason",),
    ),
    Transition(
        T.SIGN_JOINT_APPLICATION,
        (S.AGREEMENT,),
        S.AGREEMENT,
        (R.PARTY,),
        "人民调解法 第33条；民诉法解释 第351条（当事人本人共同申请司法确认；经短信验证码确认的在线签署）",
        guards=("within_confirmation_window", "signer_bound_by_agreement", "signed_once"),
    ),
    Transition(
        T.REQUEST_CONFIRMATION,
        (S.AGREEMENT,),
        S.JUDICIAL_CONFIRMATION,
        (R.MEDIATOR, R.INTAKE),
        "人民调解法 第33条；民事诉讼法 第205条；民诉法解释 第351条（双方当事人共同申请司法确认）",
        guards=("within_confirmation_window", *_CONFIRMABLE),
        required=("court_code",),
        optional=("joint_application",),  # omitted: the parties' signatures through the portal
    ),
    Transition(
        T.COURT_CONFIRM,
        (S.JUDICIAL_CONFIRMATION,),
        S.CONFIRMED,
        (R.COURT,),
        "民事诉讼法 第206条（裁定调解协议有效）",
        required=("ruling_no",),
    ),
    Transition(
        T.COURT_REJECT,
        (S.JUDICIAL_CONFIRMATION,),
        S.CONFIRMATION_REJECTED,
        (R.COURT,),
        "民事诉讼法 第206条；民诉法解释 第355条、第358条（裁定不予受理、驳回申请）",
        required=("ruling_no", "reason"),
        optional=("reason_kind",),
    ),
    Transition(
        T.COURT_FILE,
        (S.JUDICIAL_CONFIRMATION,),
        S.JUDICIAL_CONFIRMATION,
        (R.COURT,),
        "民事诉讼法 第187条（特别程序案件自立案之日起三十日内审结）",
        required=("filed_on",),
    ),
    Transition(
        T.COURT_EXTEND,
        (S.JUDICIAL_CONFIRMATION,),
        S.JUDICIAL_CONFIRMATION,
        (R.COURT,),
        "民事诉讼法 第187条（有特殊情况需要延长的，由本院院长批准）",
        guards=("court_extension_allowed",),
        required=("days", "approved_by", "reason"),
    ),
    Transition(
        T.WITHDRAW_CONFIRMATION,
        (S.JUDICIAL_CONFIRMATION,),
        S.AGREEMENT,
        (R.MEDIATOR, R.INTAKE, R.COURT),
        "民诉法解释 第357条（确认调解协议的裁定作出前，当事人撤回申请的，人民法院可以裁定准许）",
        required=("reason",),
        optional=("ruling_no",),
    ),
    Transition(
        T.REAPPLY_CONFIRMATION,
        (S.CONFIRMATION_REJECTED,),
        S.JUDICIAL_CONFIRMATION,
        (R.MEDIATOR, R.INTAKE),
        "民诉法解释 第355条第1款第2项；民事诉讼法 第205条（向有管辖权的人民法院申请司法确认）",
        guards=("rejected_for_jurisdiction", *_CONFIRMABLE),
        required=("court_code",),
        optional=("joint_application",),
    ),
    Transition(
        T.RESUME_MEDIATION,
        (S.FAILED, S.CONFIRMATION_REJECTED),
        S.MEDIATION,
        (R.MEDIATOR,),
        "人民调解法 第33条第3款；民事诉讼法 第206条（变更原调解协议或达成新的调解协议）",
        optional=("reason",),
    ),
    Transition(
        T.REFER_ARBITRATION,
        (S.FAILED, S.CONFIRMATION_REJECTED, S.AGREEMENT),
        S.ARBITRATION,
        (R.MEDIATOR, R.INTAKE),
        "人民调解法 第26条；仲裁法 第4条；劳动争议调解仲裁法 第14条、第15条；农村土地承包经营纠纷调解仲裁法 第2条第3款",
        guards=("arbitrable", "not_land_requisition", "arbitration_body_competent", "unperformed_agreement_only"),
        required=("body_code",),
        optional=("applied_on",),
    ),
    Transition(
        T.ARBITRATION_ACCEPTED,
        (S.ARBITRATION,),
        S.ARBITRATION,
        (R.MEDIATOR, R.INTAKE),
        "劳动争议调解仲裁法 第29条、第43条（受理；仲裁庭自受理之日起四十五日内结束）",
        guards=("acceptance_undecided",),
        required=("accepted_on",),
    ),
    Transition(
        T.ARBITRATION_NOT_ACCEPTED,
        (S.ARBITRATION,),
        S.ARBITRATION,
        (R.MEDIATOR, R.INTAKE),
        "劳动争议调解仲裁法 第29条（对不予受理的，申请人可以就该劳动争议事项向人民法院提起诉讼）",
        guards=("acceptance_undecided",),
        required=("decided_on",),
        optional=("reason",),
    ),
    Transition(
        T.ARBITRATION_EXTENDED,
        (S.ARBITRATION,),
        S.ARBITRATION,
        (R.MEDIATOR, R.INTAKE),
        "劳动争议调解仲裁法 第43条；农村土地承包经营纠纷调解仲裁法 第47条（经仲裁委员会主任批准延期）",
        guards=("award_extension_allowed",),
        required=("days", "approved_on"),
        optional=("reason",),
    ),
    Transition(
        T.RECORD_AWARD,
        (S.ARBITRATION,),
        S.ARBITRATION,
        (R.MEDIATOR, R.INTAKE),
        "劳动争议调解仲裁法 第47条至第50条；农村土地承包经营纠纷调解仲裁法 第48条（仲裁裁决及其送达）",
        guards=("award_possible",),
        required=("award_no", "received_on"),
        optional=("final",),
    ),
    Transition(
        T.REFER_LITIGATION,
        (S.FAILED, S.CONFIRMATION_REJECTED, S.AGREEMENT, S.ARBITRATION),
        S.LITIGATION,
        (R.MEDIATOR, R.INTAKE),
        "人民调解法 第26条、第32条；民事诉讼法 第206条；劳动争议调解仲裁法 第29条、第43条、第48条、第50条",
        guards=("labour_litigation_grounds",),
        required=("court_code",),
    ),
    Transition(
        T.RECORD_OUTCOME,
        (S.ARBITRATION, S.LITIGATION),
        S.CLOSED,
        (R.MEDIATOR, R.INTAKE, R.COURT),
        "一站式矛调中心 办结反馈",
        required=("outcome", "reference"),
    ),
    Transition(
        T.RECORD_FULFILMENT,
        (S.AGREEMENT, S.CONFIRMED),
        S.CLOSED,
        (R.MEDIATOR,),
        "人民调解法 第31条第2款（人民调解委员会应当对调解协议的履行情况进行监督）",
        optional=("note",),
    ),
    Transition(
        T.CLOSE,
        (S.FAILED,),
        S.CLOSED,
        (R.MEDIATOR, R.SUPERVISOR),
        "人民调解法 第26条、第27条（终止调解，立卷归档）",
        required=("reason",),
    ),
    Transition(
        T.RECORD_FOLLOWUP,
        (S.CLOSED,),
        S.CLOSED,
        (R.MEDIATOR, R.INTAKE, R.PARTY),
        "人民调解法 第31条第2款；人民调解工作若干规定（回访）",
        guards=("one_followup_per_party",),
        required=("satisfaction", "performed"),
        optional=("note",),
    ),
    Transition(
        T.DIVERSION_TIMEOUT,
        (S.DIVERSION,),
        S.DIVERSION,
        (R.SYSTEM,),
        "一站式矛调中心 分流时限（3个工作日内未受理的，逐级上报）",
        alternatives=(("escalation_exhausted", S.INTAKE),),
    ),
    Transition(
        T.MEDIATION_TIMEOUT,
        (S.MEDIATION,),
        S.FAILED,
        (R.SYSTEM,),
        "医疗纠纷预防和处理条例 第38条；劳动争议调解仲裁法 第14条；特邀调解规定 第27条（期满未达成协议的视为调解不成）",
    ),
    Transition(
        T.MEDIATION_OVERDUE,
        (S.MEDIATION,),
        S.MEDIATION,
        (R.SYSTEM,),
        "人民调解法（未规定调解期限）；人民调解工作若干规定 第33条（一般在一个月内调结）：期满未调结的督办，不视为调解不成",
    ),
    Transition(
        T.COURT_OVERDUE,
        (S.JUDICIAL_CONFIRMATION,),
        S.JUDICIAL_CONFIRMATION,
        (R.SYSTEM,),
        "民事诉讼法 第187条（特别程序案件应当在立案之日起三十日内审结）",
    ),
)


def _index() -> MappingProxyType[tuple[State, Trigger], Transition]:
    index: dict[tuple[State, Trigger], Transition] = {}
    for row in TABLE:
        unknown = set(row.guards) - set(GUARDS)
        if unknown:
            raise ValueError(f"{row.trigger}: unknown guards {sorted(unknown)}")
        unknown = {name for name, _ in row.alternatives} - set(CONDITIONS)
        if unknown:
            raise ValueError(f"{row.trigger}: unknown conditions {sorted(unknown)}")
        for src in row.source:
            if (src, row.trigger) in index:
                raise ValueError(f"duplicate row for ({src}, {row.trigger})")
            index[(src, row.trigger)] = row
    return MappingProxyType(index)


BY_SOURCE_TRIGGER = _index()
TRIGGER_ROLES: MappingProxyType[Trigger, frozenset[Role]] = MappingProxyType(
    {t: frozenset(r for row in TABLE if row.trigger is t for r in row.roles) for t in Trigger}
)


def row_for(state: State, trigger: Trigger) -> Transition | None:
    return BY_SOURCE_TRIGGER.get((state, trigger))


def triggers_from(state: State, role: Role | None = None) -> list[Trigger]:
    """Triggers the table allows from `state` (for `role` if given), in table order."""
    return [row.trigger for row in TABLE if state in row.source and (role is None or role in row.roles)]
