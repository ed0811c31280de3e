"""What each document says, gathered from the database (read only: documents never write case state).

A document is built from the audit event that caused it (`source_event_seq`), not from the case's
current columns: the event is immutable, so a document rendered late — or re-rendered as a
correction — states what was decided at that moment.
"""

import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from documents import qr, termination
from documents.amounts import in_capitals, in_figures
from documents.wording import ACCEPTANCE_BY_FAMILY, DIVERSION_CLOCK_NOTE, TERMINATION_LAW, agreement_wording, family_of
from models.tables import Case, CaseEvent, Deadline, Document, Mediator, Organization, Party, User
from states.enums import DisputeType, PartyKind, PartyRole
from states.labels import DISPUTE_TYPE_LABELS, DOCUMENT_TITLES, PARTY_ROLE_LABELS
from states.notices import notices_for


class DocumentSourceMissing(LookupError):
    pass


def cn_date(value: date | datetime, tz: ZoneInfo | None = None) -> str:
    if isinstance(value, datetime):
        if tz is not None and value.tzinfo is not None:
            value = value.astimezone(tz)
        value = value.date()
    return f"{value.year}年{value.month}月{value.day}日"


def _aware(text: str, tz: ZoneInfo) -> datetime:
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def _party(p: Party) -> dict[str, Any]:
    person = p.kind == PartyKind.PERSON
    return {
        "position": p.position,
        "role": PARTY_ROLE_LABELS.get(p.role, p.role),
        "kind": p.kind,
        "name": p.name,
        "id_label": "公民身份号码" if person else "统一社会信用代码",
        "id_value": (p.id_number if person else p.uscc) or "（未提供）",
        "address": p.address or "（未提供）",
        "phone": p.phone or "（未提供）",
        # a company shows who represents it (法定代表人) and any party its agent (委托代理人)
        "legal_representative": None if person else (p.legal_representative or "（未提供）"),
        "agent": p.agent,
    }


def _holders(parties: list[Party]) -> str:
    """Who keeps a copy, by the roles the parties have: 各方当事人, or 申请人、被申请人、第三人."""
    roles = [r for r in PartyRole if any(p.role == r for p in parties)]
    if PartyRole.THIRD_PARTY not in roles:
        return "各方当事人"
    return "、".join(PARTY_ROLE_LABELS[r] for r in roles)


def _event(session: Session, case_id: uuid.UUID, seq: int) -> CaseEvent:
    ev = session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.seq == seq)).first()
    if ev is None:
        raise DocumentSourceMissing(f"案件 {case_id} 没有第 {seq} 号事件")
    return ev


def _org(session: Session, code: str | None) -> Organization | None:
    if not code:
        return None
    return session.exec(select(Organization).where(Organization.code == code)).first()


def _org_public(org: Organization | None, code: str | None) -> dict[str, str]:
    """The organization as a document names it. Its code is kept for signing, never printed."""
    return {"code": code or "", "name": org.name if org else "（未指定）", "kind": org.kind if org else ""}


def _agreement_event(session: Session, case_id: uuid.UUID, before_seq: int) -> CaseEvent:
    ev = session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.trigger == "reach_agreement", CaseEvent.seq <= before_seq)
        .order_by(col(CaseEvent.seq).desc())
    ).first()
    if ev is None:
        raise DocumentSourceMissing("案件没有达成调解协议的记录")
    return ev


def _agreement(session: Session, case: Case, ev: CaseEvent, parties: list[Party], tz: ZoneInfo) -> dict[str, Any]:
    p = ev.payload
    names = {x.position: x.name for x in parties}
    signed = _aware(p["signed_at"], tz)
    obligations = []
    for i, ob in enumerate(p.get("obligations", []), start=1):
        amount = ob.get("amount")
        obligations.append(
            {
                "n": i,
                "obligor": names.get(ob["obligor"], f"第{ob['obligor'] + 1}位当事人"),
                "obligee": names.get(ob["obligee"], f"第{ob['obligee'] + 1}位当事人"),
                "description": ob["description"],
                "amount_figures": in_figures(amount) if amount is not None else None,
                "amount_capitals": in_capitals(amount) if amount is not None else None,
                # the last day of performance (民法典 第203条: it ends at 24:00)
                "due_date": cn_date(date.fromisoformat(ob["due_date"])) if ob.get("due_date") else None,
                "payment_method": ob.get("payment_method"),
                "place": ob.get("place"),
            }
        )
    agreed_org = (
        (case.agreement or {}).get("org_code")
        if (case.agreement or {}).get("signed_at") == signed.isoformat()
        else None
    )
    org_code = agreed_org or case.org_code
    mediator_code = (case.agreement or {}).get("mediator_code") or case.mediator_code
    mediator = session.exec(select(Mediator).where(Mediator.code == mediator_code)).first() if mediator_code else None
    org = _org_public(_org(session, org_code), org_code)
    return {
        "facts": p["facts"],
        "matters": p.get("matters"),
        "liability": p["liability"],
        "obligations": obligations,
        "total": _total(p.get("obligations", [])),
        "signed_date": cn_date(signed, tz),
        "form": p.get("form", "written"),
        "org": org,
        "mediator": {"name": mediator.name if mediator else "（未指定）"},
        "wording": agreement_wording(org["kind"], case.dispute_type, org["name"]),
        "holders": _holders(parties),
    }


