"""The window's new-case form (受理): the form, its live field checks and duplicate search, and saving."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.errors import status_for
from api.web.forms import CHECKS, blank_case, error_text, posted_case, typed_identities
from api.web.page import CtxDep
from api.web.session import check_csrf
from models.privacy import scrub
from models.schemas import CaseCreate
from states.enums import DisputeType
from workflows import intake
from workflows.errors import JiefenError
from workflows.routing import replay as diversion
from workflows.validation import scrub_errors

router = APIRouter(include_in_schema=False)


@router.post("/check/{kind}")
def check_value(
    kind: str,
    ctx: CtxDep,
    value: Annotated[str, Form(max_length=100)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> JSONResponse:
    """One field checked by the validator the API uses. POST, so that an identity number never lands
    in a URL or an access log."""
    check_csrf(ctx.request, ctx.settings, csrf)
    check = CHECKS.get(kind)
    if check is None:
        return JSONResponse({"detail": "未知的校验项"}, status_code=404)
    if not value.strip():
        return JSONResponse({"ok": True, "message": ""})
    try:
        check(value[:100])
    except ValueError as exc:
        return JSONResponse({"ok": False, "message": str(exc)})
    return JSONResponse({"ok": True, "message": "格式正确"})


@router.post("/check-duplicates", response_class=HTMLResponse)
async def check_duplicates(ctx: CtxDep) -> HTMLResponse:
    """Possible duplicates of the case being typed, before it is saved: a fragment for the form."""
    raw = await ctx.request.form()
    check_csrf(ctx.request, ctx.settings, str(raw.get("csrf", "")))
    ids, usccs = typed_identities(raw)
    dispute_type = str(raw.get("dispute_type", ""))
    found = (
        []
        if dispute_type not in {str(t) for t in DisputeType}
        else diversion.duplicates_before_intake(
            ctx.session, actor=ctx.actor, dispute_type=dispute_type, id_numbers=ids, usccs=usccs
        )
    )
    return ctx.render("_duplicates.html", duplicates=found)


@router.get("/cases/new", response_class=HTMLResponse)
def new_case(ctx: CtxDep) -> HTMLResponse:
    return ctx.render("new_case.html", form=blank_case(ctx.actor.org_region or ""), errors=[])


@router.post("/cases/new", response_class=HTMLResponse)
async def create_case(ctx: CtxDep) -> Response:
    raw = await ctx.request.form()
    check_csrf(ctx.request, ctx.settings, str(raw.get("csrf", "")))
    form, body = posted_case(raw)
    try:
        data = CaseCreate.model_validate(body)
    except ValidationError as exc:
        errors = [error_text(e) for e in scrub_errors(exc.errors())]
        return ctx.render("new_case.html", status_code=422, form=form, errors=errors)
    try:
        case, _ = intake.open_case(ctx.session, data=data, actor=ctx.actor, idempotency_key=form["key"][:100] or None)
    except JiefenError as exc:
        return ctx.render("new_case.html", status_code=status_for(exc), form=form, errors=[scrub(exc.detail)])
    return RedirectResponse(f"/cases/{case.id}?new=1", status_code=303)
