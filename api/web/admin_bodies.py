"""Administration on the web, the bodies (系统管理): 调解员 (mediators), 组织机构 (organizations, read with their
hierarchy, edited through the same service as the API) and 系统状态 (what is in force, and the outbox with a
retry). Accounts, the change log and 修改密码 are in api/web/admin.py, whose form helpers these screens share."""

from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.web.admin import _admin_only, _choices, _count, _form, _problems, _status, _text
from api.web.page import Ctx, CtxDep
from models.admin_schemas import MediatorCreate, MediatorPatch
from models.org_schemas import OrganizationCreate, OrganizationPatch
from states.enums import MEDIATION_KINDS, OrgKind
from workflows import changelog, mediators, organizations
from workflows.errors import JiefenError
from workflows.outbox import retry as outbox_retry
from workflows.read import administration, reference

router = APIRouter(include_in_schema=False)


# --- 调解员 -----------------------------------------------------------------------------------------------


def _mediation_bodies(ctx: Ctx) -> list[Any]:
    return [o for o in reference.organizations(ctx.session) if OrgKind(o.kind) in MEDIATION_KINDS]


@router.get("/admin/mediators", response_class=HTMLResponse)
def mediators_page(ctx: CtxDep) -> HTMLResponse:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    bodies = _mediation_bodies(ctx)
    return ctx.render(
        "admin_mediators.html",
        mediators=reference.mediators(ctx.session),
        org_names={o.code: o.name for o in reference.organizations(ctx.session)},
        bodies=bodies,
        values={},
        problems=[],
        **_choices(),
    )


@router.post("/admin/mediators", response_class=HTMLResponse)
async def create_mediator(ctx: CtxDep) -> Response:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    form = await _form(ctx)
    values: dict[str, Any] = {k: _text(form, k) for k in ("code", "name", "org_code")}
    values["capacity"] = _count(form, "capacity")
    values["specialties"] = [str(v) for v in form.getlist("specialties")]
    values["part_time"] = form.get("part_time") == "true"
    try:
        data = MediatorCreate.model_validate({k: v for k, v in values.items() if v is not None})
        m = mediators.create_mediator(ctx.session, actor=ctx.actor, data=data)
    except (ValidationError, JiefenError) as exc:
        return ctx.render(
            "admin_mediators.html",
            status_code=_status(exc),
            mediators=reference.mediators(ctx.session),
            org_names={o.code: o.name for o in reference.organizations(ctx.session)},
            bodies=_mediation_bodies(ctx),
            values=values,
            problems=_problems(exc),
            **_choices(),
        )
    return RedirectResponse(f"/admin/mediators/{quote(m.code)}?done=created", status_code=303)


def _mediator_page(
    ctx: Ctx, code: str, *, status_code: int = 200, problems: list[str] | None = None, done: str = ""
) -> HTMLResponse:
    try:
        m = mediators.get_mediator(ctx.session, code=code)
    except JiefenError as exc:
        return ctx.refused(exc, "调解员不存在")
    n_open, open_cases = mediators.open_cases(ctx.session, code=m.code)
    return ctx.render(
        "admin_mediator.html",
        status_code=status_code,
        m=m,
        n_open=n_open,
        open_cases=open_cases,
        bodies=_mediation_bodies(ctx),
        org_names={o.code: o.name for o in reference.organizations(ctx.session)},
        problems=problems or [],
        changes=changelog.recent(ctx.session, entity="mediator", key=m.code, limit=20),
        done=done[:64],
        **_choices(),
    )


@router.get("/admin/mediators/{code}", response_class=HTMLResponse)
def mediator_page(code: str, ctx: CtxDep, done: str = "") -> HTMLResponse:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    return _mediator_page(ctx, code, done=done)


@router.post("/admin/mediators/{code}", response_class=HTMLResponse)
async def edit_mediator(code: str, ctx: CtxDep) -> Response:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    form = await _form(ctx)
    body: dict[str, Any]
    if "active" in form:
        body = {"active": form.get("active") == "true"}
    else:
        body = {k: _text(form, k) for k in ("name", "org_code")}
        body["capacity"] = _count(form, "capacity")
        body["specialties"] = [str(v) for v in form.getlist("specialties")]
        body["part_time"] = form.get("part_time") == "true"
    try:
        data = MediatorPatch.model_validate(body)
        mediators.patch_mediator(ctx.session, actor=ctx.actor, code=code, data=data)
    except (ValidationError, JiefenError) as exc:
        return _mediator_page(ctx, code, status_code=_status(exc), problems=_problems(exc))
    return RedirectResponse(f"/admin/mediators/{quote(code)}?done=saved", status_code=303)


# --- 组织机构 ---------------------------------------------------------------------------------------------


def _tree(orgs: list[Any]) -> list[tuple[int, Any]]:
    """The organizations as (depth, org), each under its parent; those whose parent is unknown at the top."""
    codes = {o.code for o in orgs}
    children: dict[str | None, list[Any]] = {}
    for o in orgs:
        children.setdefault(o.parent_code if o.parent_code in codes else None, []).append(o)
    out: list[tuple[int, Any]] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for o in children.get(parent, []):
            if o.code in seen:
                continue
            seen.add(o.code)
            out.append((depth, o))
            walk(o.code, depth + 1)

    walk(None, 0)
    return out


@router.get("/admin/organizations", response_class=HTMLResponse)
def organizations_page(ctx: CtxDep) -> HTMLResponse:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    orgs = reference.organizations(ctx.session)
    return ctx.render("admin_organizations.html", tree=_tree(orgs), **_choices())