AUTHORITY_LABELS = {"special": "特别授权", "general": "一般授权"}


def _applicants(case: Case, ev: CaseEvent, parties: list[Party]) -> list[dict[str, Any]]:
    """Every applicant of the joint application this event made, each a 申请人 whatever its role in the
    mediation, with the agent who applies for it (identity numbers whole: the case's record, matched by
    the event; the event itself holds them masked). An event without one (before joint applications were
    recorded): every party."""
    recorded = (ev.payload or {}).get("joint_application") or {}
    for application in (case.confirmation or {}).get("applications") or []:
        if application.get("seq") == ev.seq:
            recorded = application
    positions = recorded.get("applicants") or [p.position for p in parties]
    agents: dict[int, list[dict[str, Any]]] = {}
    for a in recorded.get("agents") or []:
        agents.setdefault(a["party"], []).append(
            {
                "name": a["name"],
                "id_value": a.get("id_number") or "（未提供）",
                "authority": AUTHORITY_LABELS.get(a.get("authority", ""), ""),
            }
        )
    online = {int(o["party"]): o for o in recorded.get("online") or []}
    return [
        {
            **_party(p),
            "role": "申请人",
            "agents": agents.get(p.position, []),
            "signed": p.position in (recorded.get("signed") or positions),
            # signed through the portal (workflows/stages/portal.py): how, and the day (local, as recorded)
            "online": cn_date(date.fromisoformat(online[p.position]["signed_on"])) if p.position in online else None,
        }
        for p in parties
        if p.position in positions
    ]


def _total(obligations: list[dict[str, Any]]) -> dict[str, str] | None:
    from decimal import Decimal

    amounts = [Decimal(str(o["amount"])) for o in obligations if o.get("amount") is not None]
    if len(amounts) < 2:
        return None
    return {"figures": in_figures(sum(amounts)), "capitals": in_capitals(sum(amounts))}


GROUND_LABELS = {
    "domicile": "当事人住所地",
    "subject_matter": "标的物所在地",
    "mediation_organization": "调解组织所在地",
}


def _jurisdiction(ev: CaseEvent, court: dict[str, str], org: dict[str, str]) -> str:
    """The ground of jurisdiction the application actually used (民事诉讼法 第205条), as the
    request_confirmation event recorded it; without a record, no ground is claimed."""
    j = ev.payload.get("jurisdiction") or {}
    grounds = list(j.get("grounds") or [])
    if grounds == ["inviting_court"]:
        return (
            f"本案系{court['name']}邀请调解组织开展先行调解（委派调解）的案件，依照《中华人民共和国民事诉讼法》"
            "第二百零五条第（一）项，由作出邀请的人民法院管辖。"
        )
    if grounds:
        where = "、".join(GROUND_LABELS[g] for g in grounds if g in GROUND_LABELS)
        level = "中级人民法院" if j.get("court_level") == "intermediate" else "基层人民法院"
        upper = "调解协议所涉纠纷应当由中级人民法院管辖，" if level == "中级人民法院" else ""
        return (
            f"本调解协议由{org['name']}自行开展调解达成。{upper}{court['name']}系{where}的{level}，"
            "依照《中华人民共和国民事诉讼法》第二百零五条第（二）项，贵院对本申请有管辖权。"
        )
    return "申请人依照《中华人民共和国民事诉讼法》第二百零五条向贵院提出申请。"


