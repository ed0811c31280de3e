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

from documents import qr
from documents.amounts import in_capitals, in_figures
from models.tables import Case, CaseEvent, Deadline, Document, Mediator, Organization, Party, User
from states.enums import DisputeType
from states.labels import ARBITRATION_BODY_LABELS, DISPUTE_TYPE_LABELS, DOCUMENT_TITLES, PARTY_ROLE_LABELS
from states.remedies import REMEDIES, ArbitrationRemedy


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
    person = p.kind == "person"
    return {
        "position": p.position,
        "role": PARTY_ROLE_LABELS.get(p.role, p.role),
        "kind": p.kind,
        "name": p.name,
        "id_label": "公民身份号码" if person else "统一社会信用代码",
        "id_value": (p.id_number if person else p.uscc) or "（未提供）",
        "address": p.address or "（未提供）",
        "phone": p.phone or "（未提供）",
    }


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
    return {"code": code or "", "name": org.name if org else (code or "（未指定）")}


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
                "obligor": names.get(ob["obligor"], f"当事人{ob['obligor']}"),
                "obligee": names.get(ob["obligee"], f"当事人{ob['obligee']}"),
                "description": ob["description"],
                "amount_figures": in_figures(amount) if amount is not None else None,
                "amount_capitals": in_capitals(amount) if amount is not None else None,
                "due_date": cn_date(date.fromisoformat(ob["due_date"])) if ob.get("due_date") else None,
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
    return {
        "facts": p["facts"],
        "liability": p["liability"],
        "obligations": obligations,
        "total_capitals": _total(p.get("obligations", [])),
        "signed_date": cn_date(signed, tz),
        "form": p.get("form", "written"),
        "org": _org_public(_org(session, org_code), org_code),
        "mediator": {"code": mediator_code or "", "name": mediator.name if mediator else (mediator_code or "")},
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
    return [
        {
            **_party(p),
            "role": "申请人",
            "agents": agents.get(p.position, []),
            "signed": p.position in (recorded.get("signed") or positions),
        }
        for p in parties
        if p.position in positions
    ]


def _total(obligations: list[dict[str, Any]]) -> str | None:
    from decimal import Decimal

    amounts = [Decimal(str(o["amount"])) for o in obligations if o.get("amount") is not None]
    if len(amounts) < 2:
        return None
    return f"{in_figures(sum(amounts))}（{in_capitals(sum(amounts))}）"


def _routes(case: Case) -> list[dict[str, str]]:
    """Where the parties may still go (人民调解法 第26条), per dispute type, from states/remedies.py."""
    route = REMEDIES[DisputeType(case.dispute_type)]
    body = ARBITRATION_BODY_LABELS.get(route.arbitration_body_kind or "", "仲裁机构")
    out: list[dict[str, str]] = []
    match route.arbitration:
        case ArbitrationRemedy.MANDATORY:
            out.append(
                {
                    "route": "仲裁",
                    "text": f"向有管辖权的{body}申请仲裁；劳动争议须先经仲裁，对仲裁裁决不服的，方可向人民法院提起诉讼。",
                    "basis": route.arbitration_basis,
                }
            )
        case ArbitrationRemedy.OPTIONAL:
            out.append(
                {
                    "route": "仲裁",
                    "text": f"向{body}申请仲裁，也可以直接向人民法院提起诉讼。",
                    "basis": route.arbitration_basis,
                }
            )
        case ArbitrationRemedy.AGREEMENT:
            text = (
                f"双方已有书面仲裁协议的，可依该协议向约定的{body}申请仲裁。"
                if case.arbitration_agreement
                else f"双方达成书面仲裁协议的，可向约定的{body}申请仲裁；没有仲裁协议的，不能申请仲裁。"
            )
            out.append({"route": "仲裁", "text": text, "basis": route.arbitration_basis})
        case ArbitrationRemedy.NEVER:
            out.append({"route": "仲裁", "text": "本类纠纷依法不能申请仲裁。", "basis": route.arbitration_basis})
    out.append(
        {
            "route": "行政途径",
            "text": "属于行政机关职权范围的事项，可以请求有关行政机关依法处理。",
            "basis": "人民调解法 第26条",
        }
    )
    litigation = (
        "对仲裁裁决不服的，可以依法向人民法院提起诉讼。"
        if route.arbitration is ArbitrationRemedy.MANDATORY
        else "可以依法向有管辖权的人民法院提起诉讼。"
    )
    out.append({"route": "司法途径", "text": litigation, "basis": "人民调解法 第26条；民事诉讼法 第122条"})
    return out


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
            ctx["copies"] = len(parties) + 1
        case "confirmation_application":
            agreement_ev = _agreement_event(session, case.id, ev.seq)
            ctx["agreement"] = _agreement(session, case, agreement_ev, parties, tz)
            ctx["applicants"] = _applicants(case, ev, parties)
            court_code = ev.payload.get("court_code") or case.court_code
            ctx["court"] = _org_public(_org(session, court_code), court_code)
            ctx["org"] = ctx["agreement"]["org"]
            if case.channel == "court_referral":
                ctx["jurisdiction"] = (
                    f"本案系{ctx['court']['name']}委派调解的案件，依照《中华人民共和国民事诉讼法》"
                    "第二百零五条第（一）项，由作出委派的人民法院管辖。"
                )
            else:
                ctx["jurisdiction"] = (
                    f"本调解协议由{ctx['org']['name']}主持达成，{ctx['court']['name']}为该调解组织所在地"
                    "基层人民法院，依照《中华人民共和国民事诉讼法》第二百零五条第（二）项，贵院对本申请有管辖权。"
                )
        case "termination_notice":
            ctx["org"] = _org_public(_org(session, case.org_code), case.org_code)
            if ev.trigger == "mediation_timeout":
                ctx["reason"] = "调解期限届满，双方仍未达成调解协议，依法视为调解不成。"
                dl = session.exec(
                    select(Deadline)
                    .where(Deadline.case_id == case.id, Deadline.kind == "mediation")
                    .order_by(col(Deadline.created_at).desc())
                ).first()
                ctx["reason_basis"] = dl.basis if dl else ""
                if dl is not None and dl.profile.startswith("mediation.court_entrusted"):
                    # 委托调解: the case returns to the entrusting court for trial (特邀调解规定 第21条、第27条).
                    ctx["reason"] = "调解期限届满，双方仍未达成调解协议，依法视为调解不成，案件退回人民法院审理。"
            else:
                ctx["reason"] = ev.payload.get("reason", "调解不成")
                ctx["reason_basis"] = ""
            ctx["ended_date"] = cn_date(ev.at, tz)
            ctx["routes"] = _routes(case)
        case "acceptance_notice":
            org_code = ev.payload.get("org_code") or case.org_code
            ctx["org"] = _org_public(_org(session, org_code), org_code)
            ctx["routing_reason"] = (ev.payload.get("routing") or {}).get("reason", "")
            dl = session.exec(
                select(Deadline)
                .where(
                    Deadline.case_id == case.id, Deadline.kind == "diversion_acceptance", Deadline.created_at <= ev.at
                )
                .order_by(col(Deadline.created_at).desc())
            ).first()
            issuer = None
            user = session.exec(select(User).where(User.username == ev.actor)).first()
            if user is not None and user.org_code:
                issuer = _org(session, user.org_code)
            ctx["signer"] = (
                _org_public(issuer, issuer.code if issuer else "")
                if issuer
                else {"code": "", "name": "一站式矛盾纠纷调解中心"}
            )
            ctx["clock"] = (
                None
                if dl is None
                else {
                    "days": dl.days,
                    "unit": "个工作日" if dl.working_days else "日",
                    "last_day": cn_date(dl.last_day),
                    "due_at": dl.due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                    "basis": dl.basis,
                    "provisional": dl.provisional,
                }
            )
        case _:
            raise DocumentSourceMissing(f"未知的文书种类 {doc.kind}")
    ctx.setdefault("signer", ctx["org"])
    code = verify_code(ctx)
    ctx["verify_code"] = code
    ctx["verify_url"] = public_url.rstrip("/") + qr.verify_path(code)
    ctx["qr"] = qr.qr_png_data_uri(ctx["verify_url"])
    return ctx


def verify_code(ctx: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of what the document says (printed in its QR code).

    The PDF's own SHA-256 cannot be printed inside the PDF; this code names the same document and
    the verification endpoint accepts either."""
    body = json.dumps(ctx, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()
