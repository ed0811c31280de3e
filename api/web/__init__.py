"""The web interface (网页端): server-rendered screens at /, static files served from the package.

Each screen calls the same services as the API (workflows.read, intake, the engine) and renders what
they return; no state checks and no commits here."""

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.web import admin, admin_bodies, auth, cases, intake, messages, reports, screens
from api.web.page import PASSWORD_PAGE, templates
from api.web.session import CsrfRefused, LoginRequired, PasswordChangeRequired

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(intake.router)  # before cases: /cases/new is not a case id
router.include_router(cases.router)
router.include_router(screens.router)
router.include_router(reports.router)
router.include_router(admin.router)
router.include_router(admin_bodies.router)
router.include_router(messages.router)


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: LoginRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change_required(request: Request, _: PasswordChangeRequired) -> RedirectResponse:
        return RedirectResponse(PASSWORD_PAGE, status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _: CsrfRefused) -> HTMLResponse:
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "user": None,
                "title": "请求已被拒绝",
                "message": "表单已过期或来源不明（CSRF 校验未通过），请返回页面刷新后重试。",
            },
            status_code=403,
        )


__all__ = ["install", "router"]