def _org_values(form: FormData) -> dict[str, Any]:
    v: dict[str, Any] = {
        k: _text(form, k)
        for k in ("code", "name", "kind", "level", "region", "parent_code", "stationing", "court_level")
    }
    v["capacity"] = _count(form, "capacity")
    v["dispute_types"] = [str(x) for x in form.getlist("dispute_types")]
    v["duty_days"] = [str(x) for x in form.getlist("duty_days")]
    v["webhook_url"] = _text(form, "webhook_url")
    return v


def _org_page(
    ctx: Ctx,
    org: Any,
    values: dict[str, Any],
    *,
    status_code: int = 200,
    problems: list[str] | None = None,
    done: str = "",
) -> HTMLResponse:
    orgs = reference.organizations(ctx.session)
    return ctx.render(
        "admin_organization.html",
        status_code=status_code,
        org=org,
        values=values,
        parents=[o for o in orgs if org is None or o.code != org.code],
        problems=problems or [],
        changes=changelog.recent(ctx.session, entity="organization", key=org.code, limit=20) if org else [],
        done=done[:64],
        **_choices(),
    )


@router.get("/admin/organizations/new", response_class=HTMLResponse)
def new_organization_page(ctx: CtxDep) -> HTMLResponse:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    return _org_page(
        ctx, None, {"stationing": "resident", "court_level": "basic", "dispute_types": [], "duty_days": []}
    )


@router.post("/admin/organizations/new", response_class=HTMLResponse)
async def create_organization(ctx: CtxDep) -> Response:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    form = await _form(ctx)
    values = _org_values(form)
    secret = str(form.get("webhook_secret", ""))
    try:
        body = {k: v for k, v in values.items() if v is not None}
        if secret:
            body["webhook_secret"] = secret
        org = organizations.create_org(ctx.session, actor=ctx.actor, data=OrganizationCreate.model_validate(body))
    except (ValidationError, JiefenError) as exc:
        return _org_page(ctx, None, values, status_code=_status(exc), problems=_problems(exc))
    return RedirectResponse(f"/admin/organizations/{quote(org.code)}?done=created", status_code=303)


@router.get("/admin/organizations/{code}", response_class=HTMLResponse)
def organization_page(code: str, ctx: CtxDep, done: str = "") -> HTMLResponse:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    try:
        org = organizations.get_org(ctx.session, code=code)
    except JiefenError as exc:
        return ctx.refused(exc, "组织机构不存在")
    return _org_page(ctx, org, organizations.public(org).model_dump(mode="json"), done=done)


@router.post("/admin/organizations/{code}", response_class=HTMLResponse)
async def edit_organization(code: str, ctx: CtxDep) -> Response:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    form = await _form(ctx)
    values = _org_values(form)
    values.pop("code", None)
    body: dict[str, Any] = dict(values)
    secret = str(form.get("webhook_secret", ""))
    if secret:
        body["webhook_secret"] = secret  # written only when given: a blank field keeps the stored secret
    if form.get("clear_webhook") == "true":
        body["webhook_url"], body["webhook_secret"] = None, None
    elif body.get("webhook_url") is None:
        body.pop("webhook_url")
    try:
        organizations.patch_org(ctx.session, actor=ctx.actor, code=code, data=OrganizationPatch.model_validate(body))
    except (ValidationError, JiefenError) as exc:
        try:
            org = organizations.get_org(ctx.session, code=code)
        except JiefenError as missing:
            return ctx.refused(missing, "组织机构不存在")
        return _org_page(ctx, org, values, status_code=_status(exc), problems=_problems(exc))
    return RedirectResponse(f"/admin/organizations/{quote(code)}?done=saved", status_code=303)


# --- 系统状态: routing rules, holiday years, signing keys, the outbox ----------------------------------------

YEAR_STATUS_LABELS = {
    "published": "已公布（随程序发布）",
    "loaded": "已导入",
    "provisional": "未公布（按法定节日暂算）",
}


@router.get("/admin/system", response_class=HTMLResponse)
def system_page(ctx: CtxDep, done: str = "") -> HTMLResponse:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    return _system_page(ctx, done=done)


def _system_page(
    ctx: Ctx, *, done: str = "", status_code: int = 200, problems: list[str] | None = None
) -> HTMLResponse:
    today = datetime.now(ctx.settings.tz).date()
    return ctx.render(
        "admin_system.html",
        status_code=status_code,
        rules=administration.routing_rules(),
        years=administration.holiday_years(ctx.session, today=today),
        keys=administration.signing_keys(ctx.session, settings=ctx.settings),
        outbox=administration.outbox(ctx.session),
        YEAR_STATUS_LABELS=YEAR_STATUS_LABELS,
        problems=problems or [],
        done=done[:32],
        **_choices(),
    )


@router.post("/admin/outbox/{kind}/{item_id}/retry", response_class=HTMLResponse)
async def retry_outbox_item(kind: str, item_id: str, ctx: CtxDep) -> Response:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    await _form(ctx)
    try:
        outbox_retry.retry(ctx.session, actor=ctx.actor, kind=kind, item_id=item_id)
    except JiefenError as exc:
        return _system_page(ctx, status_code=_status(exc), problems=_problems(exc))
    return RedirectResponse("/admin/system?done=retried#outbox-h", status_code=303)


__all__ = ["router"]
