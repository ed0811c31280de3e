"""案件查询 (一案一码): the case code (scanned or typed), a one-time code to a phone on record, and the party's
view of the case — its state in plain words, who handles it, the next deadline, the documents addressed to the
parties. The answer to a lookup is the same, and as slow, whether or not the case exists or the phone is on
record; a wrong or dead code has one answer too.

Other portal pages check the party's session for a case with `case_party(p)` (api/portal/page.py): the
PartySession of a case lookup (its case_id and the positions of the parties whose phone was proved), or None.
"""

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime, time as time_of_day, timedelta, tzinfo

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from api.portal.page import Portal, PortalDep, case_party, seal, unseal
from api.portal.session import PartySession, end, issue
from models.fields import validate_phone
from models.privacy import mask_phone
from models.public_codes import normalize_public_code, spaced
from models.tables import Case, CaseEvent, Deadline, Document, Party
from states.enums import State, Trigger
from workflows.notify.sms import SmsError, send_sms
from workflows.portal import otp
from workflows.portal.throttle import Scope, take
from workflows.stages import portal

router = APIRouter(include_in_schema=False)
log = logging.getLogger("jiefen.portal")

SENT = "如信息无误，验证码已发送至您登记的手机，请在{minutes}分钟内填写。"
WRONG_CODE = "验证码错误或已失效，请重新获取验证码。"
BAD_CASE_CODE = "查询码为8位字母和数字（见受理回执或告知书上的“案件查询码”），请核对后重新填写。"
# The documents a party may download: those addressed to the parties (receipt, acceptance notice, their
# agreement, the termination notice, the joint application for judicial confirmation they signed).
PARTY_DOCUMENTS = (
    "intake_receipt",
    "acceptance_notice",
    "mediation_agreement",
    "termination_notice",
    "confirmation_application",
)


def _phone(typed: str) -> str | None:
    try:
        return validate_phone(typed[:24])
    except ValueError:
        return None


def _positions(p: Portal, case_id: uuid.UUID, phone: str) -> tuple[int, ...]:
    rows = p.session.exec(select(Party.position, Party.phone).where(Party.case_id == case_id)).all()
    return tuple(sorted(pos for pos, on_record in rows if on_record and _phone(on_record) == phone))


def _case_id(p: Portal, code: str) -> uuid.UUID | None:
    return p.session.exec(select(Case.id).where(Case.public_code == code)).first()


@router.get("/p/", response_class=HTMLResponse)
def home(p: PortalDep) -> HTMLResponse:
    return p.render("home.html", code="", error="")


@router.post("/p/lookup", response_class=HTMLResponse)
async def lookup(p: PortalDep) -> Response:
    raw = await p.request.form()
    p.check_csrf(raw.get("csrf"))
    typed = str(raw.get("code", ""))[:40]
    code = normalize_public_code(typed)
    if code is None:
        return p.render("home.html", status_code=422, code=typed.strip(), error=BAD_CASE_CODE)
    return RedirectResponse(f"/p/c/{code}", status_code=303)


@router.get("/p/c/{typed}", response_class=HTMLResponse)
def case_code(typed: str, p: PortalDep) -> HTMLResponse:
    code = normalize_public_code(typed)
    if code is None:
        return p.render("home.html", status_code=404, code="", error=BAD_CASE_CODE)
    return p.render("lookup_phone.html", code=code, shown=spaced(code), phone="", error="")


@router.post("/p/c/{typed}", response_class=HTMLResponse)
async def send_code(typed: str, p: PortalDep) -> HTMLResponse:
    started = time.monotonic()
    raw = await p.request.form()
    p.check_csrf(raw.get("csrf"))
    code = normalize_public_code(typed)
    if code is None:
        return p.render("home.html", status_code=404, code="", error=BAD_CASE_CODE)
    phone = _phone(str(raw.get("phone", "")))
    if phone is None:
        error = "手机号码：请填写登记的11位手机号码"
        return p.render("lookup_phone.html", status_code=422, code=code, shown=spaced(code), phone="", error=error)
    now = datetime.now(UTC)
    hits = [(Scope.LOOKUP_CODE, code), (Scope.LOOKUP_ADDRESS, p.address)]
    take(p.session, p.settings, [*hits, (Scope.SEND_MINUTE, phone), (Scope.SEND_HOUR, phone)], now=now)
    case_id = _case_id(p, code)
    if case_id is not None and _positions(p, case_id, phone):
        row_id, otp_code = otp.issue(
            p.session, p.settings, purpose=otp.Purpose.LOOKUP, phone=phone, case_id=case_id, now=now
        )
        try:
            params = {"code": otp_code, "minutes": str(p.settings.otp_minutes)}
            await run_in_threadpool(send_sms, phone, "otp", params)  # up to 10 s over the network: off the loop
        except SmsError as exc:  # answered as any other lookup: a failure here must not tell the phone matched
            otp.discard(p.session, row_id, now=now)
            log.warning("portal: a lookup's one-time code was not sent (%s)", exc)
    # The same answer, no sooner than portal_lookup_min_seconds, whether a code went out or not.
    wait = p.settings.portal_lookup_min_seconds - (time.monotonic() - started)
    if wait > 0:
        await asyncio.sleep(wait)  # never time.sleep here: it would stop every other request of the process
    return p.render(
        "lookup_code.html",
        code=code,
        shown=spaced(code),
        sealed=seal(p.settings, phone),
        masked_phone=mask_phone(phone),
        notice=SENT.format(minutes=p.settings.otp_minutes),
        error="",
    )


