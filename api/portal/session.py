"""The party's session: what a one-time code proved, in a signed cookie (JWT, HS256, the app's secret).

    PartySession(phone="13800138000", case_id=None, positions=())      # after proving a phone (online application)
    PartySession(phone=…, case_id=<uuid>, positions=(0,))              # after a case lookup: parties 0's phone

The cookie is HttpOnly, SameSite=Strict, Secure outside development and test, on path /p/, and lasts
JIEFEN_PORTAL_SESSION_MINUTES (30). Its audience `jiefen-portal` keeps it from ever passing as a staff
token (api/security.py), and a staff token from passing as it. The phone inside is never shown whole.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from fastapi import Request, Response

from models.settings import Settings

COOKIE = "jiefen_party"
AUDIENCE = "jiefen-portal"
ALGORITHM = "HS256"
PATH = "/p/"


@dataclass(frozen=True, slots=True)
class PartySession:
    phone: str
    case_id: uuid.UUID | None = None
    positions: tuple[int, ...] = ()


def _key(settings: Settings) -> str:
    # A key of its own, derived from the secret, so a portal cookie and a staff token never share one.
    return "portal:" + settings.secret_key.get_secret_value()


def issue(response: Response, settings: Settings, party: PartySession, *, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    claims = {
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=settings.portal_session_minutes)).timestamp()),
        "phone": party.phone,
        "case": str(party.case_id) if party.case_id else None,
        "pos": list(party.positions),
    }
    token = jwt.encode(claims, _key(settings), algorithm=ALGORITHM)
    response.set_cookie(
        COOKIE,
        token,
        max_age=settings.portal_session_minutes * 60,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=settings.env == "production",
    )


def current(request: Request, settings: Settings) -> PartySession | None:
    """The request's party session, or None (no cookie, expired, forged, or not a portal cookie)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        claims = jwt.decode(token, _key(settings), algorithms=[ALGORITHM], audience=AUDIENCE)
        case = claims.get("case")
        return PartySession(
            phone=str(claims["phone"]),
            case_id=uuid.UUID(case) if case else None,
            positions=tuple(int(p) for p in claims.get("pos") or ()),
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None


def end(response: Response) -> None:
    response.delete_cookie(COOKIE, path=PATH)
