"""One-time codes and the portal's throttles on each backend, on a fixed clock; and the case code's form."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from models.public_codes import ALPHABET, new_public_code, normalize_public_code
from models.settings import get_settings
from models.tables import OneTimeCode, PortalHit
from tests.factories import T0
from workflows.portal import otp
from workflows.portal.throttle import Scope, TooMany, take

PHONE = "13912345678"


def test_a_code_lives_its_minutes_and_no_longer(session: Session) -> None:
    settings = get_settings()
    _, old = otp.issue(session, settings, purpose=otp.Purpose.APPLY, phone=PHONE, now=T0)
    late = T0 + timedelta(minutes=settings.otp_minutes, seconds=1)
    assert not otp.verify(session, settings, purpose=otp.Purpose.APPLY, phone=PHONE, code=old, now=late)
    _, fresh = otp.issue(session, settings, purpose=otp.Purpose.APPLY, phone=PHONE, now=T0)
    in_time = T0 + timedelta(minutes=settings.otp_minutes - 1)
    assert otp.verify(session, settings, purpose=otp.Purpose.APPLY, phone=PHONE, code=fresh, now=in_time)
    # used once only
    assert not otp.verify(session, settings, purpose=otp.Purpose.APPLY, phone=PHONE, code=fresh, now=in_time)


def test_a_new_code_kills_the_one_before_and_the_purpose_and_phone_must_match(session: Session) -> None:
    settings = get_settings()
    _, first = otp.issue(session, settings, purpose=otp.Purpose.APPLY, phone=PHONE, now=T0)
    _, second = otp.issue(session, settings, purpose=otp.Purpose.APPLY, phone=PHONE, now=T0)
    if first != second:
        assert not otp.verify(session, settings, purpose=otp.Purpose.APPLY, phone=PHONE, code=first, now=T0)
    assert not otp.verify(session, settings, purpose=otp.Purpose.LOOKUP, phone=PHONE, code=second, now=T0)
    assert not otp.verify(session, settings, purpose=otp.Purpose.APPLY, phone="13700001111", code=second, now=T0)
    assert otp.verify(session, settings, purpose=otp.Purpose.APPLY, phone=PHONE, code=second, now=T0)


def test_the_code_dies_after_the_wrong_tries_allowed(session: Session) -> None:
    settings = get_settings()
    _, code = otp.issue(session, settings, purpose=otp.Purpose.APPLY, phone=PHONE, now=T0)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(settings.otp_max_attempts):
        assert not otp.verify(session, settings, purpose=otp.Purpose.APPLY, phone=PHONE, code=wrong, now=T0)
    assert not otp.verify(session, settings, purpose=otp.Purpose.APPLY, phone=PHONE, code=code, now=T0)
    [row] = session.exec(select(OneTimeCode)).all()
    assert row.attempts == settings.otp_max_attempts
    assert PHONE not in row.phone_hash and code not in row.code_hash  # keyed hashes only


def test_a_window_refuses_past_its_limit_and_opens_again_when_it_ends(session: Session) -> None:
    settings = get_settings().model_copy(update={"portal_lookups_per_code": 3, "portal_window_seconds": 600})
    for i in range(3):
        take(session, settings, [(Scope.LOOKUP_CODE, "K7M3PQ8X")], now=T0 + timedelta(seconds=i))
    with pytest.raises(TooMany) as over:
        take(session, settings, [(Scope.LOOKUP_CODE, "K7M3PQ8X")], now=T0 + timedelta(seconds=100))
    assert over.value.retry_after == 500  # the window opened at T0 and lasts 600 s
    take(session, settings, [(Scope.LOOKUP_CODE, "ANOTHER2")], now=T0 + timedelta(seconds=100))
    take(session, settings, [(Scope.LOOKUP_CODE, "K7M3PQ8X")], now=T0 + timedelta(seconds=601))
    assert all("K7M3PQ8X" not in h.key for h in session.exec(select(PortalHit)).all())


def test_case_codes_use_no_look_alikes_and_are_read_as_typed() -> None:
    codes = {new_public_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 8 and set(c) <= set(ALPHABET) for c in codes)
    assert not set("01OIL") & set(ALPHABET)
    assert normalize_public_code(" k7m3-pq8x ") == "K7M3PQ8X"
    assert normalize_public_code("K7M3 PQ8") is None
    assert normalize_public_code("K7M3PQ80") is None  # a zero is never in a code
