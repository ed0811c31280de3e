"""Administration on the web (系统管理): 用户管理 (accounts), 调解员 (mediators), 组织机构 (organizations,
read with their hierarchy, edited through the same service as the API), 变更记录 (the administrative change
log); and 修改密码, for every user — the screen a user whose password an administrator set is sent to.

The forms call the same services as the API (workflows.accounts.admin, workflows.mediators,
workflows.organizations); a refusal is shown on the form it came from, naming the field."""

from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.errors import status_for
from api.hashing import BUSY_DETAIL, HasherBusy
from api.security import change_own_password
from api.web.page import PASSWORD_PAGE, Ctx, CtxDep
from api.web.session import COOKIE, check_csrf, session_token
from models.admin_schemas import MediatorCreate, MediatorPatch, UserCreate, UserPatch
from models.org_schemas import OrganizationCreate, OrganizationPatch
from models.privacy import scrub
from states.enums import MEDIATION_KINDS, CourtLevel, DisputeType, Level, OrgKind, Role, Stationing, Weekday
from states.labels import (
    ADMIN_ACTION_LABELS,
    ADMIN_ENTITY_LABELS,
    COURT_LEVEL_LABELS,
    LEVEL_LABELS,
    ORG_KIND_LABELS,
    STATIONING_LABELS,
    WEEKDAY_LABELS,
)
from workflows import changelog, mediators, organizations
from workflows.accounts import admin as accounts
from workflows.errors import JiefenError, ValidationFailed
from workflows.outbox import retry as outbox_retry
from workflows.read import administration, reference
from workflows.read.users import user_named
from workflows.validation import scrub_errors

router = APIRouter(include_in_schema=False)

FIELD_NAMES = {
    "username": "用户名",
    "password": "密码",
    "new_password": "新密码",
    "old_password": "原密码",
    "role": "角色",
    "org": "所属组织",
    "org_code": "所属组织",
    "mediator": "关联调解员",
    "display_name": "姓名",
    "active": "状态",
    "code": "代码",
    "name": "名称",
    "specialties": "擅长领域",
    "part_time": "兼职",
    "capacity": "承办上限",
    "kind": "类别",
    "level": "层级",
    "region": "行政区划代码",
    "parent_code": "上级组织",
    "dispute_types": "受理纠纷类型",
    "stationing": "驻点方式",
    "duty_days": "值班日",
    "court_level": "法院层级",
    "webhook_url": "推送地址",
    "webhook_secret": "推送签名密钥",
    "invited_by": "特邀法院",
}


def _problems(exc: Exception) -> list[str]:
    """A refusal as sentences naming the field, for the form."""
    if isinstance(exc, ValidationError):
        errors = scrub_errors(exc.errors())
    elif isinstance(exc, ValidationFailed):
        errors = exc.errors
    elif isinstance(exc, JiefenError) and hasattr(exc, "msg"):
        errors = [{"field": ".".join(str(p) for p in exc.loc), "msg": exc.msg}]  # type: ignore[attr-defined]
    elif isinstance(exc, JiefenError):
        return [scrub(exc.detail)]
    else:
        raise exc
    out = []
    for e in errors:
        field = str(e.get("field", ""))
        name = FIELD_NAMES.get(field.split(".")[0], field)
        out.append(f"{name}（{field}）：{scrub(str(e.get('msg', '')))}" if field else scrub(str(e.get("msg", ""))))
    return out


def _status(exc: Exception) -> int:
    return status_for(exc) if isinstance(exc, JiefenError) else 422


def _admin_only(ctx: Ctx) -> HTMLResponse | None:
    if ctx.actor.role is not Role.ADMIN:
        return ctx.render("error.html", status_code=403, title="无权访问", message="系统管理仅供系统管理员使用")
    return None


async def _form(ctx: Ctx) -> FormData:
    form = await ctx.request.form()
    check_csrf(ctx.request, ctx.settings, str(form.get("csrf", "")))
    return form


