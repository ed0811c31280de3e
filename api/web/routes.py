"""The web screens (网页端). Each page calls the same services as the API (workflows.queries,
intake, engine, supervision, reports) and renders them; no state checks, no commits here."""

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlmodel import select

from api.deps import SessionDep, SettingsDep
from api.errors import status_for
from api.security import verify_login
from api.web.session import (
    COOKIE,
    LOGIN_CSRF,
    check_csrf,
    check_login_csrf,
    new_login_csrf,
    session_token,
    web_user,
)
from documents.render import TITLES
from models.privacy import scrub
from models.schemas import CaseCreate, validate_id_number, validate_phone, validate_uscc
from models.tables import Mediator, Organization, User
from states.enums import DisputeType, Role, State
from states.labels import (
    CHANNEL_LABELS,
    DEADLINE_KIND_LABELS,
    DEADLINE_STATUS_LABELS,
    DISPUTE_TYPE_LABELS,
    EVENT_LABELS,
    PARTY_ROLE_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
)
from states.table import TABLE
from workflows import intake
from workflows.routing import replay as diversion
from workflows.read import documents as document_queries
from workflows.outbox import documents as documents_outbox
from workflows import engine
from workflows.read import queries
from workflows.read import reports
from workflows.read import supervision
from workflows.access import Actor, actor_for, get_visible_case
from workflows.errors import JiefenError
from workflows.routing.decide import decide
from workflows.routing.rules import active_rules
from workflows.validation import scrub_errors

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)

DOC_LABELS = dict(TITLES)
TRIGGER_LABELS = {str(r.trigger): r.label for r in TABLE} | EVENT_LABELS
# How each payload field is asked for on a form: (label, input kind). Presentation only.
FIELDS: dict[str, tuple[str, str]] = {
    "org_code": ("调解组织", "org"), "mediator_code": ("承办调解员", "mediator"), "reason": ("理由", "textarea"),
    "agency": ("移交机关", "text"), "days": ("延长天数", "number"), "consent": ("当事人同意延长", "checkbox"),
    "facts": ("纠纷事实", "textarea"), "liability": ("责任认定", "textarea"), "obligations": ("履行义务", "obligations"),
    "signed_at": ("签订时间", "datetime"), "form": ("协议形式", "form"),
    "ownership_confirmation": ("协议内容涉及物权或知识产权确权", "checkbox"), "court_code": ("人民法院", "court"),
    "ruling_no": ("裁定书文号", "text"), "body_code": ("仲裁机构代码", "text"), "outcome": ("处理结果", "text"),
    "reference": ("文书编号", "text"), "note": ("备注", "textarea"), "satisfaction": ("满意度（1–5）", "number"),
    "performed": ("协议已履行", "checkbox"),
}
HOME = {"intake": "/cases", "mediator": "/workbench", "court": "/court", "supervisor": "/supervision",
        "admin": "/supervision"}


