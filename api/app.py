"""The FastAPI application factory."""

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.engine import Engine

from api import errors
from api.routers import auth, cases, misc
from api.security import read_token
from models.db import make_engine
from models.settings import Settings, get_settings


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="解纷 jiefen",
        summary="一站式矛盾纠纷调解中心 工作流引擎",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    errors.install(app)

    @app.middleware("http")
    async def bearer_before_body(request: Request, call_next):  # type: ignore[no-untyped-def]
        """No token, no parsing: a request without a valid token is 401 before its body is read
        (FastAPI would otherwise answer a malformed body with 422 first). The user behind the token
        is still checked by the `current_user` dependency."""
        path = request.url.path
        if path.startswith("/api/v1/") and path != "/api/v1/auth/token":
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or read_token(settings, token.strip()) is None:
                return JSONResponse({"detail": "未登录或登录已失效，请重新登录"}, status_code=401,
                                    headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)
    app.include_router(auth.router)
    app.include_router(cases.router)
    app.include_router(misc.router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>解纷 jiefen</title>'
            '<body style="font-family: \'Noto Sans CJK SC\', sans-serif; margin: 3em">'
            "<h1>解纷 · 一站式矛盾纠纷调解中心</h1>"
            '<p>接口文档：<a href="/docs">/docs</a></p></body></html>'
        )

    return app
