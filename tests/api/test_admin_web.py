"""The administration screens (系统管理) through HTTP: only administrators see them; a user made or reset
there must change the password first (every screen leads to 修改密码 until then); a mediator's open cases
are shown before they can retire; an organization's webhook secret is never shown back."""

import re
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from states.enums import State
from tests.api.accounts_support import PASSWORD, fresh_user, web_login
from tests.factories import make_case
from workflows import changelog

DEMO = "jiefen-demo-2026"
GIVEN = "given-by-the-admin-42"
OWN = "my-own-passphrase-2027"


@pytest.fixture(autouse=True)
def scratch_mediators(engine):
    """Mediators made here (codes MW-…) are removed afterwards: the demo committees' lists stay as seeded."""
    yield
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM mediators WHERE code LIKE 'MW-%'"))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_only_administrators_see_the_administration_screens(client, engine):
    web_login(client, fresh_user(engine))
    for path in ("/admin/users", "/admin/users/new", "/admin/mediators", "/admin/organizations", "/admin/changes"):
        r = client.get(path)
        assert r.status_code == 403 and "系统管理员" in r.text, path
    assert client.get("/account/password").status_code == 200


def test_an_admin_creates_a_user_who_must_change_the_password_first(client, engine):
    web_login(client, "admin", DEMO)
    page = client.get("/admin/users/new")
    assert page.status_code == 200
    username = f"w-{uuid.uuid4().hex[:8]}"
    form = {"csrf": csrf_of(page.text), "username": username, "password": GIVEN, "display_name": "林小雨"}

    bad = client.post("/admin/users/new", data={**form, "role": "intake", "org": "NO-SUCH"})
    assert bad.status_code == 422 and "所属组织（org）" in bad.text and "NO-SUCH 不存在" in bad.text
    dup = client.post(
        "/admin/users/new", data={**form, "username": "window1", "role": "intake", "org": "CN-ZJ-XH-ZZZX"}
    )
    assert dup.status_code == 409 and "已存在" in dup.text

    r = client.post("/admin/users/new", data={**form, "role": "intake", "org": "CN-ZJ-XH-ZZZX"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/admin/users/{username}?done=created"
    listed = client.get("/admin/users").text
    assert username in listed and "林小雨" in listed and "待改密码" in listed and GIVEN not in listed

    client.cookies.clear()
    r = client.post(
        "/login",
        data={"username": username, "password": GIVEN, "csrf": csrf_of(client.get("/login").text), "next": "/cases"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/account/password"
    assert client.get("/cases", follow_redirects=False).headers["location"] == "/account/password"
    page = client.get("/account/password")
    assert "须先" in page.text or "请先" in page.text
    token = csrf_of(page.text)
    r = client.post(
        "/account/password",
        data={"csrf": token, "old_password": GIVEN, "new_password": OWN, "new_password_again": "typo"},
    )
    assert r.status_code == 422 and "不一致" in r.text
    r = client.post(
        "/account/password",
        data={"csrf": token, "old_password": GIVEN, "new_password": OWN, "new_password_again": OWN},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/cases").status_code == 200  # the new session cookie goes on


def test_a_reset_from_the_screen_ends_the_users_sessions_and_is_logged(client, engine):
    user = fresh_user(engine)
    web_login(client, user)
    user_cookie = client.cookies["jiefen_session"]
    client.cookies.clear()
    web_login(client, "admin", DEMO)
    page = client.get(f"/admin/users/{user}")
    r = client.post(
        f"/admin/users/{user}/password", data={"csrf": csrf_of(page.text), "password": GIVEN}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "密码已重置" in client.get(r.headers["location"]).text
    admin_cookie = client.cookies["jiefen_session"]
    client.cookies.clear()
    client.cookies.set("jiefen_session", user_cookie)
    assert client.get("/cases", follow_redirects=False).headers["location"].startswith("/login")
    client.cookies.set("jiefen_session", admin_cookie)
    changes = client.get("/admin/changes").text
    assert user in changes and "重置密码" in changes and GIVEN not in changes and PASSWORD not in changes


def test_a_mediators_open_cases_are_shown_first_and_retirement_is_refused(client, engine):
    with Session(engine, expire_on_commit=False) as s:
        case = make_case(s, state=State.MEDIATION)
    web_login(client, "admin", DEMO)
    page = client.get(f"/admin/mediators/{case.mediator_code}")
    assert page.status_code == 200
    assert page.text.index(case.case_no) < page.text.index("基本情况")
    r = client.post(f"/admin/mediators/{case.mediator_code}", data={"csrf": csrf_of(page.text), "active": "false"})
    assert r.status_code == 409 and case.case_no in r.text and "改派" in r.text


def test_an_admin_adds_a_mediator_and_edits_an_organization_without_seeing_its_secret(client, engine):
    web_login(client, "admin", DEMO)
    page = client.get("/admin/mediators")
    code = f"MW-{uuid.uuid4().hex[:6]}"
    r = client.post(
        "/admin/mediators",
        data={
            "csrf": csrf_of(page.text),
            "code": code,
            "name": "何静",
            "org_code": "CN-ZJ-XH-CC-RTW",
            "capacity": "8",
            "specialties": ["family", "neighbour"],
            "part_time": "true",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert "何静" in client.get("/admin/mediators").text

    court = client.get("/admin/organizations/CN-ZJ-XH-FY")
    assert court.status_code == 200 and "基层人民法院" in court.text
    secret = "a-court-webhook-secret-" + uuid.uuid4().hex
    form = {
        "csrf": csrf_of(court.text),
        "name": "杭州市西湖区人民法院",
        "kind": "court",
        "level": "county",
        "region": re.search(r'id="region" name="region" value="([^"]*)"', court.text).group(1),
        "stationing": "resident",
        "court_level": "basic",
        "webhook_url": "http://127.0.0.1:9/hook",
        "webhook_secret": secret,
    }
    r = client.post("/admin/organizations/CN-ZJ-XH-FY", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    shown = client.get("/admin/organizations/CN-ZJ-XH-FY").text
    assert "http://127.0.0.1:9/hook" in shown and secret not in shown and "已设置" in shown
    assert secret not in client.get("/admin/changes").text
    with Session(engine) as s:
        assert changelog.recent(s, entity="organization", key="CN-ZJ-XH-FY")[0].after["webhook_secret"] == "（已设置）"
    form["clear_webhook"] = "true"
    form.pop("webhook_secret")
    assert client.post("/admin/organizations/CN-ZJ-XH-FY", data=form, follow_redirects=False).status_code == 303
    assert 'name="webhook_url" value=""' in client.get("/admin/organizations/CN-ZJ-XH-FY").text
    assert "组织机构" in client.get("/admin/organizations").text


def test_the_system_page_shows_rules_years_keys_and_the_outbox_and_retries_a_failed_document(client, engine):
    with Session(engine, expire_on_commit=False) as s:
        case = make_case(s, state=State.AGREEMENT)
    with engine.begin() as conn:
        doc_id = conn.execute(sa.text("SELECT id FROM documents ORDER BY created_at LIMIT 1")).scalar_one()
        conn.execute(
            sa.text("UPDATE documents SET status = 'failed', attempts = 5, last_error = '字体缺失' WHERE id = :i"),
            {"i": doc_id},
        )
    web_login(client, "admin", DEMO)
    page = client.get("/admin/system")
    assert page.status_code == 200
    for text in ("现行分流规则", "节假日安排", "文书签名证书", case.case_no, "字体缺失", "重试"):
        assert text in page.text, text
    doc = str(uuid.UUID(str(doc_id))) if not isinstance(doc_id, uuid.UUID) else str(doc_id)
    r = client.post(f"/admin/outbox/document/{doc}/retry", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with engine.connect() as conn:
        status, attempts = conn.execute(
            sa.text("SELECT status, attempts FROM documents WHERE id = :i"), {"i": doc_id}
        ).one()
    assert (status, attempts) == ("pending", 0)
    again = client.post(f"/admin/outbox/document/{doc}/retry", data={"csrf": csrf_of(page.text)})
    assert again.status_code == 409 and "只有发送失败的才能重试" in again.text
    assert "重试" in client.get("/admin/changes?entity=document").text
    client.cookies.clear()
    web_login(client, fresh_user(engine))
    assert client.get("/admin/system").status_code == 403
