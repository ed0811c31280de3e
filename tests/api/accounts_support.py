"""Accounts of a test's own, so that logging out, changing passwords and locking out never touch the demo
users whose tokens tests/api/conftest.py caches for the whole run."""

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.security import hash_password
from models.tables import User

PASSWORD = "a-fresh-test-password-7"
TOKEN_URL = "/api/v1/auth/token"
CENTRE = "CN-ZJ-XH-ZZZX"


def fresh_user(engine: Engine, *, password: str = PASSWORD, role: str = "intake", org: str = CENTRE) -> str:
    """A new active user (a unique username) of the demo centre; returns the username."""
    username = f"t-{uuid.uuid4().hex[:10]}"
    with Session(engine) as s:
        s.add(User(username=username, password_hash=hash_password(password), role=role, org_code=org))
        s.commit()
    return username


def api_token(client: TestClient, username: str, password: str = PASSWORD) -> str:
    r = client.post(TOKEN_URL, data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login_csrf(client: TestClient) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def web_login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Logs in through the form; returns the session cookie's value."""
    r = client.post(
        "/login",
        data={"username": username, "password": password, "csrf": login_csrf(client), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client.cookies["jiefen_session"]


def page_csrf(client: TestClient) -> str:
    """The CSRF token of the signed-in session's forms."""
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/cases").text).group(1)


def app_with(engine: Engine, **settings: object):
    """The app on this database with some settings changed (e.g. env="production", a lower threshold)."""
    from api.app import create_app
    from models.settings import get_settings

    return create_app(get_settings().model_copy(update=settings), engine=engine)
