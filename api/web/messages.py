"""消息: a member of staff's messages (workflows/read/inbox.py), newest first, the unread marked; opening one
marks it read and leads to its case (a POST form with the CSRF token, no script), 全部标为已读."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.web.page import CtxDep
from api.web.session import check_csrf
from workflows.errors import JiefenError, NotVisible
from workflows.notify.inbox import KIND_LABELS
from workflows.read import inbox

router = APIRouter(include_in_schema=False)

PAGE = 50


@router.get("/messages", response_class=HTMLResponse)
def messages(ctx: CtxDep, unread: bool = False, cursor: str = "") -> HTMLResponse:
    try:
        page = inbox.list_messages(
            ctx.session, ctx.user.username, unread_only=unread, limit=PAGE, cursor=cursor[:64] or None
        )
    except JiefenError as exc:
        return ctx.refused(exc, "翻页标记无效")
    query = "unread=true&" if unread else ""
    return ctx.render(
        "messages.html",
        messages=page.data,
        count=page.count,
        unread_only=unread,
        kind_labels=KIND_LABELS,
        next_page=f"/messages?{query}cursor={page.next_cursor}" if page.next_cursor else None,
        paged=bool(cursor),
    )


@router.post("/messages/read-all", response_class=HTMLResponse)
async def read_all(ctx: CtxDep) -> Response:
    raw = await ctx.request.form()
    check_csrf(ctx.request, ctx.settings, str(raw.get("csrf", "")))
    inbox.mark_all_read(ctx.session, ctx.user.username)
    return RedirectResponse("/messages", status_code=303)


@router.post("/messages/{message_id}/open", response_class=HTMLResponse)
async def open_message(message_id: str, ctx: CtxDep) -> Response:
    """查看: marks the message read and goes to its case (another user's message: 404, as if none)."""
    raw = await ctx.request.form()
    check_csrf(ctx.request, ctx.settings, str(raw.get("csrf", "")))
    try:
        if not message_id.isdigit() or len(message_id) > 18:
            raise NotVisible("消息不存在")
        message = inbox.mark_read(ctx.session, ctx.user.username, int(message_id))
    except JiefenError as exc:
        return ctx.refused(exc, "消息不存在")
    link = message["link"] or ""
    target = link if link.startswith("/") and not link.startswith("//") else "/messages"
    return RedirectResponse(target, status_code=303)
