"""`jiefen simulate`: a province-year of cases written through the engine's own write path.

Every case is opened by intake (`workflows.intake.open_case`), moved by `engine.fire` and timed out by
the deadline sweep (`workflows.clocks.sweep.sweep`), all on a simulated clock (`now=` on every call,
never the wall clock), so every audit chain verifies exactly as a real centre's would.

The organizations come from the demo seed (models/seed/demo.yaml) copied once per real county of the
region (python-stdnum's GB/T 2260 list): the same tree of committees, the county court, the labour
and land arbitration bodies, the city's medical committee and arbitration commission. Parties are
synthetic: names "张某甲"-style (姓 + 某 + a serial), identity numbers with a valid check digit and a
real county code but generated from the seed; they are never printed.

Deterministic for a seed: case i draws everything from its own generator (`seed`, i), so the same
seed gives the same case numbers, triggers, payloads and times whatever the batch size. (Row ids are
uuid4, as intake makes them.)

Batch mode: the cases' steps run in time order, `batch` steps to a transaction (the engine joins the
caller's transaction when the session is bound to a connection holding one); the sweep runs between
days, as the nightly flow would, in its own transactions.
"""

import heapq
import inspect
import random
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import yaml
from pydantic import ValidationError
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session
from stdnum import numdb
from stdnum.cn import ric

from models.rows import CaseRow
from models.schemas import CaseCreate
from models.seed.loader import load_seed
from models.settings import get_settings
from models.tables import Case, Deadline, Mediator, Organization
from states.enums import Role, State, Trigger
from workflows.access import Actor
from workflows.clocks import sweep as sweeping
from workflows.clocks.calendar import LegalCalendar, calendar_for
from workflows.engine.transition import fire_locked
from workflows.engine.write import lock_case_and_clocks
from workflows.errors import JiefenError
from workflows.intake import open_case

DEMO_SEED = Path(__file__).resolve().parent.parent / "models" / "seed" / "demo.yaml"
DEMO_COUNTY, DEMO_CITY = "330106", "3301"

# --- the mix (shares in per cent; a large eastern province's one-stop centres, order of magnitude) ------

DISPUTE_MIX = {
    "neighbour": 18,
    "family": 15,
    "labour": 14,
    "contract": 12,
    "property": 10,
    "traffic": 8,
    "consumer": 7,
    "other": 5,
    "land_contract": 4,
    "commercial": 4,
    "medical": 3,
}
CHANNEL_MIX = {"window": 38, "grid": 20, "online": 16, "hotline": 10, "police": 8, "court_referral": 5, "petition": 3}
WEEKEND_CHANNELS = frozenset({"online", "hotline", "grid", "police"})
# Months: more before the Spring Festival (wages, debts) and in summer (neighbours, traffic).
MONTH_WEIGHT = (12, 7, 9, 8, 8, 9, 9, 9, 8, 7, 8, 11)

# Per type: (agreement, failed, withdrawn, no action until the clock fires) in per cent of mediated cases,
# and the mediation's median length in working days.
OUTCOMES: dict[str, tuple[tuple[int, int, int, int], int]] = {
    "neighbour": ((78, 12, 7, 3), 6),
    "family": ((70, 17, 10, 3), 9),
    "labour": ((62, 24, 6, 8), 8),
    "contract": ((60, 27, 8, 5), 10),
    "property": ((68, 20, 8, 4), 9),
    "traffic": ((75, 18, 4, 3), 7),
    "consumer": ((72, 16, 9, 3), 5),
    "other": ((70, 18, 8, 4), 8),
    "land_contract": ((58, 28, 7, 7), 12),
    "commercial": ((55, 30, 8, 7), 14),
    "medical": ((52, 28, 6, 14), 20),
}
CONFIRMATION_SHARE = 22  # per cent of agreements taken to the court for judicial confirmation
REJECT_AT_INTAKE, TRANSFER_AT_INTAKE, UNACCEPTED = 2, 2, 3  # per cent
ARBITRABLE_BY_AGREEMENT = frozenset({"contract", "commercial", "consumer", "property", "traffic", "other"})

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
SERIAL = "甲乙丙丁戊己庚辛壬癸"
ORG_SUFFIX = ("有限公司", "科技有限公司", "商贸有限公司", "建筑工程有限公司", "物业服务有限公司")


# --- the organizations of a region -------------------------------------------------------------------


class SimulateError(ValueError):
    """A region or year the simulation cannot run: its message names no party."""