def build(session: Session, doc: Document, *, tz: ZoneInfo, public_url: str) -> dict[str, Any]:
    """The template context of a document (everything the template prints), QR code included."""
    case = session.get(Case, doc.case_id)
    if case is None:
        raise DocumentSourceMissing(f"案件 {doc.case_id} 不存在")
    if doc.source_event_seq is None:
        raise DocumentSourceMissing("文书没有来源事件")
    ev = _event(session, case.id, doc.source_event_seq)
    parties = list(session.exec(select(Party).where(Party.case_id == case.id).order_by(col(Party.position))))
    ctx: dict[str, Any] = {
        "kind": doc.kind,
        "title": DOCUMENT_TITLES[doc.kind],
        "doc_id": str(doc.id),
        "version": getattr(doc, "version", 1) or 1,
        "replaces_id": str(doc.replaces_id) if doc.replaces_id else None,
        "case_no": case.case_no,
        "dispute_type": DISPUTE_TYPE_LABELS.get(DisputeType(case.dispute_type), case.dispute_type),
        "summary": case.summary,
        "parties": [_party(p) for p in parties],
        "issued_date": cn_date(ev.at, tz),
    }
    match doc.kind:
        case "mediation_agreement":
            ctx["agreement"] = _agreement(session, case, ev, parties, tz)
            ctx["org"] = ctx["agreement"]["org"]
            ctx["title"] = ctx["agreement"]["wording"]["title"]
            ctx["copies"] = len(parties) + 1
        case "confirmation_application":
            agreement_ev = _agreement_event(session, case.id, ev.seq)
            ctx["agreement"] = _agreement(session, case, agreement_ev, parties, tz)
            ctx["applicants"] = _applicants(case, ev, parties)
            court_code = ev.payload.get("court_code") or case.court_code
            ctx["court"] = _org_public(_org(session, court_code), court_code)
            ctx["org"] = ctx["agreement"]["org"]
            ctx["jurisdiction"] = _jurisdiction(ev, ctx["court"], ctx["org"])
        case "termination_notice":
            _termination(session, case, ev, ctx, tz)
        case "acceptance_notice":
            _acceptance(session, case, ev, ctx, tz)
        case "intake_receipt":
            _receipt(session, ev, ctx, tz)
        case _:
            raise DocumentSourceMissing(f"未知的文书种类 {doc.kind}")
    ctx.setdefault("signer", ctx["org"])
    if doc.kind in PORTAL_CODE_DOCUMENTS and case.public_code:
        ctx["portal"] = _portal(case.public_code)
    code = verify_code(ctx)
    ctx["verify_code"] = code
    ctx["verify_url"] = public_url.rstrip("/") + qr.verify_path(code)
    ctx["qr"] = qr.qr_png_data_uri(ctx["verify_url"])
    return ctx


# The documents that print the case's code (一案一码) and its QR, for the party to follow the case at /p/.
PORTAL_CODE_DOCUMENTS = ("intake_receipt", "acceptance_notice")


def _portal(code: str) -> dict[str, str]:
    from models.public_codes import portal_url, spaced
    from models.settings import get_settings

    url = portal_url(get_settings(), code)
    return {"code": spaced(code), "url": url, "qr": qr.qr_png_data_uri(url)}


def _termination(session: Session, case: Case, ev: CaseEvent, ctx: dict[str, Any], tz: ZoneInfo) -> None:
    ctx["org"] = _org_public(_org(session, case.org_code), case.org_code)
    wording = agreement_wording(ctx["org"]["kind"], case.dispute_type, ctx["org"]["name"])
    ctx["self_name"] = wording["self_name"]
    ctx["termination_law"] = TERMINATION_LAW[family_of(ctx["org"]["kind"])]
    if ev.trigger == "mediation_timeout":
        dl = session.exec(
            select(Deadline)
            .where(Deadline.case_id == case.id, Deadline.kind == "mediation")
            .order_by(Deadline.created_at.desc())  # type: ignore[attr-defined]
        ).first()
        end = termination.ending(dl.profile if dl else None)
        ctx["reason"], ctx["reason_basis"] = end.reason, end.basis
    else:
        ctx["reason"] = ev.payload.get("reason", "调解不成")
        ctx["reason_basis"] = ""
    ctx["ended_date"] = cn_date(ev.at, tz)
    ctx["routes"] = termination.routes(case, family_of(ctx["org"]["kind"]))
    ctx["time_bars"] = termination.time_bars(case)


