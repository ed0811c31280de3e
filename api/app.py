"""The FastAPI application factory."""

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from api import docs, errors, metrics, web
from api.hashing import PasswordPool
from api.limits import InFlightLimit
from api.middleware import BodyLimit, SecurityHeaders
from api.portal import actions as portal_actions, routes as portal
from api.responses import is_public
from api.routers import (
    auth,
    cases,
    court,
    documents,
    inbox,
    mediators,
    organizations,
    reference,
    reports,
    supervision,
    users,
)
from api.security import read_token
from models.db import make_engine
from models.settings import Settings, get_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Embedded mode: the deadline scheduler starts and stops with the app (when enabled: `jiefen serve`
    enables it unless --no-scheduler; an app built by create_app alone, e.g. in tests, has it off)."""
    # Each admitted request may hold a request thread: never fewer threads than requests let in (api.limits).
    import anyio.to_thread

    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(limiter.total_tokens, app.state.settings.max_in_flight + 8)
    scheduler = None
    if app.state.scheduler_enabled:
        from workflows.scheduler import SweepScheduler

        scheduler = SweepScheduler(app.state.engine, seconds=app.state.settings.sweep_seconds)
        if scheduler.start():
            app.state.scheduler = scheduler
    try:
        yield
    finally:
        if scheduler is not None:
            scheduler.stop()
            app.state.scheduler = None
        app.state.password_pool.shutdown()


def create_app(settings: Settings | None = None, engine: Engine | None = None, *, scheduler: bool = False) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="解纷 jiefen",
        summary="一站式矛盾纠纷调解中心 工作流引擎",
        version="0.1.0",
        lifespan=lifespan,
        # Served by api.docs from the app's own files (never a CDN), and only where enabled.
        openapi_url=docs.OPENAPI_URL if settings.docs_enabled else None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    # A connection for every request let in (api.limits), and a few for the scheduler's thread.
    app.state.engine = engine or make_engine(
        settings.database_url, pool_size=settings.max_in_flight + 4, max_overflow=4, pool_timeout=10
    )
    app.state.scheduler_enabled = scheduler
    app.state.scheduler = None
    app.state.password_pool = PasswordPool.from_settings(settings)
    errors.install(app)

    @app.middleware("http")
    async def bearer_before_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """No token, no parsing: a request without a valid token is 401 before its body is read
        (FastAPI would otherwise answer a malformed body with 422 first). The user behind the token
        is still checked by the `current_user` dependency."""
        path = request.url.path
        # The login and document verification (the QR code on every document) answer without a token.
        if path.startswith("/api/v1/") and not is_public(path):
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or read_token(settings, token.strip()) is None:
                return JSONResponse(
                    {"detail": "未登录或登录已失效，请重新登录"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return await call_next(request)

    app.include_router(auth.router)
    app.include_router(cases.router)
    app.include_router(documents.router)
    app.include_router(court.router)
    app.include_router(reference.router)
    app.include_router(supervision.router)
    app.include_router(reports.router)
    app.include_router(organizations.router)
    app.include_router(users.router)
    app.include_router(mediators.router)
    app.include_router(inbox.router)
    app.include_router(portal_actions.router)  # /p/case/sign, /p/case/followup (api/portal/actions.py)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    metrics.install(app)  # GET /metrics (api/metrics.py): open outside production, token or address in it
    web.install(app)  # the web interface (网页端) at /: login, window, case, workbench, court, 督办
    portal.install(app)  # the parties' portal at /p/: apply online, follow a case by its code (一案一码)
    if settings.docs_enabled:
        docs.install(app)

    # Added last, so outermost: the body limit acts before any other middleware or route reads the request
    # (the bearer check above included), and every response, the 413 too, gets the security headers.
    # At most max_in_flight requests inside at once, so a burst is queued or answered 503, never a stall.
    # /metrics passes it like /healthz: a monitor must still read a saturated process (one short read).
    app.add_middleware(
        InFlightLimit,
        limit=settings.max_in_flight,
        queue=settings.max_queued,
        wait_seconds=settings.queue_seconds,
        exempt_prefixes=("/healthz", "/static/", metrics.PATH),
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, static_prefixes=("/static/", f"{docs.ASSETS_URL}/"))
    # Outermost: every request timed (the 413 and 503 above too), and given its request id for the logs.
    app.add_middleware(metrics.RequestMetrics)
    return app


SERVE_SCHEDULER_ENV = "JIEFEN_SERVE_SCHEDULER"


def served() -> FastAPI:
    """The app `jiefen serve` runs in each API process (uvicorn's factory): the settings from the
    environment, the embedded scheduler on unless `jiefen serve --no-scheduler` said otherwise."""
    return create_app(get_settings(), scheduler=os.environ.get(SERVE_SCHEDULER_ENV, "1") != "0")