@router.post("/p/c/{typed}/verify", response_class=HTMLResponse)
async def verify_code(typed: str, p: PortalDep) -> Response:
    raw = await p.request.form()
    p.check_csrf(raw.get("csrf"))
    code = normalize_public_code(typed)
    phone = unseal(p.settings, raw.get("phone"))
    now = datetime.now(UTC)
    take(p.session, p.settings, [(Scope.VERIFY_ADDRESS, p.address)], now=now)
    case_id = _case_id(p, code) if code else None
    ok = (
        case_id is not None
        and phone is not None
        and otp.verify(
            p.session,
            p.settings,
            purpose=otp.Purpose.LOOKUP,
            phone=phone,
            code=str(raw.get("otp", "")),
            case_id=case_id,
            now=now,
        )
    )
    if not ok or case_id is None or phone is None:
        return p.render(
            "lookup_code.html",
            status_code=422,
            code=code or "",
            shown=spaced(code),
            sealed=seal(p.settings, phone) if phone else "",
            masked_phone=mask_phone(phone) if phone else "",
            notice="",
            error=WRONG_CODE,
        )
    response = RedirectResponse("/p/case", status_code=303)
    issue(response, p.settings, PartySession(phone=phone, case_id=case_id, positions=_positions(p, case_id, phone)))
    return response


@router.get("/p/case", response_class=HTMLResponse)
def case_page(p: PortalDep) -> Response:
    party = case_party(p)
    case = p.session.get(Case, party.case_id) if party else None
    if party is None or case is None:
        return RedirectResponse("/p/", status_code=303)
    parties = p.session.exec(select(Party).where(Party.case_id == case.id).order_by(col(Party.position))).all()
    deadline = p.session.exec(
        select(Deadline)
        .where(Deadline.case_id == case.id, Deadline.status == "pending", Deadline.kind != "limitation")
        .order_by(col(Deadline.due_at))
    ).first()
    rows = p.session.exec(
        select(Document.id, Document.kind, Document.created_at, Document.replaces_id)
        .where(Document.case_id == case.id, col(Document.kind).in_(PARTY_DOCUMENTS), Document.status == "rendered")
        .order_by(col(Document.created_at))
    ).all()
    replaced = {replaces for _, _, _, replaces in rows if replaces}
    documents = [
        {"id": doc_id, "kind": kind, "created_at": at} for doc_id, kind, at, _ in rows if doc_id not in replaced
    ]
    return p.render(
        "case.html",
        actions=_actions(p.session, case, party),
        case=case,
        code=spaced(case.public_code),
        parties=[{"name": x.name, "role": x.role, "mine": x.position in party.positions} for x in parties],
        deadline=deadline,
        deadline_day=_last_day(deadline.due_at, p.settings.tz) if deadline else None,
        documents=documents,
        masked_phone=mask_phone(party.phone),
    )


def _last_day(due_at: datetime, tz: tzinfo) -> str:
    """The last day of a period as a party reads it (2027年1月4日): `due_at` is the end of that day, 00:00 of
    the next in the centre's time zone, which "2027-01-05 00:00 前" would make a party misread by a day."""
    local = (due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC)).astimezone(tz)
    day = local.date() - timedelta(days=1) if local.time() == time_of_day(0) else local.date()
    return f"{day.year}年{day.month}月{day.day}日"


def _actions(session: Session, case: Case, party: PartySession) -> dict[str, bool]:
    """What the page offers the party now: to sign the joint application (the case in `agreement`, a
    position of theirs bound by it and not yet signed online), to rate the handling (closed, not yet rated
    by one of their positions)."""
    sign = False
    if case.state == State.AGREEMENT:
        bound, signed = set(portal.bound_positions(case.agreement)), portal.signatures(case)
        sign = any(pos in bound and pos not in signed for pos in party.positions)
    followup = False
    if case.state == State.CLOSED:
        rated = set(
            session.exec(
                select(CaseEvent.actor).where(
                    CaseEvent.case_id == case.id, CaseEvent.trigger == str(Trigger.RECORD_FOLLOWUP)
                )
            ).all()
        )
        followup = any(f"party:{pos}" not in rated for pos in party.positions)
    return {"sign": sign, "followup": followup}


@router.get("/p/documents/{doc_id}/pdf")
def document_pdf(doc_id: str, p: PortalDep) -> Response:
    party = case_party(p)
    try:
        wanted = uuid.UUID(doc_id)
    except ValueError:
        wanted = None
    doc = p.session.get(Document, wanted) if party and wanted else None
    if (
        party is None
        or doc is None
        or doc.case_id != party.case_id
        or doc.kind not in PARTY_DOCUMENTS
        or doc.status != "rendered"
        or doc.content is None
    ):
        return p.message("未找到文书", "未找到该文书，或您无权查看。请返回案件页面重新选择。", status_code=404)
    return Response(
        doc.content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{doc.kind}-{doc.id}.pdf"', "Cache-Control": "no-store"},
    )


@router.post("/p/logout")
async def logout(p: PortalDep) -> Response:
    raw = await p.request.form()
    p.check_csrf(raw.get("csrf"))
    response = RedirectResponse("/p/", status_code=303)
    end(response)
    return response
