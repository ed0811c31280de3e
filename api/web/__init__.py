"""The web interface (网页端): server-rendered screens at /, static files served from the package."""

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.web.routes import router, templates
from api.web.session import CsrfRefused, LoginRequired


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: LoginRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _: CsrfRefused) -> HTMLResponse:
        return templates.TemplateResponse(
            request, "error.html", {"user": None, "title": "请求已被拒绝",
                                    "message": "表单已过期或来源不明（CSRF 校验未通过），请返回页面刷新后重试。"},
            status_code=403)
