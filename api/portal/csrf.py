"""The portal's CSRF defence: a double-submit token. Every form page sets a random token in a cookie
(HttpOnly, SameSite=Strict, on /p/) and the same token in a hidden field `csrf`; a POST passes only when
the two agree. A page on another site can make the browser send the cookie (not with SameSite=Strict,
but older browsers) yet cannot read it to fill the field."""

import hmac
import secrets

from fastapi import Request, Response

from models.settings import Settings

COOKIE = "jiefen_portal_csrf"
FIELD = "csrf"
PATH = "/p/"


def token(request: Request) -> str:
    """The token of this browser (its cookie's), or a new one; `attach` puts it in the response."""
    existing = request.cookies.get(COOKIE, "")
    return existing if 20 <= len(existing) <= 100 else secrets.token_urlsafe(32)


def attach(response: Response, settings: Settings, value: str) -> None:
    response.set_cookie(COOKIE, value, path=PATH, httponly=True, samesite="strict", secure=settings.env == "production")


def valid(request: Request, submitted: object) -> bool:
    """The form's token equals the cookie's (compared in constant time); neither may be empty."""
    cookie = request.cookies.get(COOKIE, "")
    return bool(cookie) and isinstance(submitted, str) and hmac.compare_digest(cookie.encode(), submitted.encode())
