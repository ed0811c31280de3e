"""HTTP clients against the real app on each database backend."""

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.app import create_app
from models.settings import get_settings

PASSWORDS = {"window1": "jiefen-demo-2026"}


@pytest.fixture
def app(engine: Engine):
    return create_app(get_settings(), engine=engine)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


_TOKENS: dict[tuple[str, str], str] = {}


@pytest.fixture
def login(client: TestClient, engine: Engine) -> Callable[[str], dict[str, str]]:
    """login("window1") -> Authorization headers for that demo user (tokens cached per backend)."""

    def _login(username: str) -> dict[str, str]:
        key = (engine.dialect.name, username)
        if key not in _TOKENS:
            r = client.post("/api/v1/auth/token", data={"username": username, "password": demo_password(username)})
            assert r.status_code == 200, r.text
            _TOKENS[key] = r.json()["access_token"]
        return {"Authorization": f"Bearer {_TOKENS[key]}"}

    return _login


def demo_password(username: str) -> str:
    import yaml

    from tests.conftest import DEMO_SEED

    users = yaml.safe_load(DEMO_SEED.read_text(encoding="utf-8"))["users"]
    return next(u["password"] for u in users if u["username"] == username)
