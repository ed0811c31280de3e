"""SQLModel tables. UUID primary keys, human case numbers separate, timestamps timezone-aware UTC."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow
from states.enums import CourtLevel, Stationing


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime(), **kw)


def _json(**kw: Any) -> Any:
    return Field(sa_type=sa.JSON, **kw)


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=40, index=True)
    level: str = Field(max_length=16)
    region: str = Field(max_length=12, index=True)
    parent_code: str | None = Field(default=None, max_length=64, index=True)
    dispute_types: list[str] = _json(default_factory=list)
    stationing: str = Field(default=Stationing.RESIDENT.value, max_length=16)
    duty_days: list[str] = _json(default_factory=list)
    capacity: int | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    # Courts (their codes) that have invited this organization as a 特邀调解组织 (特邀调解规定 第3条、第8条).
    invited_by: list[str] = _json(default_factory=list, sa_column_kwargs={"server_default": "[]"})
    # Courts: the level that hears judicial confirmation (民事诉讼法 第205条),
    # and the webhook a court that prefers push receives its hand-offs at (the secret is never returned).
    court_level: str = Field(
        default=CourtLevel.BASIC.value, max_length=16, sa_column_kwargs={"server_default": CourtLevel.BASIC.value}
    )
    webhook_url: str | None = Field(default=None, max_length=500)
    webhook_secret: str | None = Field(default=None, max_length=200)


class Mediator(SQLModel, table=True):
    __tablename__ = "mediators"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=100)
    org_code: str = Field(max_length=64, foreign_key="organizations.code", index=True)
    specialties: list[str] = _json(default_factory=list)
    part_time: bool = False
    capacity: int | None = None
    created_at: datetime = _ts()
    # A retired mediator stays on record (cases name them) but is offered no new case.
    active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    org_code: str | None = Field(default=None, max_length=64, foreign_key="organizations.code")
    mediator_code: str | None = Field(default=None, max_length=64, foreign_key="mediators.code")
    display_name: str | None = Field(default=None, max_length=100)
    is_active: bool = True
    created_at: datetime = _ts()
    # Every token names the epoch it was issued in; a password change or reset and disabling the user bump
    # it, and tokens of an earlier epoch are refused (all of the user's sessions end at once).
    token_epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Set when an administrator gives the user a password: until they choose their own, only the password
    # change is served to them (api/deps.py, api/web/page.py).
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class AdminChange(SQLModel, table=True):
    """What an administrator changed (a user, a mediator, an organization): who, when, the values before and
    after. Passwords and webhook secrets are never recorded, only that they were set."""

    __tablename__ = "admin_changes"
    __table_args__ = (sa.Index("ix_admin_changes_entity_key", "entity", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    actor: str = Field(max_length=64)
    entity: str = Field(max_length=16)  # user | mediator | organization
    key: str = Field(max_length=64)  # the username or code
    action: str = Field(max_length=32)  # create | update | delete | reset_password | disable | enable | retire
    before: dict[str, Any] | None = _json(default=None)
    after: dict[str, Any] | None = _json(default=None)


class RevokedToken(SQLModel, table=True):
    """A token logged out before it expired (its `jti`); kept until it would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: str = Field(max_length=64, primary_key=True)
    username: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime(), index=True)


class LoginFailure(SQLModel, table=True):
    """Wrong passwords counted per username and per client address (`scope`) in a fixed window, shared by
    every process. `key` is a SHA-256 of the username or address: what was typed is not stored."""

    __tablename__ = "login_failures"

    scope: str = Field(max_length=16, primary_key=True)  # user | address
    key: str = Field(max_length=64, primary_key=True)
    count: int = 0
    window_start: datetime = Field(sa_type=UTCDateTime(), index=True)