def _acceptance(session: Session, case: Case, ev: CaseEvent, ctx: dict[str, Any], tz: ZoneInfo) -> None:
    org_code = ev.payload.get("org_code") or case.org_code
    ctx["org"] = _org_public(_org(session, org_code), org_code)
    ctx["routing_reason"] = _routing_reason(ev.payload.get("routing") or {})
    ctx["after_acceptance"] = ACCEPTANCE_BY_FAMILY[family_of(ctx["org"]["kind"])]
    ctx["notices"] = [
        {"title": n.title, "text": n.text, "basis": n.basis}
        for n in notices_for(domestic_violence=case.domestic_violence, land_requisition=case.land_requisition)
        if n.to_parties
    ]
    dl = session.exec(
        select(Deadline)
        .where(Deadline.case_id == case.id, Deadline.kind == "diversion_acceptance", Deadline.created_at <= ev.at)
        .order_by(Deadline.created_at.desc())  # type: ignore[attr-defined]
    ).first()
    issuer = None
    user = session.exec(select(User).where(User.username == ev.actor)).first()
    if user is not None and user.org_code:
        issuer = _org(session, user.org_code)
    ctx["signer"] = (
        _org_public(issuer, issuer.code) if issuer else {"code": "", "name": "一站式矛盾纠纷调解中心", "kind": ""}
    )
    ctx["clock"] = (
        None
        if dl is None
        else {
            "days": dl.days,
            "unit": "个工作日" if dl.working_days else "日",
            "last_day": cn_date(dl.last_day),
            "due_at": dl.due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "note": DIVERSION_CLOCK_NOTE,
            "provisional": dl.provisional,
        }
    )


# The limitation period a request for mediation interrupts (workflows/clocks/limitation.py), as the 受理回执 says it.
RECEIPT_LIMITATION = {
    "limitation.labour": "依照《中华人民共和国劳动争议调解仲裁法》第二十七条第二款，向有关部门请求权利救济的，劳动争议仲裁时效",
    "limitation.land_contract": "依照《中华人民共和国民法典》第一百九十五条，农村土地承包经营纠纷的仲裁时效",
    "limitation.civil": "依照《中华人民共和国民法典》第一百九十五条和《最高人民法院关于审理民事案件适用诉讼时效制度若干问题的规定》"
    "第十二条，向调解组织提出保护民事权利的请求的，诉讼时效",
}


def _receipt(session: Session, ev: CaseEvent, ctx: dict[str, Any], tz: ZoneInfo) -> None:
    """受理回执, handed to the party at the window: the case number, the centre that received the request (the
    window user's organization, never the username), the day, what follows and by when, and how to ask.
    No numbers of the parties: names and roles only (the summary is left out too, a number may be typed
    into it), so a role that sees numbers masked may print it."""
    from models.settings import get_settings

    settings = get_settings()
    user = session.exec(select(User).where(User.username == ev.actor)).first()
    centre = _org(session, user.org_code) if user is not None and user.org_code else None
    ctx["org"] = (
        _org_public(centre, centre.code) if centre else {"code": "", "name": "一站式矛盾纠纷调解中心", "kind": ""}
    )
    ctx["received_date"] = cn_date(ev.at, tz)
    ctx["diversion_days"] = settings.diversion_acceptance_working_days
    ctx["diversion_note"] = DIVERSION_CLOCK_NOTE
    limitation = ev.payload.get("limitation") or {}
    interrupted = limitation.get("interrupted_on")
    ctx["limitation"] = (
        None
        if not interrupted
        else {
            "date": cn_date(date.fromisoformat(interrupted)),
            "label": RECEIPT_LIMITATION.get(limitation.get("profile", ""), RECEIPT_LIMITATION["limitation.civil"]),
        }
    )
    ctx["enquiry"] = settings.enquiry_contact.strip()


def _routing_reason(routing: dict[str, Any]) -> str:
    """Why the case went to this body, in the rule's own words: never the organization's load, stationing
    or code (the full explanation stays in the audit event for staff)."""
    if routing.get("rule") == "named":
        return ""
    if "rule_reason" in routing:
        return str(routing["rule_reason"])
    return str(routing.get("reason") or "").split("：", 1)[0]  # an older event: the rule's words come first


def verify_code(ctx: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of what the document says (printed in its QR code).

    The PDF's own SHA-256 cannot be printed inside the PDF; this code names the same document and
    the verification endpoint accepts either."""
    body = json.dumps(ctx, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()
