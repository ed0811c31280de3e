"""Administration on the web (系统管理): 用户管理 (accounts) and 变更记录 (the administrative change log); and
修改密码, for every user — the screen a user whose password an administrator set is sent to. The bodies
(调解员, 组织机构, 系统状态) are in api/web/admin_bodies.py, with the form helpers here.

The forms call the same services as the API (workflows.accounts.admin, workflows.mediators,
workflows.organizations); a refusal is shown on the form it came from, naming the field."""

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
from models.admin_schemas import UserCreate, UserPatch
from models.privacy import scrub
from states.enums import CourtLevel, DisputeType, Level, OrgKind, Role, Stationing, Weekday
from states.labels import (
    ADMIN_ACTION_LABELS,
    ADMIN_ENTITY_LABELS,
    COURT_LEVEL_LABELS,
    LEVEL_LABELS,
    ORG_KIND_LABELS,
    STATIONING_LABELS,
    WEEKDAY_LABELS,
)
from workflows import changelog
from workflows.accounts import admin as accounts
from workflows.errors import JiefenError, ValidationFailed
from workflows.read import reference
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
        "roles": [r.value for r in Role if r not in (Role.SYSTEM, Role.PARTY)],
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
