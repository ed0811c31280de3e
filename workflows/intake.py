"""Intake (受理登记): a new case, its parties, its limitation period (when `occurred_on` is given: opened and,
the case being a request for mediation, interrupted; workflows/clocks/limitation.py) and its first audit
event in one transaction."""

import hashlib
import json
import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.db import insert_for, write_transaction
from models.privacy import mask_id_number, mask_phone
from models.public_codes import new_public_code
from models.rows import CaseRow
from models.schemas import CaseCreate
from models.settings import get_settings
from models.tables import Case, CaseCounter, IdempotencyKey, Party
from states.enums import Role, State
from workflows.access import Actor, in_region
from workflows.audit.parties import party_digests
from workflows.case_numbers import format_case_no
from workflows.clocks.calendar import calendar_for
from workflows.clocks.deadlines import Deadlines
from workflows.clocks.limitation import open_at_intake as open_limitation
from workflows.engine.write import append_event
from workflows.errors import Forbidden, PayloadInvalid
from workflows.notify.hooks import after_event
from workflows.outbox.documents import register_documents

OPENING_ROLES = frozenset({Role.INTAKE, Role.SUPERVISOR})
OPEN_TRIGGER = "open"
RECEIPT_DOCUMENTS = ("intake_receipt",)
DOMESTIC_VIOLENCE_FLAG = "domestic_violence"
PARTIES = Party.__table__  # type: ignore[attr-defined]
KEYS = IdempotencyKey.__table__  # type: ignore[attr-defined]


def next_case_seq(session: Session, region: str, year: int) -> int:
    """Gap-free per (region, year): an atomic upsert that holds the counter row until commit."""
    stmt = (
        insert_for(session)(CaseCounter)
        .values(region=region, year=year, last=1)
        .on_conflict_do_update(index_elements=["region", "year"], set_={"last": CaseCounter.last + 1})
        .returning(col(CaseCounter.last))
    )
    return int(session.exec(stmt).scalar_one())


