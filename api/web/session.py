"""The web session: a signed cookie (a web-session token, api/security.py: not accepted as an API bearer
token, nor an API token as a session), HttpOnly and SameSite=Lax, and a CSRF token derived from it
(HMAC), carried by every form. Before login, a random double-submit token protects the login form."""

import hashlib
import hmac
import secrets

from fastapi import Request
from sqlmodel import Session

from api.security import TokenClaims, TokenKind, read_token, token_for, token_user
from models.settings import Settings
from models.tables import User

COOKIE = "jiefen_session"
LOGIN_CSRF = "jiefen_login_csrf"


class LoginRequired(Exception):
    """No valid session: the web handler redirects to the login page."""


class PasswordChangeRequired(Exception):
    """The user's password was set by an administrator: the web handler sends them to 修改密码 first."""


class CsrfRefused(Exception):
    """A form without the right CSRF token (403)."""


def session_token(settings: Settings, user: User) -> str:
    return token_for(settings, user, TokenKind.WEB)


def session_claims(request: Request, settings: Settings) -> TokenClaims | None:
    """The claims of the request's session cookie, if it is a well-signed web-session token."""
    token = request.cookies.get(COOKIE, "")
    return read_token(settings, token, TokenKind.WEB) if token else None


def csrf_for(settings: Settings, token: str) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()[:40]


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def web_user(request: Request, session: Session, settings: Settings) -> User:
    claims = session_claims(request, settings)
    user = token_user(session, claims) if claims is not None else None
    if user is None:
        raise LoginRequired()
    request.state.csrf = csrf_for(settings, request.cookies[COOKIE])
    return user


def check_csrf(request: Request, settings: Settings, given: str | None) -> None:
    token = request.cookies.get(COOKIE, "")
    expected = csrf_for(settings, token) if token else ""
    if not given or not expected or not hmac.compare_digest(given, expected):
        raise CsrfRefused()


def check_login_csrf(request: Request, given: str | None) -> None:
    cookie = request.cookies.get(LOGIN_CSRF, "")
    if not given or not cookie or not hmac.compare_digest(given, cookie):
        raise CsrfRefused()
