"""Guard predicates: pure functions of (case snapshot, payload, now) -> Verdict.

They are referred to by name from the transition table, so a refusal can name its rule, and they
can be tested without a database. Nothing here reads a clock or a calendar of its own: the engine
hands in `now` and the deadlines it has already computed.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from states import labour
from states.enums import DisputeType, OrgKind, RejectionKind, State
from states.labels import local_text
from states.remedies import LAND_REQUISITION_BASIS, REMEDIES, ArbitrationRemedy


@dataclass(frozen=True, slots=True)
class CaseSnapshot:
    """What a guard may know about a case. Built by the engine from the locked row."""

    state: State
    dispute_type: DisputeType
    channel: str = "window"
    status_matter: bool = False
    arbitration_agreement: bool = False
    agreement_form: str | None = None  # "written" | "oral" once an agreement is reached
    confirmation_due_at: datetime | None = None  # end of the 30-day window, computed by the engine
    has_next_level: bool = False  # the assigned organization has a parent
    arbitrated: bool = False  # the case has been through arbitration
    clock: str | None = None  # the mediation clock: "running" | "paused" | None
    land_requisition: bool = False  # a dispute over land requisition or its compensation (征地补偿)
    refs: Mapping[str, Any] = field(default_factory=dict)  # resolved payload references (org kinds…)


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    rule: str
    reason: str = ""
    basis: str = ""


Guard = Callable[[CaseSnapshot, Mapping[str, Any], datetime], Verdict]
GuardBody = Callable[[CaseSnapshot, Mapping[str, Any], datetime], str | None]

GUARDS: dict[str, Guard] = {}


def guard(basis: str) -> Callable[[GuardBody], Guard]:
    """Register a guard. The body returns None when the rule is met, or the reason it is not."""

    def wrap(fn: GuardBody) -> Guard:
        name = fn.__name__

        def run(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> Verdict:
            reason = fn(case, payload, now)
            if reason is None:
                return Verdict(True, name, "", basis)
            return Verdict(False, name, f"{reason}（{basis}）", basis)

        run.__name__ = name
        run.__doc__ = fn.__doc__
        run.basis = basis  # type: ignore[attr-defined]
        GUARDS[name] = run
        return run

    return wrap


# --- judicial confirmation ---------------------------------------------------------------


@guard("人民调解法 第33条；民事诉讼法 第205条：自调解协议生效之日起三十日内共同申请司法确认")
def within_confirmation_window(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """Confirmation must be applied for within 30 days of the agreement taking effect. The window's end is
    shown in the zone the engine hands it in (JIEFEN_TIMEZONE: 北京时间), named, never as UTC."""
    due = case.confirmation_due_at
    if due is None:
        return "调解协议生效日期不明，无法确认是否在申请期限内"
    if now >= due:
        return f"已超过司法确认申请期限（期限届满：{local_text(due)}）"
    return None


# 民诉法解释 第355条第1款 lists what a court refuses to accept for judicial confirmation (five items):
# - 第1项 not within the courts' remit: every dispute type here is a civil one; a labour agreement only as
#   劳动争议解释(一) 第52条 allows (a people's mediation committee, payment obligations only):
#   `labour_confirmation_scope`, as docs/legal-reference.md (v2 item 4) states the rule (whether 民事诉讼法
#   第205条 (2021) widened it is debated; the reference's reading is the one encoded);
# - 第2项 not this court's jurisdiction: `court_has_jurisdiction`;
# - 第3项 status (marriage, parent–child, adoption): `not_a_status_matter`;
# - 第4项 matters for other special procedures, 公示催告 or bankruptcy: nothing in a case's data says so (no
#   dispute type or agreement field names them), so it cannot be screened here; the court decides;
# - 第5项 ownership of property or IP (确权): `not_an_ownership_confirmation`.


@guard("民诉法解释 第355条第1款第3项：申请确认婚姻关系、亲子关系、收养关系等身份关系无效、有效或者解除的，裁定不予受理")
def not_a_status_matter(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """Judged on what the agreement decides, not on the dispute type: the case flagged `status_matter`, or
    an agreement that says it decides status (refs["agreement_decides_status"]). A family agreement on
    maintenance or support payments alone is confirmable."""
    if case.status_matter or case.refs.get("agreement_decides_status"):
        return "该调解协议涉及婚姻、亲子或收养等身份关系的确认或解除，不能申请司法确认"
    return None


@guard("人民调解法 第29条、第33条：申请司法确认的应为书面调解协议")
def written_agreement(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """Only a written agreement (调解协议书) can be taken to court for confirmation."""
    if case.agreement_form != "written":
        return "口头调解协议不能申请司法确认，请先制作书面调解协议书"
    return None


@guard(
    "民事诉讼法 第205条：委派调解的向作出邀请的人民法院提出；其他向当事人住所地、标的物所在地、调解组织所在地的基层人民法院提出"
    "（纠纷应由中级人民法院管辖的，向相应的中级人民法院提出）；民诉法解释 第355条第1款第2项：不属于收到申请的人民法院管辖的，裁定不予受理"
)
def court_has_jurisdiction(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """The named court must be one of the competent courts the engine resolved (refs["competent_courts"]:
    [(code, name), …], computed by workflows.jurisdiction from the case, its parties and its organization)."""
    competent = case.refs.get("competent_courts")
    if competent is None:  # not resolved (a snapshot built outside the engine): nothing to check against
        return None
    chosen = payload.get("court_code")
    codes = [code for code, _ in competent]
    if chosen in codes:
        return None
    if not codes:
        return f"{chosen} 对本案没有管辖权，且本系统未登记有管辖权的人民法院"
    right = "、".join(f"{name}（{code}）" for code, name in competent)
    return f"{chosen} 对本案没有管辖权，应向下列人民法院申请：{right}"


@guard("民诉法解释 第355条第1款第5项：调解协议内容涉及物权、知识产权确权的，裁定不予受理")
def not_an_ownership_confirmation(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """An agreement confirming who owns property or an IP right (确权) cannot be judicially confirmed
    (refs["ownership_confirmation"]: the agreement's flag, or its wording, found by the engine)."""
    if case.refs.get("ownership_confirmation"):
        return "该调解协议涉及物权或知识产权确权，不能申请司法确认"
    return None


# --- arbitration and litigation -------------------------------------------------------------


@guard("仲裁法 第3条、第4条；劳动争议调解仲裁法 第5条；农村土地承包经营纠纷调解仲裁法 第4条")
def arbitrable(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """Whether this dispute type may go to arbitration at all, and on what condition."""
    remedies = REMEDIES[case.dispute_type]
    if remedies.arbitration is ArbitrationRemedy.NEVER:
        return f"该类纠纷不能仲裁：{remedies.arbitration_basis}"
    if remedies.arbitration is ArbitrationRemedy.AGREEMENT and not case.arbitration_agreement:
        return f"当事人之间没有书面仲裁协议，不能申请仲裁：{remedies.arbitration_basis}"
    return None


@guard("劳动争议调解仲裁法 第5条；农村土地承包经营纠纷调解仲裁法 第2条；仲裁法 第10条")
def arbitration_body_competent(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """The named body must be the kind of arbitration body that hears this type of dispute."""
    expected = REMEDIES[case.dispute_type].arbitration_body_kind
    got = case.refs.get("body_kind")
    if expected is not None and got != expected:
        return f"仲裁机构类型不符：该类纠纷应由 {expected} 受理，所选机构为 {got}"
    return None


@guard(LAND_REQUISITION_BASIS)
def not_land_requisition(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """A land-requisition (征地补偿) dispute is outside land-contract arbitration: the land arbitration
    committee (refs["body_kind"], or the type's own body when not resolved) cannot hear it."""
    body = case.refs.get("body_kind") or REMEDIES[case.dispute_type].arbitration_body_kind
    if case.land_requisition and body == OrgKind.LAND_ARBITRATION:
        return "征地补偿纠纷不属于农村土地承包仲裁委员会的受理范围，不能申请农村土地承包经营纠纷仲裁，可以通过行政复议或者诉讼等方式解决"
    return None


@guard("劳动争议调解仲裁法 第5条、第29条、第43条、第48条至第50条；劳动争议解释(一) 第51条：劳动争议仲裁前置")
def labour_litigation_grounds(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """A labour dispute goes to court only on a ground the law gives (states/labour.py; refs["labour"]:
    the arbitration record, its clocks, the court's level and the agreement, resolved by the engine)."""
    remedies = REMEDIES[case.dispute_type]
    facts = case.refs.get("labour")
    if remedies.arbitration is not ArbitrationRemedy.MANDATORY or facts is None:
        return None
    return labour.litigation_refusal(case.state, facts, now)


@guard("劳动争议调解仲裁法 第15条：调解协议不履行的，另一方当事人可以依法申请仲裁")
def unperformed_agreement_only(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """From an agreement, arbitration only where a rule sends an unperformed agreement there (labour),
    and only once its period of performance has passed (refs["labour"]["overdue"])."""
    if case.state is not State.AGREEMENT:
        return None
    basis = REMEDIES[case.dispute_type].unperformed_agreement_arbitration
    if basis is None:
        return "已达成调解协议的，除劳动争议调解协议不履行外，不能申请仲裁；协议不履行的可以向人民法院起诉（人民调解法 第32条）"
    facts = case.refs.get("labour")
    return None if facts is None else labour.agreement_arbitration_refusal(facts)


@guard("劳动争议解释(一) 第52条：人民调解委员会主持下仅就给付义务达成的劳动争议调解协议可以申请司法确认")
def labour_confirmation_scope(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """Where a dispute type restricts judicial confirmation (labour), the agreement's organization and
    obligations must fit (refs["agreement_org_kind"], refs["agreement"])."""
    remedies = REMEDIES[case.dispute_type]
    if remedies.confirmation_org_kinds is None or "agreement" not in case.refs:
        return None
    kinds = frozenset(str(k) for k in remedies.confirmation_org_kinds)
    return labour.confirmation_refusal(case.refs.get("agreement_org_kind"), kinds, case.refs["agreement"])


# --- arbitration record ------------------------------------------------------------------------


@guard("劳动争议调解仲裁法 第29条：仲裁委员会收到仲裁申请之日起五日内决定受理或者不予受理")
def acceptance_undecided(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """The body decides on acceptance once (refs["arbitration"]: the case's arbitration record)."""
    record = case.refs.get("arbitration") or {}
    if record.get("accepted_on"):
        return f"仲裁委员会已于{record['accepted_on']}受理本案"
    if record.get("not_accepted"):
        return f"仲裁委员会已于{record['not_accepted'].get('decided_on')}决定不予受理"
    return None


@guard("劳动争议调解仲裁法 第29条、第43条；农村土地承包经营纠纷调解仲裁法 第47条：仲裁委员会受理后由仲裁庭作出裁决")
def award_possible(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """An award once, and never after the body refused the application."""
    record = case.refs.get("arbitration") or {}
    if record.get("not_accepted"):
        return "仲裁委员会已决定不予受理，不会作出仲裁裁决"
    if record.get("award"):
        return f"本案已登记仲裁裁决（{record['award'].get('award_no')}）"
    return None


def _extension_refusal(clock: Mapping[str, Any] | None, days: Any, what: str) -> str | None:
    """An extension needs the clock running; where the law (or, where it sets none, the centre's rule:
    `cap_basis`) caps extensions, their total within it, the days still allowed named."""
    if clock is None:
        return None
    if not clock.get("open"):
        return f"{what}未在计算中（尚未开始或者已经届满），不能延长"
    cap, used, unit = clock.get("cap"), clock.get("extended", 0), clock.get("unit", "日")
    if cap is not None and isinstance(days, int) and used + days > cap:
        source = f"（{clock['cap_basis']}）" if clock.get("cap_basis") else ""
        left = max(0, cap - used)
        return f"{what}延长合计不得超过{cap}{unit}{source}：已延长{used}{unit}，尚可延长{left}{unit}"
    return None


@guard(
    "劳动争议调解仲裁法 第43条；农村土地承包经营纠纷调解仲裁法 第47条：经仲裁委员会主任批准可以延期，并书面通知当事人"
)
def award_extension_allowed(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """refs["award_clock"]: {"open", "cap", "extended"} of the award clock."""
    return _extension_refusal(case.refs.get("award_clock"), payload.get("days"), "仲裁裁决期限")


# --- the confirmation application and the court's handling of it --------------------------------


@guard("民诉法解释 第351条；人民调解法 第33条：双方当事人本人或者经特别授权的委托代理人共同提出申请")
def joint_application_complete(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """Every obligor and obligee of the agreement signs the application or is represented by an agent
    with special authority; a mediation organization is never such an agent (refs["joint"]: the
    parties who must apply, those who signed, and the agents, resolved by the engine)."""
    joint = case.refs.get("joint")
    if joint is None:
        return None
    for agent in joint["agents"]:
        if agent["mediation_org"]:
            return f"调解组织（{agent['name']}）不能作为当事人的委托代理人申请司法确认"
    represented = {a["party"] for a in joint["agents"] if a["special"]}
    general = {a["party"] for a in joint["agents"] if not a["special"]}
    missing = [(pos, name) for pos, name in joint["required"] if pos not in joint["signed"] and pos not in represented]
    if not missing:
        return None
    names = "、".join(name for _, name in missing)
    if joint.get("online_only"):  # no paper application: the parties sign through the portal
        return f"{names} 尚未在线签署司法确认申请，也未提交书面共同申请书"
    if any(pos in general for pos, _ in missing):
        return f"{names} 未本人签名，其委托代理人未经特别授权，不能代为申请司法确认"
    return f"{names} 未在共同申请书上签名，也未委托经特别授权的代理人，不能申请司法确认"


@guard("民诉法解释 第355条第1款第2项：不属于收到申请的人民法院管辖的，裁定不予受理，当事人可以向有管辖权的人民法院申请")
def rejected_for_jurisdiction(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """Re-applying to another court only after a refusal for lack of jurisdiction (refs["rejection"]:
    the kind of the last refusal and the court that made it)."""
    rejection = case.refs.get("rejection")
    if rejection is None:
        return None
    if rejection.get("kind") != RejectionKind.JURISDICTION:
        return (
            "原申请并非因管辖被驳回：可以重新调解或者向人民法院提起诉讼（民事诉讼法 第206条），不能改向其他法院申请确认"
        )
    if payload.get("court_code") == rejection.get("court_code"):
        return f"{rejection.get('court_code')} 已以不属于本院管辖为由不予受理，应向其他有管辖权的人民法院申请"
    return None


@guard("民事诉讼法 第187条：特别程序案件自立案之日起三十日内审结；有特殊情况需要延长的，由本院院长批准")
def court_extension_allowed(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """refs["court_clock"]: {"open", "cap", "extended"} of the court's decision clock."""
    return _extension_refusal(case.refs.get("court_clock"), payload.get("days"), "司法确认审查期限")


# --- clocks ------------------------------------------------------------


@guard("医疗纠纷预防和处理条例 第38条；人民法院在线调解规则 第26条：鉴定期间不计入调解期限")
def clock_running(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """Only a running mediation clock can be paused."""
    if case.clock != "running":
        return "调解期限当前未在计算中，无法暂停"
    return None


@guard("医疗纠纷预防和处理条例 第38条；人民法院在线调解规则 第26条：鉴定期间不计入调解期限")
def clock_paused(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """Only a paused mediation clock can be resumed."""
    if case.clock != "paused":
        return "调解期限未暂停，无需恢复"
    return None


@guard("特邀调解规定 第27条；医疗纠纷预防和处理条例 第38条：经双方当事人同意可以延长调解期限，延长合计以其上限为限")
def mediation_extension_within_cap(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """refs["mediation_clock"]: {"open", "cap", "extended", "unit", "cap_basis"} of the mediation clock: the
    days of its unit extensions added so far and the most its profile allows in total (a paused clock is
    extended too)."""
    return _extension_refusal(case.refs.get("mediation_clock"), payload.get("days"), "调解期限")


@guard("特邀调解规定 第27条；宁波市人民调解条例 第27条：经双方当事人同意可以延长调解期限")
def mediation_clock_exists(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """An extension needs a mediation clock to extend."""
    if case.clock is None:
        return "本案没有正在计算的调解期限"
    return None


# --- conditions choosing between a row's destinations (not guards: they refuse nothing) ---------------

Condition = Callable[[CaseSnapshot], bool]
CONDITIONS: dict[str, Condition] = {
    # The engine found an organization up the parent chain that can take the case.
    "next_level_found": lambda case: case.has_next_level,
    # There is none (the top, or every level above has passed the case on): back to intake, flagged
    # for the supervisor (一站式矛调中心 矛盾不上交、逐级调处).
    "escalation_exhausted": lambda case: not case.has_next_level,
}


def evaluate(names: tuple[str, ...], case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> list[Verdict]:
    return [GUARDS[n](case, payload, now) for n in names]
