"""What a party does on its case in the portal (/p/case/…), once a one-time code proved its phone
(`api.portal.session.current` with a case): sign the joint application for judicial confirmation after
reading the agreement (`sign_joint_application`), and rate the handling after closing (`record_followup`).

Each action goes through the engine's one write path as `workflows.access.party_actor(case, position)` —
the audit log names `party:<position>` — for every position the session proved. Without a case session a
page sends the party to /p/ (the lookup). Forms carry a double-submit CSRF token (api/portal/csrf.py).
No script; Chinese; no internal codes on the page."""

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.datastructures import FormData

from api.deps import SessionDep, SettingsDep
from api.errors import status_for
from api.portal import csrf
from api.portal.session import PartySession, current
from api.web.page import templates
from documents.amounts import in_capitals, in_figures
from models.settings import Settings
from models.tables import Case, Party
from states.enums import State, Trigger
from states.labels import STATE_LABELS
from workflows.access import party_actor
from workflows.engine import fire
from workflows.errors import GuardRefused, JiefenError
from workflows.stages import portal

router = APIRouter(prefix="/p/case", include_in_schema=False)

LOOKUP = "/p/"
SATISFACTION = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
NOT_FOUND = "未找到该案件，或您的验证已失效，请重新查询。"


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _session_case(request: Request, settings: Settings) -> PartySession | None:
    party = current(request, settings)
    return party if party is not None and party.case_id is not None and party.positions else None