@dataclass(frozen=True, slots=True)
class County:
    code: str
    name: str
    city: str  # the city's name


_OPEN_ENDED = re.compile(r"\[(\d{4})?-\]([^,\[]+)$")


def _current_name(raw: str) -> str | None:
    """stdnum's "[1983-]西湖区" / "桐庐县" / "[1985-1986]滨海区,[1987-]北仑区": the name in use now, or None
    for a county that no longer exists."""
    last = raw.split(",")[-1]
    if "[" not in last:
        return last
    m = _OPEN_ENDED.match(last)
    return m.group(2) if m else None


def counties_in(region: str) -> list[County]:
    """The counties in use (GB/T 2260, python-stdnum's list) inside `region`: a province (33 or 330000),
    a city (3301 or 330100) or a county (330106)."""
    prefix = region
    if len(region) == 6 and region.endswith("0000"):
        prefix = region[:2]
    elif len(region) == 6 and region.endswith("00"):
        prefix = region[:4]
    if len(prefix) not in (2, 4, 6) or not prefix.isdigit():
        raise SimulateError(f"region {region!r}: a province, city or county code (33, 3301, 330106)")
    out = []
    for _, prov, _, _, cities in numdb.get("cn/loc").prefixes:
        if prov != prefix[:2]:
            continue
        city_names = {c[1][:2]: c[3].get("county", "") for c in cities if c[1].endswith("00")}
        for _, code, _, props, _ in cities:
            full = prov + code
            if not full.startswith(prefix) or code.endswith("00") or code.endswith("01") or code[2:] in ("20",):
                continue
            name = _current_name(props.get("county", ""))
            if not name or name in ("市辖区", "市区"):
                continue
            out.append(County(full, name, _current_name(city_names.get(code[:2], "")) or ""))
    if not out:
        raise SimulateError(f"region {region!r}: no county in use")
    return out


def _org_code(code: str, county: str) -> str:
    if code.startswith("CN-ZJ-XH-"):
        return f"SIM-{county}-{code.removeprefix('CN-ZJ-XH-')}"
    return f"SIM-{county[:4]}-{code.rsplit('-', 1)[-1]}"  # the city's: CN-ZJ-HZ-YTW, CN-HZ-ZCW


def _region(r: str, county: str) -> str:
    return county[:4] + "00" if r == DEMO_CITY + "00" else county + r[len(DEMO_COUNTY) :]


def seed_for(counties: list[County]) -> dict[str, Any]:
    """A seed (models/seed) with the demo centre's organizations, court and mediators in every county;
    no users (the simulation acts as named synthetic actors, `sim:…`)."""
    demo = yaml.safe_load(DEMO_SEED.read_text(encoding="utf-8"))
    orgs: dict[str, dict[str, Any]] = {}
    courts, mediators = [], []
    for c in counties:

        def rename(name: str, c: County = c) -> str:
            return name.replace("杭州市", c.city).replace("西湖区", c.name).replace("杭州", c.city.removesuffix("市"))

        for o in demo["organizations"]:
            code = _org_code(o["code"], c.code)
            if code in orgs:
                continue
            entry = {**o, "code": code, "name": rename(o["name"]), "region": _region(o["region"], c.code)}
            if "parent" in o:
                entry["parent"] = _org_code(o["parent"], c.code)
            if "invited_by" in o:
                entry["invited_by"] = [_org_code(x, c.code) for x in o["invited_by"]]
            orgs[code] = entry
        for o in demo["courts"]:
            courts.append(
                {**o, "code": _org_code(o["code"], c.code), "name": f"{c.city}{c.name}人民法院", "region": c.code}
            )
        for m in demo["mediators"]:
            mediators.append({**m, "code": f"M-{c.code}-{m['code'][2:]}", "org": _org_code(m["org"], c.code)})
    staffed = {m["org"] for m in mediators}
    for code, o in orgs.items():  # a committee the demo leaves without mediators (the city's) gets one on duty
        if o["kind"].endswith("_mediation") and code not in staffed:
            mediators.append(
                {"code": f"M-{code}", "name": "值班调解员", "org": code, "specialties": o["dispute_types"]}
            )
    return {"organizations": list(orgs.values()), "courts": courts, "mediators": mediators}


# --- synthetic parties ---------------------------------------------------------------------------------


