"""The joint application for judicial confirmation (民事诉讼法 第205条；人民调解法 第33条；民诉法解释
第351条): its shape (422 naming the field), what the guard `joint_application_complete` is shown, and
the record kept on the case (identity numbers whole, for the court) and in the audit log (masked).

    {"applicants": [0, 1], "signed_on": "2026-12-01",
     "agents": [{"party": 1, "name": "…", "id_number": "…", "authority": "special"}]}

`applicants` are the positions of the parties who signed; an agent acts for the party at `party`,
with special (特别授权) or general authority. Every applicant, and every party its agent represents, is a
申请人 in the application (never 被申请人).
"""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator

from models.fields import MAX_PARTIES, Name, PartyPosition, ReportedDate, validate_id_number
from models.privacy import mask_agents
from states.enums import MEDIATION_KINDS
from workflows.errors import PayloadInvalid
from workflows.stages.base import Context, Payload, aware

IdNumber = Annotated[str, AfterValidator(validate_id_number)]
AUTHORITIES = {"special": "特别授权", "general": "一般授权"}


class Agent(Payload):
    party: PartyPosition
    name: Name
    id_number: IdNumber
    authority: str

    @field_validator("authority")
    @classmethod
    def _authority(cls, v: str) -> str:
        if v not in AUTHORITIES:
            raise ValueError("代理权限只能是 special（特别授权）或 general（一般授权）")
        return v


class JointApplication(Payload):
    applicants: Annotated[list[PartyPosition], Field(min_length=1, max_length=MAX_PARTIES)]
    signed_on: ReportedDate  # from 1990-01-01 (resolve: not after today)
    agents: Annotated[list[Agent], Field(default_factory=list, max_length=MAX_PARTIES)]

    @field_validator("applicants")
    @classmethod
    def _once_each(cls, v: list[int]) -> list[int]:
        if len(set(v)) != len(v):
            raise ValueError("申请人序号不能重复")
        return v


def resolve(ctx: Context, app: JointApplication) -> None:
    """Check the application against the case (positions, dates: 422) and give the guard what it decides
    on (refs["joint"]): the parties bound by the agreement, who signed, and the agents."""
    field = "joint_application"
    parties = {p.position: p.name for p in ctx.parties()}
    top = len(parties) - 1
    for i, pos in enumerate(app.applicants):
        if pos not in parties:
            raise PayloadInvalid([field, "applicants", i], f"{field}.applicants[{i}]：当事人序号应在 0 至 {top} 之间")
    for i, agent in enumerate(app.agents):
        if agent.party not in parties:
            raise PayloadInvalid(
                [field, "agents", i, "party"], f"{field}.agents[{i}].party：当事人序号应在 0 至 {top} 之间"
            )
    today = ctx.deadlines.local_date(ctx.now)
    if app.signed_on > today:
        raise PayloadInvalid([field, "signed_on"], f"{field}.signed_on：申请书签署日期不能晚于今天")
    signed_at = (ctx.case.agreement or {}).get("signed_at")
    if signed_at and app.signed_on < ctx.deadlines.local_date(aware(datetime.fromisoformat(signed_at))):
        raise PayloadInvalid([field, "signed_on"], f"{field}.signed_on：申请书签署日期不能早于调解协议签订日期")
    bound = sorted(
        {o[side] for o in (ctx.case.agreement or {}).get("obligations") or [] for side in ("obligor", "obligee")}
    )
    names = {a.name for a in app.agents}
    mediation_orgs = {o.name for o in ctx.orgs().by_code.values() if o.name in names and o.kind in MEDIATION_KINDS}
    ctx.refs["joint"] = {
        "required": [(pos, parties.get(pos, f"当事人{pos}")) for pos in bound],
        "signed": set(app.applicants),
        "agents": [
            {
                "party": a.party,
                "name": a.name,
                "special": a.authority == "special",
                "mediation_org": a.name in mediation_orgs,
            }
            for a in app.agents
        ],
    }


def record(ctx: Context, app: JointApplication, court_code: str) -> dict[str, Any]:
    """The application as kept on the case (whole identity numbers) — `applicants` are every party that
    applies, by signature or through an agent; `signed` those who signed themselves."""
    represented = {a.party for a in app.agents if a.authority == "special"}
    return {
        "seq": ctx.case.event_seq + 1,
        "court_code": court_code,
        "applied_on": ctx.deadlines.local_date(ctx.now).isoformat(),
        "applicants": sorted(set(app.applicants) | represented),
        "signed": list(app.applicants),
        "signed_on": app.signed_on.isoformat(),
        "agents": [a.model_dump(mode="json") for a in app.agents],
    }


def masked(application: dict[str, Any]) -> dict[str, Any]:
    """What the audit log and every API response show of it: agents' identity numbers masked."""
    out: dict[str, Any] = mask_agents(application)
    return out
