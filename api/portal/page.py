"""What every portal page shares: the templates, the CSRF token of a visitor without a session (double-submit
cookie, api/portal/csrf.py), the client address, and the answers to a refused form (403) and a throttled
request (429)."""

import base64
import hashlib
from typing import Annotated, Any

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from api.portal import csrf
from api.portal.session import PartySession, current
from api.security import client_address
from api.web.names import Names
from api.web.page import templates
from models.settings import Settings


def _fernet(settings: Settings) -> Fernet:
    key = hashlib.sha256(b"jiefen-portal-seal:" + settings.secret_key.get_secret_value().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(settings: Settings, phone: str) -> str:
    """The phone a page carries between two steps (a hidden field), encrypted and authenticated: the page
    itself shows it masked only."""
    return _fernet(settings).encrypt(phone.encode()).decode("ascii")


def unseal(settings: Settings, token: object) -> str | None:
    """The phone sealed by `seal` within the last hour, or None."""
    if not isinstance(token, str) or not token or len(token) > 400:
        return None
    try:
        return _fernet(settings).decrypt(token.encode("ascii"), ttl=3600).decode()
    except (InvalidToken, UnicodeError, ValueError):
        return None


class PortalCsrfRefused(Exception):
    """A portal form without the token of its cookie (403)."""


class Portal:
    """One portal request: the database, the settings, the party's session if any, and the CSRF token the
    page's forms carry (the same random value as the visitor's cookie: double submit)."""

    def __init__(self, request: Request, session: SessionDep, settings: SettingsDep) -> None:
        self.request, self.session, self.settings = request, session, settings
        self.party: PartySession | None = current(request, settings)
        self.csrf = csrf.token(request)
        self._new_csrf = self.csrf != request.cookies.get(csrf.COOKIE)

    @property
    def address(self) -> str:
        return client_address(self.request)

    def check_csrf(self, given: object) -> None:
        if not csrf.valid(self.request, given):
            raise PortalCsrfRefused()

    def render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        response = templates.TemplateResponse(
            self.request,
            f"portal/{name}",
            {
                "csrf": self.csrf,
                "party": self.party,
                "names": Names(self.session),
                "otp_minutes": self.settings.otp_minutes,
                **context,
            },
            status_code=status_code,
        )
        if self._new_csrf:
            csrf.attach(response, self.settings, self.csrf)
        response.headers["Cache-Control"] = "no-store"
        return response

    def message(self, title: str, text: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("error", status_code >= 400)
        return self.render("message.html", status_code=status_code, title=title, message=text, **context)


PortalDep = Annotated[Portal, Depends(Portal)]


def case_party(p: Portal) -> PartySession | None:
    """The party's session for a case (after a case lookup, or an online application once opened): its
    `case_id`, and `positions` — the parties of the case whose phone was proved. None: no session, or a
    session that proved a phone only (an online application not yet opened). A page for one case checks
    `party is not None and party.case_id == case_id` and answers 404 (or sends to /p/) otherwise."""
    return p.party if p.party is not None and p.party.case_id is not None else None


def refused_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "portal/message.html",
        {
            "error": True,
            "title": "请求已被拒绝",
            "message": "页面已过期或来源不明，请返回当事人服务首页重新打开页面后再试。",
        },
        status_code=403,
    )


def throttled_page(request: Request, retry_after: int) -> HTMLResponse:
    minutes = max(1, (retry_after + 59) // 60)
    response = templates.TemplateResponse(
        request,
        "portal/message.html",
        {"error": True, "title": "操作过于频繁", "message": f"为保护您的信息安全，请约{minutes}分钟后再试。"},
        status_code=429,
    )
    response.headers["Retry-After"] = str(retry_after)
    return response
