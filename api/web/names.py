"""People and bodies by name on the screens: a user's username, a mediator's code, an organization's code
and the system's own actors (system:timeout …) shown as staff know them.

One `Names` per request (Ctx.render puts it in every page): each kind is read with one query the first
time a page asks for it, never per row. The filters `who`, `mediator` and `org` use it; a page rendered
without one (the login page) shows values as they are."""

from typing import Any

import jinja2
from sqlmodel import Session, select

from models.tables import Mediator, Organization, User

SYSTEM_ACTORS = {
    "system:timeout": "系统（期限届满）",
    "system:documents": "系统（文书生成）",
    "system:calendar": "系统（节假日安排调整）",
    "system:reports": "系统（月度报表）",
    "system:sweep": "系统（定期清理）",
}

# Parties acting at the portal (api/portal): never a staff username (usernames have no colon).
PARTY_ACTORS = {"party:online": "当事人（网上申请）"}


class Names:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._users: dict[str, str] | None = None
        self._mediators: dict[str, str] | None = None
        self._orgs: dict[str, str] | None = None

    def users(self) -> dict[str, str]:
        if self._users is None:
            rows = self.session.exec(select(User.username, User.display_name)).all()
            self._users = {u: d for u, d in rows if d}
        return self._users

    def mediators(self) -> dict[str, str]:
        if self._mediators is None:
            self._mediators = dict(self.session.exec(select(Mediator.code, Mediator.name)).all())
        return self._mediators

    def orgs(self) -> dict[str, str]:
        if self._orgs is None:
            self._orgs = dict(self.session.exec(select(Organization.code, Organization.name)).all())
        return self._orgs

    def who(self, actor: str) -> str:
        """An audit actor: a user by display name, the system by what it did, the command line as such."""
        if actor in SYSTEM_ACTORS:
            return SYSTEM_ACTORS[actor]
        if actor.startswith("system:"):
            return "系统"
        if actor.startswith("party:"):  # a party at the portal (/p/): no username has a colon
            if actor[6:].isascii() and actor[6:].isdigit():
                return f"第{int(actor[6:]) + 1}位当事人本人（在线）"  # the portal's party actor (workflows.access)
            return PARTY_ACTORS.get(actor, "当事人")
        if actor.startswith("cli:"):
            return f"命令行（{actor[4:]}）"
        return self.users().get(actor, actor)


def _names(context: Any) -> Names | None:
    names = context.get("names")
    return names if isinstance(names, Names) else None


@jinja2.pass_context
def who(context: Any, value: object) -> str:
    if value is None or value == "":
        return "—"
    names = _names(context)
    return names.who(str(value)) if names else str(value)


@jinja2.pass_context
def mediator(context: Any, value: object) -> str:
    if not value:
        return "—"
    names = _names(context)
    return names.mediators().get(str(value), str(value)) if names else str(value)


@jinja2.pass_context
def org(context: Any, value: object) -> str:
    if not value:
        return "—"
    names = _names(context)
    return names.orgs().get(str(value), str(value)) if names else str(value)


def month(value: object) -> str:
    """The `month` filter: "2026-07" (or a date) as 2026年7月."""
    text = str(value)
    if len(text) >= 7 and text[4] == "-" and text[:4].isdigit() and text[5:7].isdigit():
        return f"{text[:4]}年{int(text[5:7])}月"
    return text


FILTERS = {"who": who, "mediator": mediator, "org": org, "month": month}
__all__ = ["FILTERS", "PARTY_ACTORS", "SYSTEM_ACTORS", "Names"]
