"""Revoking every token of a user (password reset, disabling) and the revocation list's upkeep, through
the account workflows the CLI (and later the admin API) call."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from models.settings import get_settings
from models.tables import RevokedToken
from tests.api.accounts_support import api_token, bearer, fresh_user, web_login
from workflows.accounts import disable_user, enable_user, reset_password, revoke_token

CASES = "/api/v1/cases"


def _web_page(client: TestClient, cookie: str) -> int:
    client.cookies.clear()
    client.cookies.set("jiefen_session", cookie)
    r = client.get("/cases", follow_redirects=False)
    client.cookies.clear()
    return r.status_code


def test_a_reset_password_revokes_every_token_and_session_of_the_user(client, engine):
    user, other = fresh_user(engine), fresh_user(engine)
    tokens = [api_token(client, user), api_token(client, user)]
    cookie = web_login(client, user)
    bystander = api_token(client, other)

    with Session(engine) as s:
        reset_password(s, username=user, password="a-brand-new-password-8", settings=get_settings())

    assert [client.get(CASES, headers=bearer(t)).status_code for t in tokens] == [401, 401]
    assert _web_page(client, cookie) == 303
    assert client.get(CASES, headers=bearer(bystander)).status_code == 200
    assert client.get(CASES, headers=bearer(api_token(client, user, "a-brand-new-password-8"))).status_code == 200


def test_disabling_revokes_every_token_and_enabling_again_does_not_bring_them_back(client, engine):
    user = fresh_user(engine)
    token = api_token(client, user)
    cookie = web_login(client, user)

    with Session(engine) as s:
        disable_user(s, username=user)
    refused = client.get(CASES, headers=bearer(token)).status_code
    with Session(engine) as s:
        enable_user(s, username=user)

    assert refused == 401
    assert client.get(CASES, headers=bearer(token)).status_code == 401
    assert _web_page(client, cookie) == 303
    assert client.get(CASES, headers=bearer(api_token(client, user))).status_code == 200


def test_revoking_prunes_the_rows_of_tokens_that_have_expired_anyway(engine):
    now = datetime.now(UTC)
    with Session(engine) as s:
        for n in range(3):
            revoke_token(
                s, jti=f"old-{n}-{now.timestamp()}", username="x", expires_at=now - timedelta(minutes=1), now=now
            )
        revoke_token(s, jti=f"live-{now.timestamp()}", username="x", expires_at=now + timedelta(hours=1), now=now)
        expired = s.exec(select(func.count()).select_from(RevokedToken).where(RevokedToken.expires_at < now)).one()
        live = s.exec(select(RevokedToken).where(RevokedToken.jti == f"live-{now.timestamp()}")).all()

    assert expired == 0
    assert len(live) == 1
