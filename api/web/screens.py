"""The role screens: the mediator's workbench, the court's inbox and the 督办 dashboard."""

from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.web.charts import bars
from api.web.page import CtxDep
from api.web.session import check_csrf
from states.enums import Role
from workflows.errors import JiefenError
from workflows.outbox import handoffs, webhooks
from workflows.read import reports, screens, supervision

router = APIRouter(include_in_schema=False)


@router.get("/workbench", response_class=HTMLResponse)
def workbench(ctx: CtxDep) -> HTMLResponse:
    if ctx.actor.role is not Role.MEDIATOR:
        return ctx.render("error.html", status_code=403, title="无权访问", message="调解员工作台仅供调解员使用")
    rows = screens.workbench(ctx.session, ctx.actor, now=datetime.now(UTC), today=datetime.now(ctx.settings.tz).date())
    return ctx.render("workbench.html", rows=rows)


@router.get("/court", response_class=HTMLResponse)
def court_inbox(ctx: CtxDep) -> HTMLResponse:
    try:
        items = screens.court_inbox(ctx.session, ctx.actor)
    except JiefenError as exc:
        return ctx.refused(exc, "无权访问")
    return ctx.render("court.html", items=items)


@router.post("/court/{handoff_id}/receive", response_class=HTMLResponse)
async def receive_handoff(handoff_id: str, ctx: CtxDep) -> Response:
    """The 接收 button: the same service as POST /api/v1/court/confirmations/{id}/receive (idempotent)."""
    raw = await ctx.request.form()
    check_csrf(ctx.request, ctx.settings, str(raw.get("csrf", "")))
    try:
        handoffs.receive(ctx.session, actor=ctx.actor, handoff_id=handoff_id)
    except JiefenError as exc:
        return ctx.refused(exc, "无法接收")
    return RedirectResponse("/court?done=received", status_code=303)


@router.get("/supervision", response_class=HTMLResponse)
def supervision_page(ctx: CtxDep, within_days: int = 3) -> HTMLResponse:
    try:
        board = supervision.overdue(ctx.session, ctx.actor, within_days=max(0, min(within_days, 60)))
        stats = reports.statistics_for(ctx.session, ctx.actor)
        failed = webhooks.undelivered(ctx.session, ctx.actor, limit=50)
    except JiefenError as exc:
        return ctx.refused(exc, "无权访问")
    overdue_n = sum(g.overdue for g in board.data)
    soon_n = sum(g.soon_due for g in board.data)
    rate = stats.resolution_rate
    return ctx.render(
        "supervision.html",
        board=board,
        stats=stats,
        chart=bars(stats),
        overdue_n=overdue_n,
        soon_n=soon_n,
        rate=rate,
        rate_deg=None if rate is None else round(rate * 360, 1),
        returned=screens.returned_to_window(ctx.session, ctx.actor),
        undelivered=failed,
    )