class Case(SQLModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (
        sa.Index("ix_cases_state_updated", "state", "updated_at"),
        sa.Index("ix_cases_org_state", "org_code", "state"),
        # Lists: their order and the keyset seek after a cursor; a mediator's (its organization's) list;
        # the 督办 statistics of the last months (workflows/read/case_list.py, reports.py).
        sa.Index("ix_cases_updated_id", "updated_at", "id"),
        sa.Index("ix_cases_org_updated", "org_code", "updated_at", "id"),
        sa.Index("ix_cases_created_scope", "created_at", "region", "dispute_type"),
        # 一案一码: the code a party scans or types to follow the case (/p/c/{code}), unique.
        sa.Index("ux_cases_public_code", "public_code", unique=True),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_no: str = Field(max_length=64, unique=True)
    region: str = Field(max_length=12, index=True)
    dispute_type: str = Field(max_length=20, index=True)
    channel: str = Field(max_length=20)
    summary: str
    state: str = Field(default="intake", max_length=32)
    version: int = 1
    org_code: str | None = Field(default=None, max_length=64)
    mediator_code: str | None = Field(default=None, max_length=64)
    court_code: str | None = Field(default=None, max_length=64, index=True)
    arbitration_body_code: str | None = Field(default=None, max_length=64)
    claim_amount: Decimal | None = Field(default=None, sa_type=sa.Numeric(16, 2))
    occurred_on: date | None = None
    arbitration_agreement: bool = False
    status_matter: bool = False
    referral: dict[str, Any] | None = _json(default=None)
    agreement: dict[str, Any] | None = _json(default=None)
    arbitrated: bool = False
    flags: list[str] = _json(default_factory=list)  # supervision flags (督办)
    # Head of the audit chain: the last event's seq and hash, moved under the case lock with every
    # event, so appending needs no lookup and a truncated log cannot pass verification.
    event_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    event_head: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    created_by: str = Field(max_length=64)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    # Diversion (分流): when a rotating (轮驻) organization off duty today will next sit at the centre,
    # and the organizations that have passed the case on (declined, escalated, timed out): never again.
    next_duty_day: date | None = None
    passed_org_codes: list[str] = _json(default_factory=list, sa_column_kwargs={"server_default": "[]"})
    # After mediation: the arbitration record (the application's receipt, acceptance or refusal,
    # extensions, the award) and the judicial confirmation record (each joint application with its
    # signatories and agents, the court's 立案, extensions, refusal, withdrawal).
    arbitration: dict[str, Any] | None = _json(default=None)
    confirmation: dict[str, Any] | None = _json(default=None)
    # Intake facts routing and the guards read: the parties (all persons) chose paid commercial mediation;
    # the dispute is over land requisition or its compensation (征地补偿, 农村土地承包经营纠纷调解仲裁法
    # 第2条第3款: not for land-contract arbitration); a family dispute with domestic violence.
    commercial_mediation_chosen: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    land_requisition: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    domestic_violence: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # 一案一码 (models/public_codes.py): 8 characters, random, given at intake.
    public_code: str | None = Field(default=None, max_length=8)


class OneTimeCode(SQLModel, table=True):
    """A one-time code (验证码) sent by SMS to a party's phone (workflows/portal/otp.py). The phone and the code
    are kept only as keyed hashes (HMAC-SHA256 with a key derived from the secret): neither is stored in clear."""

    __tablename__ = "one_time_codes"
    __table_args__ = (sa.Index("ix_one_time_codes_phone", "phone_hash", "purpose", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    purpose: str = Field(max_length=16)  # apply | lookup
    phone_hash: str = Field(max_length=64)
    case_id: uuid.UUID | None = Field(default=None, foreign_key="cases.id", index=True)
    code_hash: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime(), index=True)
    attempts: int = 0
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    created_at: datetime = Field(sa_type=UTCDateTime())


class PortalHit(SQLModel, table=True):
    """The portal's throttles (workflows/portal/throttle.py): requests counted per scope (send_minute,
    send_hour, lookup_code, lookup_address, verify_address, apply_address) and key (a keyed hash of the phone,
    code or address) in a fixed window, shared by every process."""

    __tablename__ = "portal_hits"

    scope: str = Field(max_length=16, primary_key=True)
    key: str = Field(max_length=64, primary_key=True)
    count: int = 0
    window_start: datetime = Field(sa_type=UTCDateTime(), index=True)


class Party(SQLModel, table=True):
    __tablename__ = "parties"
    __table_args__ = (sa.UniqueConstraint("case_id", "position"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="cases.id", index=True)
    position: int  # index in the case's parties list, from 0 (obligations refer to it)
    role: str = Field(max_length=16)
    kind: str = Field(max_length=16)
    name: str = Field(max_length=200)
    id_number: str | None = Field(default=None, max_length=18, index=True)
    uscc: str | None = Field(default=None, max_length=18, index=True)
    phone: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=300)
    # Where the party's email notices go (workflows/notify/party.py); masked like the phone (models/privacy.py).
    email: str | None = Field(default=None, max_length=254)
    # An organization's legal representative (法定代表人 or 负责人), and the party's agent (委托代理人).
    legal_representative: str | None = Field(default=None, max_length=100)
    agent: str | None = Field(default=None, max_length=200)


class CaseEvent(SQLModel, table=True):
    """The audit log. Append-only; each event's hash covers its content and the previous hash."""

    __tablename__ = "case_events"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "seq"),
        sa.Index("ix_case_events_at_trigger", "at", "trigger"),  # a period's events (workflows/read/statistics.py)
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="cases.id")
    seq: int
    at: datetime = _ts()
    actor: str = Field(max_length=64)
    trigger: str = Field(max_length=40)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str = Field(max_length=32)
    payload: dict[str, Any] = _json(default_factory=dict)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    # Which audit key made `hash` (HMAC-SHA256, workflows/audit/keys.py); NULL: plain SHA-256, the
    # events written before the chain was keyed (trusted only as far as a checkpoint pins them).
    key_id: str | None = Field(default=None, max_length=32)


class AuditCheckpoint(SQLModel, table=True):
    """Each signed checkpoint written to the checkpoint file (workflows/audit/checkpoint.py), noted here
    too: a checkpoint file cut short by its last lines no longer matches the database's record of it."""

    __tablename__ = "audit_checkpoints"

    n: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = _ts()
    line_hash: str = Field(max_length=64)
    cases: int = 0


class Deadline(SQLModel, table=True):
    __tablename__ = "deadlines"
    __table_args__ = (
        sa.Index("ix_deadlines_status_due", "status", "due_at"),
        sa.Index("ix_deadlines_status_remind", "status", "remind_at"),
        sa.Index("ix_deadlines_case_kind_created", "case_id", "kind", "created_at"),  # a case's latest of a kind
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="cases.id", index=True)
    kind: str = Field(max_length=40)
    profile: str = Field(max_length=60)
    start_date: date
    days: int
    working_days: bool = False
    last_day: date
    due_at: datetime = Field(sa_type=UTCDateTime())
    status: str = Field(default="pending", max_length=16)
    basis: str
    provisional: bool = False
    on_expiry: str | None = Field(default=None, max_length=40)
    # Before 0007 a paused clock kept the seconds it had left; read only for clocks paused then.
    remaining_seconds: int | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    # Reminders: when to remind (due_at - the profile's lead time; NULL once reminded, or
    # when the profile has none), and when the reminder went to the outbox.
    reminder_lead_seconds: int | None = None
    remind_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    # Counting in the clock's own unit (docs/contract.md §4a v2): the last day is `counted_days` days
    # (calendar or working, as `working_days` says) after `counted_from` — the start day, or the day
    # the clock was last resumed (NULL: start_date and days). While paused: the local day of the
    # pause, and the days left after it up to and including the last day.
    counted_from: date | None = None
    counted_days: int | None = None
    paused_on: date | None = None
    remaining_days: int | None = None
    # What the clock belongs to when a case has several of a kind (an obligation's enforcement clock:
    # "obligations[0]"), and the day a limitation period was interrupted (the mediation request,
    # 民法典 第195条; 劳动争议调解仲裁法 第27条第2款).
    ref: str | None = Field(default=None, max_length=60)
    interrupted_on: date | None = None
    # Days of its unit added by extensions so far (the total a profile caps, workflows/clocks/profiles.py).
    extended_days: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Document(SQLModel, table=True):
    __tablename__ = "documents"
    __table_args__ = (sa.Index("ux_documents_kind_period", "kind", "period", unique=True),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # None: a document of the centre, not of a case (the monthly statistics workbook, kind `monthly_report`,
    # for its `period` "2026-11": one per kind and period).
    case_id: uuid.UUID | None = Field(default=None, foreign_key="cases.id", index=True)
    kind: str = Field(max_length=40)
    status: str = Field(default="pending", max_length=16)  # pending | rendered | failed
    sha256: str | None = Field(default=None, max_length=64, index=True)
    content: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    replaces_id: uuid.UUID | None = Field(default=None, foreign_key="documents.id")
    source_event_seq: int | None = None
    created_at: datetime = _ts()
    # Documents: corrections count up from 1; the rendering outbox's retries (index
    # ix_documents_status_next on status, next_attempt_at); the code the QR prints.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_error: str | None = None
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    rendered_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    verify_code: str | None = Field(default=None, max_length=64, index=True)
    # The renderer working on it, until when (workflows/outbox/claims.py): a lapsed claim is free again.
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime())
    period: str | None = Field(default=None, max_length=16)


class CourtHandoff(SQLModel, table=True):
    """Outbox of judicial-confirmation hand-offs to courts."""

    __tablename__ = "court_handoffs"
    __table_args__ = (sa.Index("ix_handoffs_court_status", "court_code", "status"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="cases.id", index=True)
    court_code: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=16)  # pending | accepted | decided
    package: dict[str, Any] = _json(default_factory=dict)
    created_at: datetime = _ts()
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    # The court's ruling (裁定书号) and its outcome, confirmed | rejected.
    ruling_no: str | None = Field(default=None, max_length=100)
    outcome: str | None = Field(default=None, max_length=16)


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    actor: str = Field(max_length=64, primary_key=True)
    key: str = Field(max_length=200, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="cases.id")
    created_at: datetime = _ts()
    # SHA-256 of the canonical request body the key was first used with (workflows/intake.py); NULL for
    # keys stored before 0013, which keep replaying their case for any body.
    request_digest: str | None = Field(default=None, max_length=64)


class CaseCounter(SQLModel, table=True):
    """Gap-free case numbers per region (county code) and year."""

    __tablename__ = "case_counters"

    region: str = Field(max_length=12, primary_key=True)
    year: int = Field(primary_key=True)
    last: int = 0


class Notification(SQLModel, table=True):
    """Outbox of messages to people and systems (call-outs, reminders, overdue notices, webhooks).

    Written in the same transaction as what causes it; delivered afterwards, retried until done."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_status_next", "status", "next_attempt_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=40)  # call_out | reminder | overdue | …
    case_id: uuid.UUID | None = Field(default=None, foreign_key="cases.id", index=True)
    org_code: str | None = Field(default=None, max_length=64)
    recipient: str | None = Field(default=None, max_length=200)
    payload: dict[str, Any] = _json(default_factory=dict)
    status: str = Field(default="pending", max_length=16)  # pending | delivered | failed
    attempts: int = 0
    last_error: str | None = None
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = _ts()
    next_attempt_at: datetime = _ts()
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class CalendarYear(SQLModel, table=True):
    """An official holiday schedule loaded by the operator for a year chinese-calendar does not cover."""

    __tablename__ = "calendar_years"

    year: int = Field(primary_key=True)
    holidays: list[str] = _json(default_factory=list)  # ISO dates off (weekdays made holidays)
    workdays: list[str] = _json(default_factory=list)  # ISO dates worked (调休 make-up days)
    source: str | None = Field(default=None, max_length=300)
    loaded_at: datetime = _ts()


class StaffMessage(SQLModel, table=True):
    """A message to a member of staff in the app (消息): a case assigned to them, a deadline within its
    reminder lead, the court's ruling, a push that failed (workflows/notify/inbox.py). Written in the
    transaction of what causes it; `dedupe_key` keeps one per event and recipient however often that runs."""

    __tablename__ = "staff_messages"
    __table_args__ = (sa.Index("ix_staff_messages_inbox", "username", "read_at", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)  # the recipient (users.username)
    kind: str = Field(max_length=32)  # assigned | reminder | court_ruling | push_failed
    case_id: uuid.UUID | None = Field(default=None, foreign_key="cases.id", index=True)
    title: str = Field(max_length=200)
    body: str = Field(max_length=1000)
    link: str | None = Field(default=None, max_length=300)  # a page of the web interface
    created_at: datetime = _ts()
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    dedupe_key: str = Field(max_length=200, unique=True)


class DirectoryStamp(SQLModel, table=True):
    """A token the database changes (a trigger, migration 0018) with every write to the table `name`:
    a process's cache of that table is current while the token is the one it was read with."""

    __tablename__ = "directory_stamps"

    name: str = Field(max_length=32, primary_key=True)
    stamp: str = Field(max_length=32)
