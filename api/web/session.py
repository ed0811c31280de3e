"""The web session: a signed cookie (the same HS256 token the API issues, signed with
JIEFEN_SECRET_KEY), HttpOnly and SameSite=Lax, and a CSRF token derived from it (HMAC), carried by
every form. Before login, a random double-submit token protects the login form."""

import hashlib
import hmac
import secrets

from fastapi import Request
from sqlmodel import Session

from api.security import issue_token, read_token
from models.settings import Settings
from models.tables import User
from workflows.read.users import user_named

COOKIE = "jiefen_session"
LOGIN_CSRF = "jiefen_login_csrf"


class LoginRequired(Exception):
    """No valid session: the web handler redirects to the login page."""


class CsrfRefused(Exception):
    """A form without the right CSRF token (403)."""


def session_token(settings: Settings, user: User) -> str:
    return issue_token(settings, username=user.username, role=user.role)


def csrf_for(settings: Settings, token: str) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()[:40]


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def web_user(request: Request, session: Session, settings: Settings) -> User:
    token = request.cookies.get(COOKIE, "")
    username = read_token(settings, token) if token else None
    if username is None:
        raise LoginRequired()
    user = user_named(session, username)
    if user is None or not user.is_active:
        raise LoginRequired()
    request.state.csrf = csrf_for(settings, token)
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
