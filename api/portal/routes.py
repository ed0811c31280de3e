"""The parties' portal (/p/, CONTRACT §5 v2): mobile-first pages in Chinese, no staff login, no script.

- 网上申请 /p/apply (api/portal/apply.py); 案件查询 /p/, /p/c/{code}, /p/case, /p/documents/{id}/pdf, /p/logout
  (api/portal/lookup.py). The party's session is a signed cookie (api/portal/session.py); forms carry a
  double-submit CSRF token (api/portal/page.py); limits answer 429 with Retry-After.
"""

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.portal import apply, lookup
from api.portal.page import PortalCsrfRefused, refused_page, throttled_page
from workflows.portal.throttle import TooMany

router = APIRouter(include_in_schema=False)
router.include_router(apply.router)
router.include_router(lookup.router)


@router.get("/p")
def portal_root() -> RedirectResponse:
    return RedirectResponse("/p/", status_code=307)


def install(app: FastAPI) -> None:
    app.include_router(router)

    @app.exception_handler(PortalCsrfRefused)
    async def csrf_refused(request: Request, _: PortalCsrfRefused) -> HTMLResponse:
        return refused_page(request)

    @app.exception_handler(TooMany)
    async def too_many(request: Request, exc: TooMany) -> HTMLResponse:
        return throttled_page(request, exc.retry_after)


__all__ = ["install", "router"]