def synthetic_id(rng: random.Random, county: str, year: int) -> str:
    """An 18-digit 居民身份证号 with a valid check digit, issued in `county`, born 18-80 years before `year`."""
    born = date(year - rng.randint(18, 80), 1, 1) + timedelta(days=rng.randint(0, 364))
    body = f"{county}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum's takes the number with a check digit


def synthetic_uscc(rng: random.Random, county: str) -> str:
    from stdnum.cn import uscc

    body = f"91{county}{rng.randint(0, 10**8):08d}"  # 9 1: an enterprise registered with the market regulator
    body = body[:8] + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc.calc_check_digit(body)


MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "182",
    "186",
    "187",
    "188",
    "189",
)


def _phone(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 10**8 - 1):08d}"


def _person(rng: random.Random, role: str, county: str, year: int) -> dict[str, Any]:
    return {
        "role": role,
        "kind": "person",
        "name": f"{rng.choice(SURNAMES)}某{rng.choice(SERIAL)}",
        "id_number": synthetic_id(rng, county, year),
        "phone": _phone(rng),
    }


def _company(rng: random.Random, county: str) -> dict[str, Any]:
    return {
        "role": "respondent",
        "kind": "organization",
        "name": f"模拟{rng.choice(SERIAL)}{rng.randint(1, 999)}{rng.choice(ORG_SUFFIX)}",
        "uscc": synthetic_uscc(rng, county),
        "legal_representative": f"{rng.choice(SURNAMES)}某",
    }


SUMMARIES = {
    "neighbour": "相邻通行、采光、漏水等相邻关系纠纷",
    "family": "婚姻家庭、赡养抚养纠纷",
    "labour": "拖欠工资、经济补偿等劳动争议",
    "contract": "买卖、借款等合同履行纠纷",
    "property": "物业服务费、公共维修纠纷",
    "traffic": "道路交通事故损害赔偿纠纷",
    "consumer": "商品质量、服务消费纠纷",
    "other": "其他民间纠纷",
    "land_contract": "农村土地承包经营纠纷",
    "commercial": "企业间商事纠纷",
    "medical": "医疗损害赔偿纠纷",
}


# --- one case's plan ------------------------------------------------------------------------------------


def _pick(rng: random.Random, mix: dict[str, int]) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


@dataclass(slots=True)
class Plan:
    """What happens to one case: drawn once from its own generator, carried out step by step."""

    index: int
    rng: random.Random
    county: str
    dispute_type: str
    channel: str
    outcome: str  # agreement | confirmed | failed | withdrawn | expired | rejected | transferred | unaccepted
    mediation_days: int
    case_id: uuid.UUID | None = None
    agreed_on: date | None = None
    steps: list[str] = field(default_factory=list)
    waited: bool = False


@dataclass(slots=True)
class Report:
    cases: int = 0
    events: int = 0
    timers: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


def _plan(seed: int, index: int, counties: list[County]) -> Plan:
    rng = random.Random(f"jiefen-simulate:{seed}:{index}")
    county = rng.choice(counties).code
    dispute_type = _pick(rng, DISPUTE_MIX)
    channel = _pick(rng, CHANNEL_MIX)
    shares, median = OUTCOMES[dispute_type]
    roll = rng.uniform(0, 100)
    if roll < REJECT_AT_INTAKE:
        outcome = "rejected"
    elif roll < REJECT_AT_INTAKE + TRANSFER_AT_INTAKE:
        outcome = "transferred"
    elif roll < REJECT_AT_INTAKE + TRANSFER_AT_INTAKE + UNACCEPTED:
        outcome = "unaccepted"
    else:
        outcome = rng.choices(("agreement", "failed", "withdrawn", "expired"), weights=shares)[0]
        if (
            outcome == "agreement"
            and rng.uniform(0, 100) < CONFIRMATION_SHARE
            and dispute_type not in ("family", "labour")
        ):
            outcome = "confirmed"
    # lognormal around the median, capped below the shortest statutory clock for the plans that end in time
    days = max(1, round(median * rng.lognormvariate(0, 0.5)))
    if dispute_type == "labour" or channel == "court_referral":
        days = min(days, 9)
    elif dispute_type == "medical":
        days = min(days, 27)
    return Plan(index, rng, county, dispute_type, channel, outcome, days)


# --- the simulation --------------------------------------------------------------------------------------