def _page(request: Request, settings: Settings, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A portal page with the browser's CSRF token in its forms and in its cookie."""
    token = csrf.token(request)
    response = templates.TemplateResponse(
        request, name, {"csrf": token, "state_labels": STATE_LABELS, **context}, status_code=status_code
    )
    csrf.attach(response, settings, token)
    response.headers["Cache-Control"] = "no-store"  # the agreement and the party's names: never in a shared cache
    return response


def _message(request: Request, settings: Settings, title: str, message: str, status_code: int) -> HTMLResponse:
    return _page(
        request, settings, "portal/message.html", status_code, title=title, message=message, error=status_code >= 400
    )


def _load(session: Session, party: PartySession) -> tuple[Case, list[Party]] | None:
    case = session.get(Case, party.case_id)
    if case is None:
        return None
    parties = list(session.exec(select(Party).where(Party.case_id == case.id).order_by(col(Party.position))))
    return case, parties


def _agreement(case: Case, parties: list[Party]) -> dict[str, Any]:
    """The agreement in plain words: who does what for whom, amounts in figures and in capitals."""
    agreement = case.agreement or {}
    names = {p.position: p.name for p in parties}
    obligations = []
    for ob in agreement.get("obligations") or []:
        amount = ob.get("amount")
        obligations.append(
            {
                "obligor": names.get(ob["obligor"], "一方当事人"),
                "obligee": names.get(ob["obligee"], "一方当事人"),
                "description": ob.get("description", ""),
                "figures": in_figures(amount) if amount is not None else None,
                "capitals": in_capitals(amount) if amount is not None else None,
                "due": _cn(date.fromisoformat(ob["due_date"])) if ob.get("due_date") else None,
                "place": ob.get("place"),
            }
        )
    return {
        "facts": agreement.get("facts", ""),
        "liability": agreement.get("liability", ""),
        "obligations": obligations,
    }


def _signers(case: Case, parties: list[Party], party: PartySession) -> list[dict[str, Any]]:
    """The session's parties the agreement binds, each with the day it signed online (if it did)."""
    bound = set(portal.bound_positions(case.agreement))
    signed = portal.signatures(case)
    return [
        {
            "position": p.position,
            "name": p.name,
            "signed_on": _cn(date.fromisoformat(signed[p.position]["signed_on"])) if p.position in signed else None,
        }
        for p in parties
        if p.position in party.positions and p.position in bound
    ]


def _same_case(form: Any, party: PartySession) -> bool:
    """The form names the case the page showed; a session for another case never acts on this one."""
    try:
        return uuid.UUID(str(form.get("case", ""))) == party.case_id
    except ValueError:
        return False


async def _posted(request: Request, settings: Settings) -> tuple[PartySession, FormData] | Response:
    """A form posted on a case page: the party's session and the form, or the answer that refuses it (no
    session: to the lookup; a CSRF token not the cookie's: 403; a form naming another case: 404)."""
    party = _session_case(request, settings)
    if party is None:
        return RedirectResponse(LOOKUP, status_code=303)
    form = await request.form()
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return _message(request, settings, "请求已被拒绝", "页面已过期，请返回重新打开后再提交。", 403)
    if not _same_case(form, party):
        return _message(request, settings, "未找到案件", NOT_FOUND, 404)
    return party, form


# --- the joint application ----------------------------------------------------------------------------


@router.get("/sign", response_model=None)
def sign_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    party = _session_case(request, settings)
    if party is None:
        return RedirectResponse(LOOKUP, status_code=303)
    return _sign_view(request, session, settings, party)


def _sign_view(
    request: Request, session: Session, settings: Settings, party: PartySession, error: str = "", status_code: int = 200
) -> Response:
    loaded = _load(session, party)
    if loaded is None:
        return _message(request, settings, "未找到案件", NOT_FOUND, 404)
    case, parties = loaded
    if case.state != State.AGREEMENT:
        label = STATE_LABELS.get(State(case.state), case.state)
        text = f"案件目前处于“{label}”阶段，不能在线签署司法确认申请。达成调解协议后方可签署。"
        return _message(request, settings, "暂不能签署", text, 409)
    signers = _signers(case, parties, party)
    if not signers:
        text = "您不是本案调解协议的义务人或权利人，无需签署司法确认申请。"
        return _message(request, settings, "无需签署", text, 409)
    return _page(
        request,
        settings,
        "portal/sign.html",
        status_code,
        case=case,
        agreement=_agreement(case, parties),
        signers=signers,
        pending=[s for s in signers if not s["signed_on"]],
        error=error,
    )


@router.post("/sign", response_model=None)
async def sign(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    posted = await _posted(request, settings)
    if isinstance(posted, Response):
        return posted
    party, form = posted
    if form.get("confirm") != "yes":
        text = "请先勾选“我已阅读调解协议，同意共同申请司法确认”。"
        return _sign_view(request, session, settings, party, text, 422)
    loaded = _load(session, party)
    if loaded is None:
        return _message(request, settings, "未找到案件", NOT_FOUND, 404)
    case, parties = loaded
    assert party.case_id is not None
    for signer in _signers(case, parties, party):
        if signer["signed_on"]:
            continue
        try:
            fire(
                session,
                case_id=party.case_id,
                trigger=Trigger.SIGN_JOINT_APPLICATION,
                actor=party_actor(party.case_id, signer["position"]),
                payload={},
            )
        except JiefenError as e:
            return _sign_view(request, session, settings, party, e.detail, status_for(e))
    return RedirectResponse("/p/case/sign", status_code=303)


# --- 回访 --------------------------------------------------------------------------------------------------


@router.get("/followup", response_model=None)
def followup_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    party = _session_case(request, settings)
    if party is None:
        return RedirectResponse(LOOKUP, status_code=303)
    return _followup_view(request, session, settings, party)


def _followup_view(
    request: Request,
    session: Session,
    settings: Settings,
    party: PartySession,
    error: str = "",
    status_code: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    loaded = _load(session, party)
    if loaded is None:
        return _message(request, settings, "未找到案件", NOT_FOUND, 404)
    case, _ = loaded
    if case.state != State.CLOSED:
        return _message(request, settings, "暂不能评价", "案件办结后方可提交回访评价。", 409)
    return _page(
        request,
        settings,
        "portal/followup.html",
        status_code,
        case=case,
        choices=SATISFACTION,
        error=error,
        typed=typed or {},
    )


@router.post("/followup", response_model=None)
async def followup(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    posted = await _posted(request, settings)
    if isinstance(posted, Response):
        return posted
    party, form = posted
    typed = {k: str(form.get(k, ""))[:500] for k in ("satisfaction", "performed", "note")}
    if typed["satisfaction"] not in {str(n) for n in SATISFACTION}:
        return _followup_view(request, session, settings, party, "满意度：请选择 1 至 5 分。", 422, typed)
    if typed["performed"] not in ("yes", "no"):
        return _followup_view(request, session, settings, party, "履行情况：请选择协议是否已履行。", 422, typed)
    payload: dict[str, Any] = {"satisfaction": int(typed["satisfaction"]), "performed": typed["performed"] == "yes"}
    if typed["note"].strip():
        payload["note"] = typed["note"].strip()
    assert party.case_id is not None
    recorded, refused = 0, ""
    for position in party.positions:
        try:
            fire(
                session,
                case_id=party.case_id,
                trigger=Trigger.RECORD_FOLLOWUP,
                actor=party_actor(party.case_id, position),
                payload=payload,
            )
            recorded += 1
        except GuardRefused as e:  # this party rated already
            refused = e.detail
        except JiefenError as e:
            return _followup_view(request, session, settings, party, e.detail, status_for(e), typed)
    if not recorded:
        return _followup_view(request, session, settings, party, refused, 409, typed)
    return _message(request, settings, "评价已提交", "感谢您的评价！调解中心将据此改进工作。", 200)