def request_digest(data: CaseCreate) -> str:
    """SHA-256 of the request as validated, in canonical JSON: key order, spacing, full-width digits and
    defaults spelled out change nothing; any change of substance changes it."""
    canonical = json.dumps(
        data.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_by_key(session: Session, actor: Actor, key: str, digest: str | None = None) -> Case | None:
    """The case the caller opened with this key, or None. A key first used with another body is refused
    (422); a key stored before digests were kept (none) replays its case for any body."""
    row = session.exec(
        select(IdempotencyKey).where(IdempotencyKey.actor == actor.name, IdempotencyKey.key == key)
    ).first()
    if row is None:
        return None
    if digest is not None and row.request_digest is not None and row.request_digest != digest:
        raise PayloadInvalid(
            ["header", "Idempotency-Key"],
            "Idempotency-Key 已用于另一份申请内容：同一键只能重复提交完全相同的申请；新的申请请使用新的键",
        )
    return session.get(Case, row.case_id)


def open_case(
    session: Session,
    *,
    data: CaseCreate,
    actor: Actor,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Case, bool]:
    """Open a case. Returns (case, created). A repeated Idempotency-Key with the same body returns the
    first case; with another body it is refused (422), also when both arrive at once."""
    if actor.role not in OPENING_ROLES:
        raise Forbidden(f"当前角色（{actor.role}）无权受理登记案件")
    if not in_region(data.region, actor.org_region):
        raise PayloadInvalid("region", f"region：案件所在地不在本中心辖区（{actor.org_region or '未设置'}）内")
    digest = None
    if idempotency_key is not None:
        key = idempotency_key.strip()
        if not key or len(key) > 200:
            raise PayloadInvalid(["header", "Idempotency-Key"], "Idempotency-Key：应为1至200个字符")
        digest = request_digest(data)
        existing = find_by_key(session, actor, key, digest)
        if existing is not None:
            return existing, False
    now = now or datetime.now(UTC)
    tz = get_settings().tz
    year = now.astimezone(tz).year
    county = data.region[:6]
    try:
        with write_transaction(session) as conn:
            if idempotency_key is not None:
                # Re-check under the write lock (SQLite) / let the primary key decide (PostgreSQL).
                existing = find_by_key(session, actor, idempotency_key.strip(), digest)
                if existing is not None:
                    return existing, False
            seq = next_case_seq(session, county, year)
            draft = Case(
                id=uuid.uuid4(),
                case_no=format_case_no(year, county, seq),
                region=data.region,
                dispute_type=data.dispute_type,
                channel=data.channel,
                summary=data.summary,
                state=State.INTAKE,
                version=1,
                claim_amount=data.claim_amount,
                occurred_on=data.occurred_on,
                arbitration_agreement=data.arbitration_agreement,
                status_matter=data.status_matter,
                commercial_mediation_chosen=data.commercial_mediation_chosen,
                land_requisition=data.land_requisition,
                domestic_violence=data.domestic_violence,
                public_code=new_public_code(),  # 一案一码 (/p/c/{code}; printed on the 受理回执)
                # 涉家庭暴力: flagged for supervision from the start (人民调解法 第25条; 反家庭暴力法).
                flags=[DOMESTIC_VIOLENCE_FLAG] if data.domestic_violence else [],
                referral=data.referral.model_dump(mode="json", exclude_none=True) if data.referral else None,
                created_by=actor.name,
                created_at=now,
                updated_at=now,
            )
            case = CaseRow(draft.model_dump(), new=True)
            clocks = limitation = None
            if data.occurred_on is not None:  # 时效: opened, and interrupted by this request for mediation
                clocks = Deadlines(case, [], now=now, calendar=calendar_for(conn))
                limitation = open_limitation(clocks, data.occurred_on, requested_on=now.astimezone(tz).date())
            parties = [
                {
                    "id": uuid.uuid4(),
                    "case_id": case.id,
                    "position": i,
                    "role": p.role,
                    "kind": p.kind,
                    "name": p.name,
                    "id_number": p.id_number,
                    "uscc": p.uscc,
                    "phone": p.phone,
                    "email": p.email,
                    "address": p.address,
                    "legal_representative": p.legal_representative,
                    "agent": p.agent,
                }
                for i, p in enumerate(data.parties)
            ]
            append_event(
                conn,
                case,
                actor=actor.name,
                event=OPEN_TRIGGER,
                at=now,
                payload={
                    "case_no": case.case_no,
                    "dispute_type": data.dispute_type,
                    "channel": data.channel,
                    "region": data.region,
                    "summary": data.summary,
                    **{
                        k: True
                        for k in ("commercial_mediation_chosen", "land_requisition", "domestic_violence")
                        if getattr(data, k)
                    },
                    "parties": [
                        {
                            "role": p.role,
                            "kind": p.kind,
                            "name": p.name,
                            "id_number": mask_id_number(p.id_number),
                            "uscc": p.uscc,
                            "phone": mask_phone(p.phone),
                        }
                        for p in data.parties
                    ],
                    # keyed digests of the parties as stored (full numbers, address, agents), which
                    # `jiefen audit verify` compares with the party rows (workflows/audit/parties.py)
                    "parties_digest": party_digests(parties),
                    **({"limitation": limitation} if limitation else {}),
                },
            )
            conn.execute(PARTIES.insert(), parties)
            after_event(conn, case, event=OPEN_TRIGGER, seq=case.event_seq, payload={}, at=now, parties=parties)
            # 受理回执 for the party at the window, rendered after commit like every document (docs/documents.md)
            register_documents(conn, case, RECEIPT_DOCUMENTS, now, seq=case.event_seq)
            if clocks is not None:
                clocks.write(conn)
            if idempotency_key is not None:
                conn.execute(
                    KEYS.insert(),
                    {
                        "actor": actor.name,
                        "key": idempotency_key.strip(),
                        "case_id": case.id,
                        "created_at": now,
                        "request_digest": digest,
                    },
                )
    except IntegrityError:
        if idempotency_key is None:
            raise
        session.rollback()
        existing = find_by_key(session, actor, idempotency_key.strip(), digest)
        if existing is None:
            raise
        return existing, False
    session.expire_all()
    opened = session.get(Case, case.id)
    assert opened is not None
    return opened, True