class Simulation:
    """The actors, the calendar and the clock of one run."""

    def __init__(self, engine: Engine, counties: list[County], year: int, seed: int) -> None:
        self.engine, self.counties, self.year, self.seed = engine, counties, year, seed
        self.tz: ZoneInfo = get_settings().tz
        with Session(engine) as s:
            self.calendar: LegalCalendar = calendar_for(s.connection())
            orgs = s.exec(sa.select(Organization.code, Organization.region, Organization.kind)).all()  # type: ignore[call-overload]
            meds = s.exec(sa.select(Mediator.code, Mediator.org_code)).all()  # type: ignore[call-overload]
        self.org_region = {code: region for code, region, _ in orgs}
        self.mediators: dict[str, list[str]] = {}
        for code, org in meds:
            self.mediators.setdefault(org, []).append(code)
        self.codes = {code for code, _, _ in orgs}

    # actors: named synthetic accounts (no user rows; the engine needs an Actor, not a login)
    def intake(self, county: str) -> Actor:
        return Actor(f"sim:window:{county}", Role.INTAKE, f"SIM-{county}-ZZZX", county)

    def mediator(self, org_code: str, rng: random.Random) -> Actor:
        codes: list[str | None] = list(self.mediators.get(org_code, [])) or [None]
        code = rng.choice(codes)
        return Actor(f"sim:mediator:{code or org_code}", Role.MEDIATOR, org_code, self.org_region.get(org_code), code)

    def court(self, court_code: str) -> Actor:
        return Actor(f"sim:court:{court_code}", Role.COURT, court_code, self.org_region.get(court_code))

    # time
    def working_day(self, day: date, ahead: int = 0) -> date:
        return self.calendar.add(day, ahead, working_days=True).last_day

    def office_time(self, day: date, rng: random.Random, *, after: datetime | None = None) -> datetime:
        at = datetime.combine(day, time(9), tzinfo=self.tz) + timedelta(minutes=rng.randint(0, 8 * 60 - 30))
        if after is not None and at <= after:
            at = after + timedelta(minutes=rng.randint(5, 90))
        return at


def arrivals(sim: Simulation, plan: Plan) -> datetime:
    """When the case comes in: a month by MONTH_WEIGHT, a day in it (working days, and weekends for the
    channels that never close), office hours."""
    rng = plan.rng
    month = rng.choices(range(1, 13), weights=MONTH_WEIGHT)[0]
    start = date(sim.year, month, 1)
    end = date(sim.year + (month == 12), month % 12 + 1, 1)
    day = start + timedelta(days=rng.randrange((end - start).days))
    if plan.channel not in WEEKEND_CHANNELS and not sim.calendar.is_working_day(day)[0]:
        day = sim.working_day(day, 0)
    return sim.office_time(day, rng)


def _case_body(sim: Simulation, plan: Plan) -> dict[str, Any]:
    rng, county, year = plan.rng, plan.county, sim.year
    applicant = _person(rng, "applicant", county, year)
    if plan.dispute_type in ("labour", "consumer", "commercial", "property") and rng.random() < 0.8:
        respondent = _company(rng, county)
    else:
        respondent = _person(rng, "respondent", county, year)
    body: dict[str, Any] = {
        "dispute_type": plan.dispute_type,
        "summary": SUMMARIES[plan.dispute_type],
        "channel": plan.channel,
        "region": county,
        "parties": [applicant, respondent],
        "claim_amount": f"{round(rng.lognormvariate(9.5, 1.0), -2):.2f}",
        "arbitration_agreement": plan.dispute_type in ARBITRABLE_BY_AGREEMENT and rng.random() < 0.3,
    }
    if plan.channel == "court_referral":
        body["referral"] = {"court_code": f"SIM-{county}-FY", "kind": "pre_filing"}
    return body


def _agreement(plan: Plan, signed: datetime, tz: ZoneInfo) -> dict[str, Any]:
    due = (signed.astimezone(tz).date() + timedelta(days=plan.rng.randint(7, 90))).isoformat()
    return {
        "facts": f"{SUMMARIES[plan.dispute_type]}，经调解双方查明事实。",
        "liability": "双方自愿协商，责任分担如下。",
        "obligations": [
            {
                "obligor": 1,
                "obligee": 0,
                "description": "支付款项",
                "amount": f"{round(plan.rng.lognormvariate(8.5, 1.0), -1):.2f}",
                "due_date": due,
            }
        ],
        "signed_at": signed.isoformat(),
    }


Step = tuple[Trigger, Actor, dict[str, Any]]
WAIT_DAYS = 60  # calendar days a plan that lets its clock run out waits before the case is looked at again


