"""One-time codes (验证码): six digits sent by SMS to prove a phone, to apply online or to see a case.

Stored as a row of `one_time_codes`: the phone and the code as keyed hashes (HMAC-SHA256, key derived from
JIEFEN_SECRET_KEY; models/public_codes.py), never in clear. A slow password hash (argon2) would add nothing
here: six digits are a million values, which anyone holding the table *and* the key could try under any hash,
while without the key an HMAC cannot be tried at all; what protects a code is that it lives
JIEFEN_OTP_MINUTES (5), dies after JIEFEN_OTP_MAX_ATTEMPTS (5) wrong tries (5 in 10⁶), is used once, and
that a new one kills the one before (so at most JIEFEN_OTP_SENDS_PER_HOUR × 5 guesses an hour per phone).
"""

import hmac
import secrets
import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select, update

from models.db import write_transaction
from models.public_codes import keyed_hash, phone_hash
from models.settings import Settings
from models.tables import OneTimeCode

DIGITS = 6


class Purpose(StrEnum):
    APPLY = "apply"
    LOOKUP = "lookup"


def _code_hash(settings: Settings, row_id: uuid.UUID, code: str) -> str:
    return keyed_hash(settings, f"otp:{row_id}", code)


def _live(purpose: Purpose, phone_key: str, case_id: uuid.UUID | None) -> ColumnElement[bool]:
    clause = (
        (col(OneTimeCode.purpose) == purpose.value)
        & (col(OneTimeCode.phone_hash) == phone_key)
        & col(OneTimeCode.used_at).is_(None)
    )
    return clause & (col(OneTimeCode.case_id).is_(None) if case_id is None else col(OneTimeCode.case_id) == case_id)


def issue(
    session: Session,
    settings: Settings,
    *,
    purpose: Purpose,
    phone: str,
    case_id: uuid.UUID | None = None,
    now: datetime,
) -> tuple[uuid.UUID, str]:
    """A new code for the phone (the codes it had for the same purpose and case die): (row id, the code)."""
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    row_id = uuid.uuid4()
    key = phone_hash(settings, phone)
    with write_transaction(session) as conn:
        conn.execute(update(OneTimeCode).where(_live(purpose, key, case_id)).values(used_at=now))
        conn.execute(
            OneTimeCode.__table__.insert().values(  # type: ignore[attr-defined]
                id=row_id,
                purpose=purpose.value,
                phone_hash=key,
                case_id=case_id,
                code_hash=_code_hash(settings, row_id, code),
                expires_at=now + timedelta(minutes=settings.otp_minutes),
                attempts=0,
                created_at=now,
            )
        )
    return row_id, code


def discard(session: Session, row_id: uuid.UUID, *, now: datetime) -> None:
    """A code that could not be sent: dead at once."""
    with write_transaction(session) as conn:
        conn.execute(update(OneTimeCode).where(col(OneTimeCode.id) == row_id).values(used_at=now))


def verify(
    session: Session,
    settings: Settings,
    *,
    purpose: Purpose,
    phone: str,
    code: str,
    case_id: uuid.UUID | None = None,
    now: datetime,
) -> bool:
    """Whether `code` is the live code of the phone (for this purpose and case). A right code is used up; a
    wrong one counts against the code, which dies at the limit. Why it failed is not told: one answer."""
    key = phone_hash(settings, phone)
    typed = code.strip()[: DIGITS + 2]
    with write_transaction(session) as conn:
        row = conn.execute(
            select(OneTimeCode.id, OneTimeCode.code_hash, OneTimeCode.expires_at, OneTimeCode.attempts)
            .where(_live(purpose, key, case_id))
            .order_by(col(OneTimeCode.created_at).desc())
            .limit(1)
        ).first()
        if row is None:
            return False
        row_id, stored, expires_at, attempts = row
        if expires_at <= now or attempts >= settings.otp_max_attempts:
            return False
        if hmac.compare_digest(stored, _code_hash(settings, row_id, typed)):
            used = conn.execute(
                update(OneTimeCode)
                .where(col(OneTimeCode.id) == row_id, col(OneTimeCode.used_at).is_(None))
                .values(used_at=now)
            )
            return bool(used.rowcount == 1)
        conn.execute(update(OneTimeCode).where(col(OneTimeCode.id) == row_id).values(attempts=OneTimeCode.attempts + 1))
        return False