def _tz(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.settings.tz


def _fmt_dt(value: Any, request: Request | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        from models.settings import get_settings
        return value.astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M")
    return str(value)


templates.env.filters["dt"] = _fmt_dt
templates.env.globals.update(STATE_LABELS={str(k): v for k, v in STATE_LABELS.items()},
                             TYPE_LABELS={str(k): v for k, v in DISPUTE_TYPE_LABELS.items()},
                             CHANNEL_LABELS=CHANNEL_LABELS, PARTY_ROLE_LABELS=PARTY_ROLE_LABELS,
                             ROLE_LABELS=ROLE_LABELS, DOC_LABELS=DOC_LABELS, TRIGGER_LABELS=TRIGGER_LABELS,
                             KIND_LABELS=DEADLINE_KIND_LABELS, DEADLINE_STATUS=DEADLINE_STATUS_LABELS, FIELDS=FIELDS)


class Ctx:
    """The signed-in user and the engine actor, for one request."""

    def __init__(self, request: Request, session: SessionDep, settings: SettingsDep) -> None:
        self.request, self.session, self.settings = request, session, settings
        self.user: User = web_user(request, session, settings)
        self.actor: Actor = actor_for(session, self.user)

    def render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(self.request, name, {"user": self.user, "actor": self.actor,
                                                                "csrf": self.request.state.csrf, **context},
                                          status_code=status_code)

    def refused(self, exc: JiefenError, title: str = "无法完成") -> HTMLResponse:
        return self.render("error.html", status_code=status_for(exc), title=title, message=scrub(exc.detail))


CtxDep = Annotated[Ctx, Depends(Ctx)]


# --- login ----------------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/", error: str | None = None) -> HTMLResponse:
    token = new_login_csrf()
    resp = templates.TemplateResponse(request, "login.html", {"user": None, "csrf": token, "next": _safe_next(next),
                                                               "error": error}, status_code=401 if error else 200)
    resp.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="lax", path="/login")
    return resp


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") and not target.startswith("/api") else "/"


@router.post("/login")
def login(request: Request, session: SessionDep, settings: SettingsDep,
          username: Annotated[str, Form(max_length=100)] = "", password: Annotated[str, Form(max_length=200)] = "",
          csrf: Annotated[str, Form(max_length=100)] = "", next: Annotated[str, Form(max_length=300)] = "/",
          ) -> Response:
    check_login_csrf(request, csrf)
    user = verify_login(session, username.strip(), password)
    if user is None:
        return login_page(request, next=next, error="用户名或密码错误")
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(COOKIE, session_token(settings, user), httponly=True, samesite="lax", path="/",
                    max_age=settings.token_minutes * 60, secure=request.url.scheme == "https")
    resp.delete_cookie(LOGIN_CSRF, path="/login")
    return resp


@router.post("/logout")
def logout(request: Request, settings: SettingsDep, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    check_csrf(request, settings, csrf)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


@router.get("/", response_class=HTMLResponse)
def home(ctx: CtxDep) -> Response:
    return RedirectResponse(HOME.get(str(ctx.user.role), "/cases"), status_code=303)


# --- validators as typed --------------------------------------------------------------------------------

CHECKS = {"id_number": validate_id_number, "uscc": validate_uscc, "phone": validate_phone}


@router.post("/check/{kind}")
def check_value(kind: str, ctx: CtxDep, value: Annotated[str, Form(max_length=100)] = "",
                csrf: Annotated[str, Form(max_length=100)] = "") -> JSONResponse:
    """One field checked by the validator the API uses. POST, so that an identity number never lands
    in a URL or an access log."""
    check_csrf(ctx.request, ctx.settings, csrf)
    check = CHECKS.get(kind)
    if check is None:
        return JSONResponse({"detail": "未知的校验项"}, status_code=404)
    if not value.strip():
        return JSONResponse({"ok": True, "message": ""})
    try:
        check(value[:40])
    except ValueError as exc:
        return JSONResponse({"ok": False, "message": str(exc)})
    return JSONResponse({"ok": True, "message": "格式正确"})


@router.post("/check-duplicates", response_class=HTMLResponse)
async def check_duplicates(ctx: CtxDep) -> HTMLResponse:
    """Possible duplicates of the case being typed, before it is saved: a fragment for the form."""
    raw = await ctx.request.form()
    check_csrf(ctx.request, ctx.settings, str(raw.get("csrf", "")))
    ids, usccs = [], []
    for i in range(200):
        value, kind = str(raw.get(f"p{i}_ident", ""))[:40], raw.get(f"p{i}_kind")
        if not value.strip():
            continue
        try:
            (usccs if kind == "organization" else ids).append(
                (validate_uscc if kind == "organization" else validate_id_number)(value))
        except ValueError:
            continue
    dispute_type = str(raw.get("dispute_type", ""))
    found = [] if dispute_type not in {str(t) for t in DisputeType} else diversion.duplicates_before_intake(
        ctx.session, actor=ctx.actor, dispute_type=dispute_type, id_numbers=ids, usccs=usccs)
    return ctx.render("_duplicates.html", duplicates=found)


# --- cases ----------------------------------------------------------------------------------------------


@router.get("/cases", response_class=HTMLResponse)
def case_list(ctx: CtxDep, q: str = "", state: str = "", overdue: bool = False) -> HTMLResponse:
    st = state if state in {str(s) for s in State} else None
    result = queries.list_cases(ctx.session, ctx.actor, queries.CaseFilters(q=q.strip()[:100] or None, state=st,
                                                                            overdue=overdue, limit=100))
    return ctx.render("cases.html", cases=result.data, count=result.count, q=q, state=st or "", overdue=overdue,
                      now=datetime.now(UTC))


def _blank_party(role: str) -> dict[str, str]:
    return {"role": role, "kind": "person", "name": "", "ident": "", "phone": "", "address": ""}


@router.get("/cases/new", response_class=HTMLResponse)
def new_case(ctx: CtxDep) -> HTMLResponse:
    form = {"dispute_type": "", "channel": "window", "region": ctx.actor.org_region or "", "summary": "",
            "claim_amount": "", "occurred_on": "", "arbitration_agreement": False, "status_matter": False,
            "parties": [_blank_party("applicant"), _blank_party("respondent")], "key": str(uuid.uuid4())}
    return ctx.render("new_case.html", form=form, errors=[])


@router.post("/cases/new", response_class=HTMLResponse)
async def create_case(ctx: CtxDep) -> Response:
    raw = await ctx.request.form()
    check_csrf(ctx.request, ctx.settings, str(raw.get("csrf", "")))
    parties = []
    for i in range(200):
        if f"p{i}_name" not in raw:
            continue
        p = {k: str(raw.get(f"p{i}_{k}", "")).strip() for k in ("role", "kind", "name", "ident", "phone", "address")}
        parties.append(p)
    form = {k: str(raw.get(k, "")).strip() for k in ("dispute_type", "channel", "region", "summary", "claim_amount",
                                                      "occurred_on", "key")}
    form |= {"arbitration_agreement": raw.get("arbitration_agreement") == "on",
             "status_matter": raw.get("status_matter") == "on", "parties": parties}
    body: dict[str, Any] = {k: form[k] for k in ("dispute_type", "channel", "region", "summary") if form[k]}
    for k in ("claim_amount", "occurred_on"):
        if form[k]:
            body[k] = form[k]
    body["arbitration_agreement"] = form["arbitration_agreement"]
    body["status_matter"] = form["status_matter"]
    body["parties"] = []
    for p in parties:
        party: dict[str, Any] = {"role": p["role"], "kind": p["kind"], "name": p["name"]}
        if p["ident"]:
            party["uscc" if p["kind"] == "organization" else "id_number"] = p["ident"]
        for k in ("phone", "address"):
            if p[k]:
                party[k] = p[k]
        body["parties"].append(party)
    try:
        data = CaseCreate.model_validate(body)
    except ValidationError as exc:
        errors = [_error_text(e) for e in scrub_errors(exc.errors())]
        return ctx.render("new_case.html", status_code=422, form=form, errors=errors)
    try:
        case, _ = intake.open_case(ctx.session, data=data, actor=ctx.actor, idempotency_key=form["key"][:100] or None)
    except JiefenError as exc:
        return ctx.render("new_case.html", status_code=status_for(exc), form=form, errors=[scrub(exc.detail)])
    return RedirectResponse(f"/cases/{case.id}?new=1", status_code=303)


def _error_text(e: dict[str, Any]) -> str:
    loc = [str(x) for x in e.get("loc", []) if x != "body"]
    names = {"dispute_type": "纠纷类型", "channel": "来源渠道", "region": "行政区划代码", "summary": "纠纷简要情况",
             "claim_amount": "标的金额", "occurred_on": "发生日期", "parties": "当事人", "name": "姓名/名称",
             "id_number": "身份证号", "uscc": "统一社会信用代码", "phone": "联系电话", "address": "地址",
             "role": "身份", "kind": "类别"}
    where = []
    for i, part in enumerate(loc):
        if part.isdigit() and i and loc[i - 1] == "parties":
            where.append(f"第{int(part) + 1}位")
        else:
            where.append(names.get(part, part))
    return f"{''.join(where)}：{e.get('msg', '')}" if where else str(e.get("msg", ""))


def _case_page(ctx: Ctx, case_id: str, *, status_code: int = 200, refusal: dict[str, Any] | None = None,
               new: bool = False, form_values: dict[str, Any] | None = None) -> HTMLResponse:
    try:
        case = queries.get_case(ctx.session, ctx.actor, case_id)
        parties = queries.parties_for(ctx.session, ctx.actor, case_id)
        events = queries.events(ctx.session, ctx.actor, case_id)
        documents = queries.documents(ctx.session, ctx.actor, case_id)
        actions = queries.actions(ctx.session, ctx.actor, case_id)
        duplicates, suggestion = [], None
        if new or case.state == State.INTAKE:
            row = get_visible_case(ctx.session, ctx.actor, case_id)
            duplicates = diversion.possible_duplicates(ctx.session, actor=ctx.actor, case=row)
            if case.state == State.INTAKE:
                suggestion = decide(ctx.session, row, active_rules())
    except JiefenError as exc:
        return ctx.refused(exc, "案件不存在或无权查看")
    now = datetime.now(UTC)
    today = datetime.now(ctx.settings.tz).date()
    deadlines = []
    for d in case.deadlines:  # days left: whole days after today up to the last day (which ends at 24:00)
        deadlines.append({"d": d, "days_left": (d.last_day - today).days,
                          "overdue": d.status in ("pending", "fired") and d.due_at <= now,
                          "open": d.status in ("pending", "paused")})
    orgs = ctx.session.exec(select(Organization).order_by(Organization.code)).all()
    mediators = ctx.session.exec(select(Mediator).where(Mediator.org_code == (case.org_code or ""))
                                 .order_by(Mediator.code)).all()
    org_names = {o.code: o.name for o in orgs}
    return ctx.render("case.html", status_code=status_code, case=case, parties=parties, events=events,
                      documents=documents,
                      actions=actions.data, deadlines=deadlines, refusal=refusal, duplicates=duplicates,
                      suggestion=suggestion, new=new, orgs=orgs, org_names=org_names, mediators=mediators,
                      form_values=form_values or {}, now_local=datetime.now(ctx.settings.tz).strftime("%Y-%m-%dT%H:%M"))


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: str, ctx: CtxDep, new: int = 0) -> HTMLResponse:
    return _case_page(ctx, case_id, new=bool(new))


def _payload(ctx: Ctx, fields: list[str], raw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        kind = FIELDS.get(name, (name, "text"))[1]
        if kind == "checkbox":
            out[name] = raw.get(name) == "on"
        elif kind == "obligations":
            obligations = []
            for i in range(50):
                desc = str(raw.get(f"ob{i}_description", "")).strip()
                if f"ob{i}_description" not in raw or not desc:
                    continue
                ob: dict[str, Any] = {"description": desc}
                for k in ("obligor", "obligee"):
                    v = str(raw.get(f"ob{i}_{k}", "")).strip()
                    ob[k] = int(v) if v.isdigit() else v
                for k in ("amount", "due_date", "place"):
                    v = str(raw.get(f"ob{i}_{k}", "")).strip()
                    if v:
                        ob[k] = v
                obligations.append(ob)
            out[name] = obligations
        else:
            v = str(raw.get(name, "")).strip()
            if not v:
                continue
            if kind == "number" and v.lstrip("-").isdigit():
                out[name] = int(v)
            elif kind == "datetime":
                try:
                    out[name] = datetime.fromisoformat(v).replace(tzinfo=ctx.settings.tz).isoformat()
                except ValueError:
                    out[name] = v
            else:
                out[name] = v
    return out


@router.post("/cases/{case_id}/actions/{trigger}", response_class=HTMLResponse)
async def fire_action(case_id: str, trigger: str, ctx: CtxDep, background: BackgroundTasks) -> Response:
    raw = await ctx.request.form()
    check_csrf(ctx.request, ctx.settings, str(raw.get("csrf", "")))
    fields = [f for r in TABLE if str(r.trigger) == trigger for f in (*r.required, *r.optional)]
    payload = _payload(ctx, list(dict.fromkeys(fields)), raw)
    version = str(raw.get("version", ""))
    try:
        case = engine.fire(ctx.session, case_id=case_id, trigger=trigger, actor=ctx.actor, payload=payload,
                           expected_version=int(version) if version.isdigit() else None)
    except JiefenError as exc:
        detail = exc.detail
        if hasattr(exc, "errors"):
            detail = "；".join(_error_text(e) for e in exc.errors)  # type: ignore[attr-defined]
        elif hasattr(exc, "msg"):
            detail = f"{'.'.join(str(x) for x in exc.loc)}：{exc.msg}"  # type: ignore[attr-defined]
        refusal = {"trigger": trigger, "label": TRIGGER_LABELS.get(trigger, trigger), "detail": scrub(detail),
                   "status": status_for(exc), "rules": exc.extra.get("rules", [])}
        return _case_page(ctx, case_id, status_code=status_for(exc), refusal=refusal, form_values=dict(raw))
    if ctx.settings.render_in_process:
        background.add_task(documents_outbox.render_after, ctx.request.app.state.engine, case_id=case.id,
                            trigger=trigger, settings=ctx.settings)
    return RedirectResponse(f"/cases/{case.id}?done={quote(trigger)}", status_code=303)


@router.get("/documents/{doc_id}/pdf")
def document_pdf(doc_id: str, ctx: CtxDep) -> Response:
    try:
        doc = document_queries.document_pdf(ctx.session, ctx.actor, doc_id)
    except JiefenError as exc:
        return ctx.refused(exc, "文书暂不可查看")
    return Response(doc.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{doc.kind}-{doc.id}.pdf"'})


# --- role screens ---------------------------------------------------------------------------------------


@router.get("/workbench", response_class=HTMLResponse)
def workbench(ctx: CtxDep) -> HTMLResponse:
    if ctx.actor.role is not Role.MEDIATOR:
        return ctx.render("error.html", status_code=403, title="无权访问", message="调解员工作台仅供调解员使用")
    result = queries.list_cases(ctx.session, ctx.actor, queries.CaseFilters(limit=200))
    now = datetime.now(UTC)
    rows = []
    for c in result.data:
        if c.state == State.CLOSED:
            continue
        open_ = [d for d in c.deadlines if d.status in ("pending", "paused", "fired")]
        nearest = min(open_, key=lambda d: d.due_at, default=None)
        today = datetime.now(ctx.settings.tz).date()
        rows.append({"c": c, "d": nearest, "days_left": (nearest.last_day - today).days if nearest else None,
                     "overdue": nearest is not None and nearest.due_at <= now,
                     "mine": c.mediator_code == ctx.actor.mediator_code})
    rows.sort(key=lambda r: (r["d"] is None, r["d"].due_at if r["d"] else now))
    return ctx.render("workbench.html", rows=rows)


@router.get("/court", response_class=HTMLResponse)
def court_inbox(ctx: CtxDep) -> HTMLResponse:
    try:
        pending = queries.court_inbox(ctx.session, ctx.actor, "pending")
        accepted = queries.court_inbox(ctx.session, ctx.actor, "accepted")
    except JiefenError as exc:
        return ctx.refused(exc, "无权访问")
    items = []
    for h in [*pending, *accepted]:
        try:
            docs = queries.documents(ctx.session, ctx.actor, h.case_id)
            case = queries.get_case(ctx.session, ctx.actor, h.case_id)
        except JiefenError:
            docs, case = [], None
        items.append({"h": h, "docs": docs, "case": case})
    return ctx.render("court.html", items=items)


def _bars(stats: reports.Statistics) -> dict[str, Any]:
    """Geometry for the server-rendered SVG charts (presentation only)."""
    types = sorted(stats.by_type_month, key=lambda t: -sum(stats.by_type_month[t].values()))
    palette = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0969da", "#57606a"]
    colors = {t: palette[i % len(palette)] for i, t in enumerate(types)}
    totals = {m: sum(stats.by_type_month[t].get(m, 0) for t in types) for m in stats.months}
    top = max([*totals.values(), 1])
    months = []
    for i, m in enumerate(stats.months):
        y, stack = 180.0, []
        for t in types:
            n = stats.by_type_month[t].get(m, 0)
            if n:
                h = 150 * n / top
                y -= h
                stack.append({"t": t, "n": n, "y": round(y, 1), "h": round(h, 1), "color": colors[t]})
        months.append({"m": m, "x": 50 + i * 70, "stack": stack, "total": totals[m]})
    med = [(s, v) for s, v in stats.median_days.items()]
    med_top = max([v or 0 for _, v in med] + [1])
    stages = [{"s": s, "v": v, "w": round(300 * (v or 0) / med_top, 1), "y": 10 + i * 34} for i, (s, v) in enumerate(med)]
    return {"types": types, "colors": colors, "months": months, "top": top, "stages": stages}


@router.get("/supervision", response_class=HTMLResponse)
def supervision_page(ctx: CtxDep, within_days: int = 3) -> HTMLResponse:
    try:
        board = supervision.overdue(ctx.session, ctx.actor, within_days=max(0, min(within_days, 60)))
        stats = reports.statistics_for(ctx.session, ctx.actor)
    except JiefenError as exc:
        return ctx.refused(exc, "无权访问")
    overdue_n = sum(g.overdue for g in board.data)
    soon_n = sum(g.soon_due for g in board.data)
    rate = stats.resolution_rate
    return ctx.render("supervision.html", board=board, stats=stats, chart=_bars(stats), overdue_n=overdue_n,
                      soon_n=soon_n, rate=rate, rate_deg=None if rate is None else round(rate * 360, 1))


__all__ = ["router"]