def next_step(
    sim: Simulation, plan: Plan, state: str, org_code: str | None, at: datetime
) -> tuple[int, Step | None] | None:
    """The case's next action from `state` and in how many working days (None: the case is done; a step of
    None: only look again after WAIT_DAYS calendar days, the clock having fired meanwhile). Decided by the
    plan and by what happened (plan.steps), so a clock that fired moves the plan along with the case."""
    rng, county = plan.rng, plan.county
    local = at.astimezone(sim.tz).date()
    court = f"SIM-{county}-FY"
    done = plan.steps
    intake = sim.intake(county)
    if state == State.INTAKE:
        if plan.outcome == "rejected":
            return 0, (Trigger.REJECT, intake, {"reason": "不属于人民调解受理范围"})
        if plan.outcome == "transferred":
            return rng.randint(0, 1), (
                Trigger.TRANSFER_OUT,
                intake,
                {"agency": "公安机关", "reason": "依法应由公安机关处理"},
            )
        if "divert" in done:  # back from an escalation nobody took: the parties give up
            return rng.randint(1, 3), (Trigger.WITHDRAW, intake, {"reason": "当事人撤回申请"})
        return 0, (Trigger.DIVERT, intake, {})
    med = sim.mediator(org_code, rng) if org_code else None
    if med is None:
        return None
    if state == State.DIVERSION:
        if plan.outcome == "unaccepted" and not plan.waited:
            return WAIT_DAYS // 6, None  # nobody accepts: the diversion clock (3 working days) escalates it
        return rng.randint(0, 2), (
            Trigger.ACCEPT,
            med,
            {"mediator_code": med.mediator_code} if med.mediator_code else {},
        )
    if state == State.MEDIATION:
        if plan.outcome == "expired" and not plan.waited:
            return WAIT_DAYS, None  # the mediation clock fires: failed (labour, medical, referral) or overdue
        days = rng.randint(1, 5) if plan.waited else plan.mediation_days
        if plan.outcome in ("failed", "expired"):
            return days, (Trigger.FAIL, med, {"reason": "双方分歧较大，调解不成"})
        if plan.outcome == "withdrawn":
            return max(1, days // 2), (Trigger.WITHDRAW, med, {"reason": "当事人自行和解，撤回调解申请"})
        return days, (Trigger.REACH_AGREEMENT, med, {})  # the agreement is written when it is signed
    if state == State.AGREEMENT:
        if plan.outcome == "confirmed" and "request_confirmation" not in done and plan.agreed_on:
            application = {"applicants": [0, 1], "signed_on": plan.agreed_on.isoformat()}
            payload = {"court_code": court, "joint_application": application}
            return rng.randint(1, 10), (Trigger.REQUEST_CONFIRMATION, med, payload)
        return rng.randint(5, 40), (Trigger.RECORD_FULFILMENT, med, {"note": "已按协议履行"})
    if state == State.JUDICIAL_CONFIRMATION:
        ruling = f"（{local.year}）模{county}民特{plan.index + 1}号"
        if rng.random() < 0.04:
            payload = {"ruling_no": ruling, "reason": "协议内容不明确", "reason_kind": "merits"}
            return rng.randint(3, 20), (Trigger.COURT_REJECT, sim.court(court), payload)
        return rng.randint(3, 20), (Trigger.COURT_CONFIRM, sim.court(court), {"ruling_no": ruling})
    if state == State.CONFIRMED:
        return rng.randint(5, 40), (Trigger.RECORD_FULFILMENT, med, {"note": "已按司法确认的协议履行"})
    if state == State.CONFIRMATION_REJECTED:
        return rng.randint(1, 10), (Trigger.REFER_LITIGATION, med, {"court_code": court})
    if state == State.FAILED:
        if plan.dispute_type == "labour":
            return rng.randint(1, 10), (Trigger.REFER_ARBITRATION, med, {"body_code": f"SIM-{county}-LDZC"})
        if plan.dispute_type == "land_contract" and rng.random() < 0.6:
            return rng.randint(1, 10), (Trigger.REFER_ARBITRATION, med, {"body_code": f"SIM-{county}-NTZC"})
        if rng.random() < 0.45:
            return rng.randint(1, 10), (Trigger.REFER_LITIGATION, med, {"court_code": court})
        return rng.randint(1, 10), (Trigger.CLOSE, med, {"reason": "调解不成，已告知当事人可依法申请仲裁或提起诉讼"})
    if state == State.ARBITRATION:
        if "arbitration_accepted" not in done:
            return rng.randint(3, 5), (Trigger.ARBITRATION_ACCEPTED, intake, {"accepted_on": "@today"})
        if "record_award" not in done:
            award = f"模仲案字〔{local.year}〕{plan.index + 1}号"
            return rng.randint(15, 40), (Trigger.RECORD_AWARD, intake, {"award_no": award, "received_on": "@today"})
        return rng.randint(10, 30), (
            Trigger.RECORD_OUTCOME,
            intake,
            {"outcome": "仲裁裁决已履行", "reference": "仲裁裁决书"},
        )
    if state == State.LITIGATION:
        return rng.randint(20, 90), (
            Trigger.RECORD_OUTCOME,
            intake,
            {"outcome": "法院已审结", "reference": "民事判决书"},
        )
    if (
        state == State.CLOSED
        and "record_followup" not in done
        and plan.outcome in ("agreement", "confirmed")
        and rng.random() < 0.3
    ):
        followup: dict[str, Any] = {"satisfaction": rng.randint(3, 5), "performed": True}
        return rng.randint(10, 30), (Trigger.RECORD_FOLLOWUP, med, followup)
    return None


# --- the run -------------------------------------------------------------------------------------------

CASES = Case.__table__  # type: ignore[attr-defined]
_STATE = sa.select(CASES.c.state, CASES.c.org_code).where(CASES.c.id == sa.bindparam("b_id"))


@dataclass(order=True, slots=True)
class Wake:
    at: datetime
    index: int
    serial: int
    state: str | None = field(compare=False, default=None)  # the state the step was planned from
    org_code: str | None = field(compare=False, default=None)
    step: Step | None = field(compare=False, default=None)


def _fire(
    conn: Connection, case_id: uuid.UUID, trigger: Trigger, actor: Actor, payload: dict[str, Any], now: datetime
) -> CaseRow:
    """`engine.fire` inside the batch's transaction: the same lock and body (`fire_locked`), the caller's
    transaction. A refusal is raised before the first write, so the batch goes on."""
    case, open_rows = lock_case_and_clocks(conn, case_id)
    return fire_locked(None, conn, case, trigger, actor, payload, None, now, open_rows=open_rows)


_DEADLINES = Deadline.__table__  # type: ignore[attr-defined]
_NEXT_DUE = sa.select(sa.func.min(_DEADLINES.c.due_at), sa.func.min(_DEADLINES.c.remind_at)).where(
    _DEADLINES.c.status == "pending"
)


def _sweep(engine: Engine, as_of: datetime) -> int:
    """The nightly sweep, as of `as_of`, its events dated `as_of` too (`now=` when the sweep takes it).
    Not run on a night when no pending deadline is due nor to be reminded of (it would find nothing): a
    read instead of its two write transactions."""
    with engine.connect() as conn:
        due, remind = conn.execute(_NEXT_DUE).one()
    if (due is None or due > as_of) and (remind is None or remind > as_of):
        return 0
    extra: dict[str, Any] = {"now": as_of} if "now" in inspect.signature(sweeping.sweep).parameters else {}
    return sweeping.sweep(engine, as_of=as_of, **extra).timers


def ensure_organizations(engine: Engine, counties: list[County]) -> None:
    with Session(engine, expire_on_commit=False) as s:
        load_seed(s, seed_for(counties))


def _arrival_plan(seed: int, index: int, counties: list[County]) -> Plan:
    plan = _plan(seed, index, counties)
    plan.rng = random.Random(f"jiefen-simulate:{seed}:{index}:steps")
    return plan


def simulate(
    engine: Engine,
    *,
    cases: int,
    region: str,
    year: int,
    seed: int = 1,
    batch: int = 200,
    workers: int = 1,
    progress: Callable[[Report, date, float], None] | None = None,
) -> Report:
    """Write `cases` cases of `year` in `region` through intake, the engine and the sweep; returns what was
    done. Dates stay inside `year` (the last sweep runs as of 00:30 on 1 January after it).

    `workers` > 1: that many processes, each writing the cases of its own counties (so that no two hold one
    case-number counter), in step day by day: each commits its day, then one of them runs the nightly sweep
    while the others wait. The same seed writes the same history whatever `workers` is."""
    import time as _time

    counties = counties_in(region)
    ensure_organizations(engine, counties)
    tz = get_settings().tz
    if datetime.combine(date(year + 1, 1, 1), time(0, 30), tzinfo=tz) > datetime.now(UTC):
        raise SimulateError(f"year {year}: a simulated history ends before today (the year before is the default)")
    started = _time.perf_counter()
    if workers <= 1:
        sim = Simulation(engine, counties, year, seed)
        report = _run_part(sim, range(cases), batch, lambda night: _sweep(engine, night), progress, started)
    else:
        report = _run_parallel(engine, counties, cases, year, seed, batch, workers, progress, started)
    report.seconds = _time.perf_counter() - started
    with Session(engine) as s:
        for st, n in s.exec(sa.select(CASES.c.state, sa.func.count()).group_by(CASES.c.state)).all():  # type: ignore[call-overload]
            report.states[st] = n
    return report


def describe(e: BaseException) -> str:
    """What a failure was, without its values: a database error's message may quote a party's row."""
    if isinstance(e, SimulateError):
        return str(e)
    code = getattr(getattr(e, "orig", None), "sqlstate", None)
    return f"{type(e).__name__}" + (f" (SQLSTATE {code})" if code else "")


def _run_parallel(
    engine: Engine,
    counties: list[County],
    cases: int,
    year: int,
    seed: int,
    batch: int,
    workers: int,
    progress: Callable[[Report, date, float], None] | None,
    started: float,
) -> Report:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(workers)
    shared = ctx.Array("q", 2 * workers + 1)  # per part: cases, events; then part 0's day of the year
    results = ctx.Queue()
    url = engine.url.render_as_string(hide_password=False)
    procs = [
        ctx.Process(
            target=_part_main,
            args=(url, counties, cases, year, seed, batch, part, workers, barrier, shared, results),
            daemon=True,
        )
        for part in range(workers)
    ]
    for p in procs:
        p.start()
    import queue as _queue
    import time as _time

    got: list[Any] = []
    while len(got) < workers:
        try:
            got.append(results.get(timeout=2.0))
        except _queue.Empty:
            if not all(p.is_alive() for p in procs) and results.empty():
                for p in procs:
                    p.terminate()
                raise SimulateError("a simulate worker died (see its error above)") from None
        if progress is not None:
            total = Report(cases=sum(shared[0 : 2 * workers : 2]), events=sum(shared[1 : 2 * workers : 2]))
            progress(total, date(year, 1, 1) + timedelta(days=shared[2 * workers]), _time.perf_counter() - started)
    for p in procs:
        p.join()
    failed = [g for g in got if isinstance(g, str)]
    if failed:
        raise SimulateError(failed[0])
    report = Report()
    for r in got:
        report.cases += r.cases
        report.events += r.events
        report.timers += r.timers
        report.refused.update(r.refused)
        report.outcomes.update(r.outcomes)
    return report


def _part_main(
    url: str,
    counties: list[County],
    cases: int,
    year: int,
    seed: int,
    batch: int,
    part: int,
    parts: int,
    barrier: Any,
    shared: Any,
    results: Any,
) -> None:
    """One worker of `simulate(workers=…)`: the cases of the counties whose place in the list is `part`
    modulo `parts`; the nightly sweep run by part 0 between two barriers."""
    import time as _time

    from models.db import make_engine

    engine = make_engine(url)
    mine = {c.code for i, c in enumerate(counties) if i % parts == part}
    try:
        sim = Simulation(engine, counties, year, seed)
        indices = [i for i in range(cases) if _plan(seed, i, counties).county in mine]

        def night_hook(night: datetime) -> int:
            barrier.wait(timeout=3600)
            n = _sweep(engine, night) if part == 0 else 0
            barrier.wait(timeout=3600)
            return n

        def note(r: Report, day: date, _elapsed: float) -> None:
            shared[2 * part], shared[2 * part + 1] = r.cases, r.events
            if part == 0:
                shared[2 * parts] = (day - date(year, 1, 1)).days

        report = _run_part(sim, indices, batch, night_hook, note, _time.perf_counter())
        results.put(report)
    except BaseException as e:  # noqa: BLE001 - reported by the parent; the other parts stop at the barrier
        barrier.abort()
        results.put(f"simulate worker {part}: {describe(e)}")
    finally:
        engine.dispose()


def _run_part(
    sim: Simulation,
    indices: Any,
    batch: int,
    night_hook: Callable[[datetime], int],
    progress: Callable[[Report, date, float], None] | None,
    started: float,
) -> Report:
    """The cases `indices` in time order, `batch` steps to a transaction, `night_hook(night)` (the sweep)
    at 00:30 of every night of the year, whether or not this part has anything to do that day."""
    import time as _time

    seed, counties, engine, year = sim.seed, sim.counties, sim.engine, sim.year
    report = Report()
    heap: list[Wake] = []
    for i in indices:
        heapq.heappush(heap, Wake(arrivals(sim, _plan(seed, i, counties)), i, 0))
    plans: dict[int, Plan] = {}
    end = datetime.combine(date(year + 1, 1, 1), time(0, 30), tzinfo=sim.tz)
    serial = 0
    night = datetime.combine(date(year, 1, 1), time(0, 30), tzinfo=sim.tz)  # the first sweep
    conn = engine.connect()
    from models.db import WRITE_OPTION

    conn.execution_options(**{WRITE_OPTION: True})
    pending = 0
    tx: sa.engine.RootTransaction | None = None
    last_note = started

    def commit() -> None:
        nonlocal tx, pending
        if tx is not None:
            tx.commit()
        pending, tx = 0, None

    def schedule(plan: Plan, state: str, org_code: str | None, at: datetime) -> None:
        nonlocal serial
        step = next_step(sim, plan, state, org_code, at)
        if step is None:
            plans.pop(plan.index, None)
            return
        days, action = step
        local = at.astimezone(sim.tz).date()
        if action is None:
            when = sim.office_time(local + timedelta(days=days), plan.rng)
            plan.waited = True
        elif days == 0:
            when = at + timedelta(minutes=plan.rng.randint(5, 120))
        else:
            when = sim.office_time(sim.working_day(local, days), plan.rng, after=at)
        if when >= end:
            plans.pop(plan.index, None)  # still open at the end of the year
            return
        serial += 1
        heapq.heappush(heap, Wake(when, plan.index, serial, state, org_code, action))

    try:
        while heap:
            wake = heapq.heappop(heap)
            while night <= wake.at:  # the nightly sweeps before this moment
                commit()
                report.timers += night_hook(night)
                night += timedelta(days=1)
            if tx is None:  # begun when there is something to write: the sweep has its own transactions
                tx = conn.begin()
            if wake.serial == 0:  # a new case
                plan = _arrival_plan(seed, wake.index, counties)
                try:
                    body = CaseCreate.model_validate(_case_body(sim, plan))
                except ValidationError as e:  # the generator's bug: say where, never the values
                    where = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
                    raise SimulateError(f"case {wake.index}: generated an invalid case ({where})") from None
                with Session(bind=conn, expire_on_commit=False) as session:  # joins the batch's transaction
                    case, _ = open_case(session, data=body, actor=sim.intake(plan.county), now=wake.at)
                plan.case_id = case.id
                plans[wake.index] = plan
                report.outcomes[plan.outcome] += 1
                report.cases += 1
                report.events += 1
                schedule(plan, case.state, case.org_code, wake.at)
            else:
                plan = plans[wake.index]
                state, org_code = conn.execute(_STATE, {"b_id": plan.case_id}).one()
                if wake.step is None or state != wake.state or org_code != wake.org_code:
                    schedule(plan, state, org_code, wake.at)  # a clock fired meanwhile: plan again from here
                else:
                    trigger, actor, payload = wake.step
                    local = wake.at.astimezone(sim.tz).date().isoformat()
                    payload = {k: (local if v == "@today" else v) for k, v in payload.items()}
                    if trigger is Trigger.REACH_AGREEMENT:
                        payload = _agreement(plan, wake.at, sim.tz)
                        plan.agreed_on = wake.at.astimezone(sim.tz).date()
                    try:
                        row = _fire(conn, plan.case_id, trigger, actor, payload, wake.at)  # type: ignore[arg-type]
                    except JiefenError as e:
                        report.refused[f"{trigger}: {type(e).__name__}"] += 1
                        plans.pop(plan.index, None)
                    else:
                        plan.steps.append(str(trigger))
                        report.events += 1
                        schedule(plan, row.state, row.org_code, wake.at)
            pending += 1
            if pending >= batch:
                commit()
            now = _time.perf_counter()
            if progress is not None and now - last_note >= 2.0:
                last_note = now
                progress(report, wake.at.astimezone(sim.tz).date(), now - started)
        commit()
        while night <= end:
            report.timers += night_hook(night)
            night += timedelta(days=1)
    finally:
        if tx is not None and tx.is_active:
            tx.rollback()
        conn.close()
    return report
