"""Signing in and out of the web screens: the session cookie, and where each role lands."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.hashing import BUSY_DETAIL, BUSY_RETRY_AFTER, HasherBusy
from api.security import authenticate, revoke
from api.web.page import PASSWORD_PAGE, CtxDep, templates
from api.web.session import (
    COOKIE,
    LOGIN_CSRF,
    check_csrf,
    check_login_csrf,
    new_login_csrf,
    session_claims,
    session_token,
)
from workflows.errors import TooManyAttempts

router = APIRouter(include_in_schema=False)

HOME = {
    "intake": "/cases",
    "mediator": "/workbench",
    "court": "/court",
    "supervisor": "/supervision",
    "admin": "/supervision",
}


def _safe_next(target: str) -> str:
    """Only a path on this site, and not the API, to go back to after login."""
    return target if target.startswith("/") and not target.startswith("//") and not target.startswith("/api") else "/"


def _login_page(
    request: Request,
    *,
    next: str,
    error: str | None = None,
    username: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    token = new_login_csrf()
    resp = templates.TemplateResponse(
        request,
        "login.html",
        {"user": None, "csrf": token, "next": _safe_next(next), "error": error, "username": username},
        status_code=status_code,
        headers=headers,
    )
    resp.set_cookie(
        LOGIN_CSRF, token, httponly=True, samesite="lax", path="/login", secure=request.url.scheme == "https"
    )
    return resp


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/", error: str | None = None) -> HTMLResponse:
    return _login_page(request, next=next, error=error, status_code=401 if error else 200)


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=300)] = "/",
) -> Response:
    check_login_csrf(request, csrf)
    try:
        user = await authenticate(request, session, settings, username.strip(), password)
    except TooManyAttempts as e:
        retry = {"Retry-After": str(e.retry_after)}
        return _login_page(
            request, next=next, error=e.detail, username=username.strip(), status_code=429, headers=retry
        )
    except HasherBusy:
        retry = {"Retry-After": str(BUSY_RETRY_AFTER)}
        return _login_page(
            request, next=next, error=BUSY_DETAIL, username=username.strip(), status_code=503, headers=retry
        )
    if user is None:
        return _login_page(request, next=next, error="用户名或密码错误", username=username.strip(), status_code=401)
    # A password an administrator set is changed before anything else (api/web/page.py holds to it).
    resp = RedirectResponse(PASSWORD_PAGE if user.must_change_password else _safe_next(next), status_code=303)
    resp.set_cookie(
        COOKIE,
        session_token(settings, user),
        httponly=True,
        samesite="lax",
        path="/",
        max_age=settings.token_minutes * 60,
        secure=request.url.scheme == "https",
    )
    resp.delete_cookie(LOGIN_CSRF, path="/login")
    return resp


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, settings: SettingsDep, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Ends the session: its token is revoked (a copy of the cookie is refused too), and the cookie deleted."""
    check_csrf(request, settings, csrf)
    claims = session_claims(request, settings)
    if claims is not None:
        revoke(session, claims)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


@router.get("/", response_class=HTMLResponse)
def home(ctx: CtxDep) -> Response:
    return RedirectResponse(HOME.get(str(ctx.user.role), "/cases"), status_code=303)
