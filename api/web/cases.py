"""A case on the web: the list, the case page, the action forms posted from it, a document's PDF."""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.errors import status_for
from api.web.forms import action_fields, action_payload, as_int, refusal_detail
from api.web.page import TRIGGER_LABELS, Ctx, CtxDep
from api.web.session import check_csrf
from models.privacy import scrub
from states.enums import Role, State
from workflows import engine
from workflows.errors import JiefenError
from workflows.outbox import retry as outbox_retry
from workflows.read import case_list as case_lists, documents as document_queries, screens

router = APIRouter(include_in_schema=False)


PAGE = 100  # cases per page of the web list
QUEUE_ROLES = (Role.INTAKE, Role.SUPERVISOR, Role.ADMIN)  # who sees the cases sent back from the top


@router.get("/cases", response_class=HTMLResponse)
def case_list(ctx: CtxDep, q: str = "", state: str = "", overdue: bool = False, cursor: str = "") -> HTMLResponse:
    st = state if state in {str(s) for s in State} else None
    filters = case_lists.CaseFilters(
        q=q.strip()[:100] or None, state=st, overdue=overdue, limit=PAGE, cursor=cursor[:512] or None
    )
    try:
        result = case_lists.list_cases(ctx.session, ctx.actor, filters)
    except JiefenError as exc:
        return ctx.refused(exc, "翻页标记无效")
    params = {"q": q, "state": st or "", **({"overdue": "true"} if overdue else {})}
    queue = ctx.actor.role in QUEUE_ROLES and not filters.cursor
    returned = screens.returned_to_window(ctx.session, ctx.actor) if queue else []
    return ctx.render(
        "cases.html",
        cases=result.data,
        returned=returned,
        count=result.count,
        count_exact=result.count_exact,
        first_page=f"/cases?{urlencode(params)}",
        next_page=f"/cases?{urlencode({**params, 'cursor': result.next_cursor})}" if result.next_cursor else None,
        paged=bool(filters.cursor),
        q=q,
        state=st or "",
        overdue=overdue,
        now=datetime.now(UTC),
    )


def _case_page(
    ctx: Ctx,
    case_id: str,
    *,
    status_code: int = 200,
    refusal: dict[str, Any] | None = None,
    new: bool = False,
    form_values: dict[str, Any] | None = None,
) -> HTMLResponse:
    try:
        screen = screens.case_screen(
            ctx.session, ctx.actor, case_id, new=new, now=datetime.now(UTC), today=datetime.now(ctx.settings.tz).date()
        )
    except JiefenError as exc:
        return ctx.refused(exc, "案件不存在或无权查看")
    return ctx.render(
        "case.html",
        status_code=status_code,
        case=screen.case,
        parties=screen.parties,
        events=screen.events,
        documents=screen.documents,
        actions=screen.actions,
        deadlines=screen.deadlines,
        refusal=refusal,
        duplicates=screen.duplicates,
        suggestion=screen.suggestion,
        new=new,
        orgs=screen.orgs,
        org_names=screen.org_names,
        mediators=screen.mediators,
        failures=screen.failures,
        may_retry=screen.may_retry,
        form_values=form_values or {},
        now_local=datetime.now(ctx.settings.tz).strftime("%Y-%m-%dT%H:%M"),
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: str, ctx: CtxDep, new: int = 0) -> HTMLResponse:
    return _case_page(ctx, case_id, new=bool(new))


@router.post("/cases/{case_id}/actions/{trigger}", response_class=HTMLResponse)
async def fire_action(case_id: str, trigger: str, ctx: CtxDep) -> Response:
    raw = await ctx.request.form()
    check_csrf(ctx.request, ctx.settings, str(raw.get("csrf", "")))
    version = str(raw.get("version", ""))
    try:
        payload = action_payload(action_fields(trigger), raw, ctx.settings.tz, trigger)
        case = engine.fire(
            ctx.session,
            case_id=case_id,
            trigger=trigger,
            actor=ctx.actor,
            payload=payload,
            expected_version=v if isinstance(v := as_int(version), int) else None,
        )
    except JiefenError as exc:
        refusal = {
            "trigger": trigger,
            "label": TRIGGER_LABELS.get(trigger, trigger),
            "detail": scrub(refusal_detail(exc)),
            "status": status_for(exc),
            "rules": exc.extra.get("rules", []),
        }
        return _case_page(ctx, case_id, status_code=status_for(exc), refusal=refusal, form_values=dict(raw))
    return RedirectResponse(f"/cases/{case.id}?done={quote(trigger)}", status_code=303)


@router.post("/documents/{doc_id}/retry", response_class=HTMLResponse)
async def retry_document(doc_id: str, ctx: CtxDep) -> Response:
    """重新生成: a failed document back in the render queue (its case's mediator, the window, admins)."""
    raw = await ctx.request.form()
    check_csrf(ctx.request, ctx.settings, str(raw.get("csrf", "")))
    try:
        case_id = outbox_retry.retry_document(ctx.session, actor=ctx.actor, doc_id=doc_id)
    except JiefenError as exc:
        return ctx.refused(exc, "无法重新生成")
    return RedirectResponse(f"/cases/{case_id}?retried=1#documents", status_code=303)


@router.get("/documents/{doc_id}/pdf")
def document_pdf(doc_id: str, ctx: CtxDep) -> Response:
    try:
        doc = document_queries.document_pdf(ctx.session, ctx.actor, doc_id)
    except JiefenError as exc:
        return ctx.refused(exc, "文书暂不可查看")
    return Response(
        doc.content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{doc.kind}-{doc.id}.pdf"'},
    )
