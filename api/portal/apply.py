"""网上申请 (/p/apply): the phone proved by a one-time code, then the application, opened through intake
(`workflows.intake.open_case`, channel `online`, actor `party:online`) into the window's queue."""

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlmodel import select

from api.errors import status_for
from api.portal.forms import blank_form, case_body, field_errors, posted_form
from api.portal.page import Portal, PortalDep, seal, unseal
from api.portal.session import PartySession, issue
from models.fields import validate_phone
from models.privacy import mask_phone, scrub
from models.public_codes import spaced
from models.schemas import CaseCreate
from models.tables import Organization
from states.enums import OrgKind, Role
from states.labels import DISPUTE_TYPE_LABELS
from workflows import intake
from workflows.access import Actor
from workflows.errors import JiefenError
from workflows.notify.sms import SmsError, send_sms
from workflows.portal import otp
from workflows.portal.throttle import Scope, take
from workflows.validation import scrub_errors

router = APIRouter(include_in_schema=False)
log = logging.getLogger("jiefen.portal")

ONLINE_ACTOR = "party:online"  # the audit actor of an online application (never a username: no colon in those)
NOT_OPEN = "本中心暂未开通网上申请，请到调解中心窗口或拨打咨询电话申请调解。"
SMS_FAILED = "验证码短信暂时无法发送，请稍后再试，或到调解中心窗口申请。"
WRONG_CODE = "验证码错误或已失效，请重新获取验证码。"


def portal_region(p: Portal) -> str | None:
    """The county online applications belong to (JIEFEN_PORTAL_REGION). Development and test fall back to the
    county of the seeded centre (the county-level agency, else any county-level organization); production has
    no fallback (/p/apply says it is not open)."""
    if p.settings.portal_region:
        return p.settings.portal_region
    if p.settings.env == "production":
        return None
    rows = p.session.exec(
        select(Organization.region, Organization.kind, Organization.level).order_by(Organization.code)
    )
    ranked = sorted(
        ((kind != OrgKind.AGENCY, level != "county", region) for region, kind, level in rows if len(region or "") >= 6),
    )
    return ranked[0][2][:6] if ranked else None


def _types() -> list[tuple[str, str]]:
    return [(str(k), v) for k, v in DISPUTE_TYPE_LABELS.items()]


def _form_page(
    p: Portal, form: dict[str, str], *, phone: str, proved: bool, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    return p.render(
        "apply_form.html",
        status_code=status_code,
        form=form,
        masked_phone=mask_phone(phone),
        sealed=seal(p.settings, phone),
        proved=proved,
        types=_types(),
        errors=ctx.pop("errors", {}),
        general=ctx.pop("general", []),
        **ctx,
    )


@router.get("/p/apply", response_class=HTMLResponse)
def apply_start(p: PortalDep) -> HTMLResponse:
    if portal_region(p) is None:
        return p.message("网上申请", NOT_OPEN, status_code=503)
    if p.party is not None:  # the phone is proved already (this session)
        return _form_page(p, blank_form(), phone=p.party.phone, proved=True)
    return p.render("apply_phone.html", phone="", error="")


@router.post("/p/apply/code", response_class=HTMLResponse)
async def apply_code(p: PortalDep) -> HTMLResponse:
    raw = await p.request.form()
    p.check_csrf(raw.get("csrf"))
    if portal_region(p) is None:
        return p.message("网上申请", NOT_OPEN, status_code=503)
    typed = str(raw.get("phone", "")).strip()[:24]
    try:
        phone = validate_phone(typed)
    except ValueError as exc:
        return p.render("apply_phone.html", status_code=422, phone=typed, error=f"手机号码：{exc}")
    if not phone.startswith("1") or len(phone) != 11:
        return p.render("apply_phone.html", status_code=422, phone=typed, error="手机号码：请填写能接收短信的手机号码")
    now = datetime.now(UTC)
    take(
        p.session,
        p.settings,
        [(Scope.SEND_MINUTE, phone), (Scope.SEND_HOUR, phone), (Scope.APPLY_ADDRESS, p.address)],
        now=now,
    )
    row_id, code = otp.issue(p.session, p.settings, purpose=otp.Purpose.APPLY, phone=phone, now=now)
    try:
        await run_in_threadpool(send_sms, phone, "otp", {"code": code, "minutes": str(p.settings.otp_minutes)})
    except SmsError as exc:
        otp.discard(p.session, row_id, now=now)
        log.warning("portal: the one-time code for an online application was not sent (%s)", exc)
        return p.render("apply_phone.html", phone="", error=SMS_FAILED)
    return _form_page(p, blank_form(), phone=phone, proved=False, sent=True)


@router.post("/p/apply", response_class=HTMLResponse)
async def apply_submit(p: PortalDep) -> HTMLResponse:
    raw = await p.request.form()
    p.check_csrf(raw.get("csrf"))
    region = portal_region(p)
    if region is None:
        return p.message("网上申请", NOT_OPEN, status_code=503)
    form = posted_form(raw)
    now = datetime.now(UTC)
    if p.party is not None:
        phone = p.party.phone
    else:
        unsealed = unseal(p.settings, raw.get("phone"))
        if unsealed is None:
            return p.render("apply_phone.html", status_code=422, phone="", error="手机号码：请重新填写并获取验证码")
        phone = unsealed
        take(p.session, p.settings, [(Scope.VERIFY_ADDRESS, p.address)], now=now)
        code = str(raw.get("code", ""))
        if not otp.verify(p.session, p.settings, purpose=otp.Purpose.APPLY, phone=phone, code=code, now=now):
            return _form_page(p, form, phone=phone, proved=False, status_code=422, errors={"code": WRONG_CODE})
    response, case_id = _submit(p, form, phone=phone, region=region, now=now)
    # The phone is proved: the session says so (a refused form is sent again without a new code), and once
    # the case is open it is the applicant's session for it (position 0), to follow it at /p/case.
    issue(response, p.settings, PartySession(phone=phone, case_id=case_id, positions=(0,) if case_id else ()))
    return response


def _submit(
    p: Portal, form: dict[str, str], *, phone: str, region: str, now: datetime
) -> tuple[HTMLResponse, uuid.UUID | None]:
    errors: dict[str, str] = {}
    if not form["a_ident"]:
        errors["a_ident"] = "申请人身份证号：必填（用于核对身份和查找是否已有相同纠纷的案件）"
    try:
        data = CaseCreate.model_validate(case_body(form, phone=phone, region=region))
    except ValidationError as exc:
        by_field, general = field_errors(scrub_errors(exc.errors()))
        page = _form_page(p, form, phone=phone, proved=True, status_code=422, errors=by_field | errors, general=general)
        return page, None
    if errors:
        return _form_page(p, form, phone=phone, proved=True, status_code=422, errors=errors), None
    actor = Actor(ONLINE_ACTOR, Role.INTAKE, org_region=region)
    try:
        case, _ = intake.open_case(p.session, data=data, actor=actor, idempotency_key=form["key"], now=now)
    except JiefenError as exc:
        page = _form_page(p, form, phone=phone, proved=True, status_code=status_for(exc), general=[scrub(exc.detail)])
        return page, None
    log.info("portal: online application opened case %s", case.case_no)
    page = p.render("applied.html", case_no=case.case_no, code=spaced(case.public_code), raw_code=case.public_code)
    return page, case.id