def _text(form: FormData, key: str) -> str | None:
    value = str(form.get(key, "")).strip()
    return value or None


def _count(form: FormData, key: str) -> int | str | None:
    """A whole number typed into a form, as a number (the schema's own check refuses anything else)."""
    value = _text(form, key)
    return int(value) if value is not None and value.isascii() and value.isdigit() and len(value) < 10 else value


def _choices() -> dict[str, Any]:
    return {
        "roles": [r.value for r in Role if r is not Role.SYSTEM],
        "kinds": [k.value for k in OrgKind],
        "levels": [lv.value for lv in Level],
        "stationings": [s.value for s in Stationing],
        "weekdays": [w.value for w in Weekday],
        "dispute_types": [d.value for d in DisputeType],
        "court_levels": [c.value for c in CourtLevel],
        "LEVEL_LABELS": LEVEL_LABELS,
        "STATIONING_LABELS": STATIONING_LABELS,
        "WEEKDAY_LABELS": WEEKDAY_LABELS,
        "COURT_LEVEL_LABELS": COURT_LEVEL_LABELS,
        "ORG_KIND_LABELS": ORG_KIND_LABELS,
        "ACTION_LABELS": ADMIN_ACTION_LABELS,
        "ENTITY_LABELS": ADMIN_ENTITY_LABELS,
    }


# --- 修改密码 (every user) --------------------------------------------------------------------------------


@router.get("/account/password", response_class=HTMLResponse)
def password_page(ctx: CtxDep, done: str = "") -> HTMLResponse:
    return ctx.render("password.html", problems=[], forced=ctx.user.must_change_password, done=done == "changed")


@router.post("/account/password", response_class=HTMLResponse)
async def change_password(ctx: CtxDep) -> Response:
    form = await _form(ctx)
    old, new, again = (str(form.get(k, "")) for k in ("old_password", "new_password", "new_password_again"))
    forced = ctx.user.must_change_password
    if not old or not new:
        return ctx.render("password.html", status_code=422, problems=["请填写原密码和新密码"], forced=forced)
    if new != again:
        return ctx.render("password.html", status_code=422, problems=["两次输入的新密码不一致"], forced=forced)
    try:
        await change_own_password(ctx.request, ctx.session, ctx.settings, ctx.user, old, new)
    except HasherBusy:
        return ctx.render("password.html", status_code=503, problems=[BUSY_DETAIL], forced=forced)
    except JiefenError as exc:
        return ctx.render("password.html", status_code=_status(exc), problems=_problems(exc), forced=forced)
    # Every session of the user ended with the change; this one goes on with a new cookie.
    user = user_named(ctx.session, ctx.user.username)
    resp = RedirectResponse(f"{PASSWORD_PAGE}?done=changed", status_code=303)
    if user is not None:
        resp.set_cookie(
            COOKIE,
            session_token(ctx.settings, user),
            httponly=True,
            samesite="lax",
            path="/",
            max_age=ctx.settings.token_minutes * 60,
            secure=ctx.request.url.scheme == "https",
        )
    return resp


# --- 用户管理 ---------------------------------------------------------------------------------------------


def _user_form_context(ctx: Ctx) -> dict[str, Any]:
    orgs = reference.organizations(ctx.session)
    return {
        "orgs": orgs,
        "org_names": {o.code: o.name for o in orgs},
        "mediators": reference.mediators(ctx.session),
        **_choices(),
    }


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(ctx: CtxDep, done: str = "") -> HTMLResponse:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    users = accounts.list_users(ctx.session, actor=ctx.actor)
    med_names = {m.code: m.name for m in reference.mediators(ctx.session)}
    return ctx.render("admin_users.html", users=users, med_names=med_names, done=done[:64], **_user_form_context(ctx))


