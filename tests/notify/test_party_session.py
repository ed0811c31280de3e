"""The party's portal session cookie: what it carries, and what it refuses."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt
from fastapi import Request, Response

from api.portal.session import COOKIE, PartySession, current, issue
from models.settings import get_settings


def _request(cookie: str | None) -> Request:
    headers = [(b"cookie", f"{COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "headers": headers, "method": "GET", "path": "/p/"})


def _cookie(response: Response) -> str:
    header = response.headers["set-cookie"]
    return header.split(";", 1)[0].split("=", 1)[1]


def test_a_session_comes_back_as_issued_and_is_httponly_strict() -> None:
    settings = get_settings()
    party = PartySession(phone="13800138000", case_id=uuid.uuid4(), positions=(0, 2))
    response = Response()
    issue(response, settings, party)
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header and "path=/p/" in header
    assert current(_request(_cookie(response)), settings) == party


def test_an_expired_a_forged_or_a_staff_token_is_no_session() -> None:
    settings = get_settings()
    response = Response()
    issue(response, settings, PartySession(phone="13800138000"), now=datetime.now(UTC) - timedelta(hours=2))
    assert current(_request(_cookie(response)), settings) is None
    forged = jwt.encode(
        {"aud": "jiefen-portal", "phone": "13800138000"},
        "another key that is long enough 0123456789",
        algorithm="HS256",
    )
    assert current(_request(forged), settings) is None
    staff_key = settings.secret_key.get_secret_value()
    staff = jwt.encode({"aud": "jiefen-portal", "phone": "13800138000"}, staff_key, algorithm="HS256")
    assert current(_request(staff), settings) is None
    assert current(_request(None), settings) is None
