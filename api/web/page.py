"""What every screen shares: the templates (with the labels and filters they use) and `Ctx`, the
signed-in user and engine actor of one request."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import SessionDep, SettingsDep
from api.errors import status_for
from api.web.forms import CHOICES, FIELDS, MAX_OBLIGATIONS
from api.web.names import FILTERS as NAME_FILTERS, Names
from api.web.session import PasswordChangeRequired, web_user
from models.privacy import scrub
from models.settings import get_settings
from models.tables import User
from states.enums import MEDIATION_KINDS
from states.labels import (
    CHANNEL_LABELS,
    DEADLINE_KIND_LABELS,
    DEADLINE_STATUS_LABELS,
    DISPUTE_TYPE_LABELS,
    DOCUMENT_TITLES,
    EVENT_LABELS,
    PARTY_ROLE_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
    TRIGGER_LABELS as STATE_TRIGGER_LABELS,
)
from workflows.access import Actor, actor_for
from workflows.errors import JiefenError
from workflows.read import inbox

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

DOC_LABELS = dict(DOCUMENT_TITLES)
TRIGGER_LABELS = {str(t): label for t, label in STATE_TRIGGER_LABELS.items()} | EVENT_LABELS


def local_datetime(value: object) -> str:
    """The `dt` filter: a time as the centre's local "YYYY-MM-DD HH:MM" (naive times are UTC)."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M")
    return str(value)


def labels(values: object, mapping: dict[str, str]) -> list[str]:
    """The `labels` filter: each value by its label (a value without one as itself)."""
    return [mapping.get(str(v), str(v)) for v in (values if isinstance(values, list | tuple) else [values])]


templates.env.filters["dt"] = local_datetime
templates.env.filters["labels"] = labels
templates.env.filters.update(NAME_FILTERS)
templates.env.globals.update(
    STATE_LABELS={str(k): v for k, v in STATE_LABELS.items()},
    TYPE_LABELS={str(k): v for k, v in DISPUTE_TYPE_LABELS.items()},
    CHANNEL_LABELS=CHANNEL_LABELS,
    PARTY_ROLE_LABELS=PARTY_ROLE_LABELS,
    ROLE_LABELS=ROLE_LABELS,
    DOC_LABELS=DOC_LABELS,
    TRIGGER_LABELS=TRIGGER_LABELS,
    KIND_LABELS=DEADLINE_KIND_LABELS,
    DEADLINE_STATUS=DEADLINE_STATUS_LABELS,
    FIELDS=FIELDS,
    CHOICES=CHOICES,
    MEDIATION_KINDS=frozenset(str(k) for k in MEDIATION_KINDS),
    MAX_OBLIGATIONS=MAX_OBLIGATIONS,
)


PASSWORD_PAGE = "/account/password"  # the one screen served while an administrator's password must be changed


class Ctx:
    """The signed-in user and the engine actor, for one request."""

    def __init__(self, request: Request, session: SessionDep, settings: SettingsDep) -> None:
        self.request, self.session, self.settings = request, session, settings
        self.user: User = web_user(request, session, settings)
        if self.user.must_change_password and request.url.path != PASSWORD_PAGE:
            raise PasswordChangeRequired()
        self.actor: Actor = actor_for(session, self.user)

    def render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(
            self.request,
            name,
            {
                "user": self.user,
                "actor": self.actor,
                "csrf": self.request.state.csrf,
                "names": Names(self.session),
                "unread": inbox.unread_count(self.session, self.user.username),  # the 消息 badge: one indexed COUNT
                **context,
            },
            status_code=status_code,
        )

    def refused(self, exc: JiefenError, title: str = "无法完成") -> HTMLResponse:
        return self.render("error.html", status_code=status_for(exc), title=title, message=scrub(exc.detail))


CtxDep = Annotated[Ctx, Depends(Ctx)]