@router.get("/admin/users/new", response_class=HTMLResponse)
def new_user_page(ctx: CtxDep) -> HTMLResponse:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    return ctx.render("admin_user.html", edited=None, values={"role": "intake"}, problems=[], **_user_form_context(ctx))


@router.post("/admin/users/new", response_class=HTMLResponse)
async def create_user(ctx: CtxDep) -> Response:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    form = await _form(ctx)
    values = {k: _text(form, k) for k in ("username", "role", "org", "mediator", "display_name")}
    try:
        data = UserCreate.model_validate({**values, "password": str(form.get("password", ""))})
        user = accounts.create_user(ctx.session, actor=ctx.actor, data=data, settings=ctx.settings)
    except (ValidationError, JiefenError) as exc:
        return ctx.render(
            "admin_user.html",
            status_code=_status(exc),
            edited=None,
            values=values,
            problems=_problems(exc),
            **_user_form_context(ctx),
        )
    return RedirectResponse(f"/admin/users/{quote(user.username)}?done=created", status_code=303)


def _user_page(
    ctx: Ctx, username: str, *, status_code: int = 200, problems: list[str] | None = None, done: str = ""
) -> HTMLResponse:
    try:
        user = accounts.get_user(ctx.session, actor=ctx.actor, username=username)
    except JiefenError as exc:
        return ctx.refused(exc, "账号不存在")
    values = {
        "username": user.username,
        "role": user.role,
        "org": user.org_code,
        "mediator": user.mediator_code,
        "display_name": user.display_name,
    }
    changes = changelog.recent(ctx.session, entity="user", key=user.username, limit=20)
    return ctx.render(
        "admin_user.html",
        status_code=status_code,
        edited=user,
        values=values,
        problems=problems or [],
        changes=changes,
        done=done[:64],
        **_user_form_context(ctx),
    )


@router.get("/admin/users/{username}", response_class=HTMLResponse)
def user_page(username: str, ctx: CtxDep, done: str = "") -> HTMLResponse:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    return _user_page(ctx, username, done=done)


async def _patch_user(ctx: Ctx, username: str, body: dict[str, Any], done: str) -> Response:
    try:
        data = UserPatch.model_validate(body)
        accounts.patch_user(ctx.session, actor=ctx.actor, username=username, data=data, settings=ctx.settings)
    except (ValidationError, JiefenError) as exc:
        return _user_page(ctx, username, status_code=_status(exc), problems=_problems(exc))
    return RedirectResponse(f"/admin/users/{quote(username)}?done={done}", status_code=303)


@router.post("/admin/users/{username}", response_class=HTMLResponse)
async def edit_user(username: str, ctx: CtxDep) -> Response:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    form = await _form(ctx)
    body = {k: _text(form, k) for k in ("role", "org", "mediator", "display_name")}
    return await _patch_user(ctx, username, body, "saved")


@router.post("/admin/users/{username}/password", response_class=HTMLResponse)
async def reset_user_password(username: str, ctx: CtxDep) -> Response:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    form = await _form(ctx)
    return await _patch_user(ctx, username, {"password": str(form.get("password", ""))}, "reset")


@router.post("/admin/users/{username}/active", response_class=HTMLResponse)
async def set_user_active(username: str, ctx: CtxDep) -> Response:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    form = await _form(ctx)
    active = str(form.get("active", "")) == "true"
    return await _patch_user(ctx, username, {"active": active}, "enabled" if active else "disabled")


# --- 变更记录 ---------------------------------------------------------------------------------------------


@router.get("/admin/changes", response_class=HTMLResponse)
def changes_page(ctx: CtxDep, entity: str = "") -> HTMLResponse:
    if (refused := _admin_only(ctx)) is not None:
        return refused
    chosen = entity if entity in ADMIN_ENTITY_LABELS else None
    changes = changelog.recent(ctx.session, entity=chosen, limit=200)
    return ctx.render("admin_changes.html", changes=changes, entity=chosen or "", **_choices())


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
