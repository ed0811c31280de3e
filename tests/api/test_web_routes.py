"""The web screens through TestClient: login required, CSRF refused, role pages 403/404."""

import re
import uuid

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import demo_password


def web_login(client: TestClient, username: str) -> str:
    """Log in through the form; returns the CSRF token of the session's forms."""
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login",
        data={"username": username, "password": demo_password(username), "csrf": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=lax" in r.headers["set-cookie"].lower()
    home = client.get("/cases")
    return re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)


@pytest.mark.parametrize(
    "path", ["/", "/cases", "/cases/new", "/workbench", "/court", "/supervision", f"/cases/{uuid.uuid4()}"]
)
def test_pages_need_login(client: TestClient, path: str):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


def test_login_refuses_a_wrong_password_and_a_missing_csrf(client: TestClient):
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "window1", "password": "wrong", "csrf": token})
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    client.cookies.clear()
    r = client.post("/login", data={"username": "window1", "password": demo_password("window1"), "csrf": "x"})
    assert r.status_code == 403 and "CSRF" in r.text


def test_role_aware_home(client: TestClient):
    for user, target in [
        ("window1", "/cases"),
        ("mediator1", "/workbench"),
        ("court1", "/court"),
        ("super1", "/supervision"),
    ]:
        client.cookies.clear()
        web_login(client, user)
        r = client.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == target, user
        assert client.get(target).status_code == 200


def test_forms_without_the_csrf_token_are_refused(client: TestClient):
    csrf = web_login(client, "window1")
    form = {
        "dispute_type": "neighbour",
        "channel": "window",
        "region": "330106001",
        "summary": "噪音扰民",
        "p0_role": "applicant",
        "p0_kind": "person",
        "p0_name": "甲",
        "p1_role": "respondent",
        "p1_kind": "person",
        "p1_name": "乙",
    }
    assert client.post("/cases/new", data=form).status_code == 403
    assert client.post("/cases/new", data={**form, "csrf": "forged"}).status_code == 403
    r = client.post("/cases/new", data={**form, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    case_url = r.headers["location"].split("?")[0]
    assert client.post(f"{case_url}/actions/divert", data={}).status_code == 403
    page = client.get(case_url)
    assert page.status_code == 200 and "分流建议" in page.text and "受理登记" in page.text


def test_intake_form_shows_validation_errors_without_echoing_the_number(client: TestClient):
    csrf = web_login(client, "window1")
    r = client.post(
        "/cases/new",
        data={
            "csrf": csrf,
            "dispute_type": "traffic",
            "channel": "window",
            "region": "330106",
            "summary": "追尾",
            "p0_role": "applicant",
            "p0_kind": "person",
            "p0_name": "甲",
            "p0_ident": "110105194912310021",
            "p1_role": "respondent",
            "p1_kind": "organization",
            "p1_name": "某公司",
            "p1_ident": "91110000X",
        },
    )
    assert r.status_code == 422
    assert "第1位身份证号" in r.text and "校验位" in r.text and "统一社会信用代码" in r.text
    assert r.text.count("110105194912310021") == 1  # only in the field the clerk is correcting


def test_check_endpoint_uses_the_server_validators(client: TestClient):
    csrf = web_login(client, "window1")
    assert client.post("/check/id_number", data={"value": "11010519491231002X"}).status_code == 403
    assert client.post("/check/id_number", data={"value": "11010519491231002X", "csrf": csrf}).json()["ok"] is True
    bad = client.post("/check/id_number", data={"value": "110105194912310021", "csrf": csrf}).json()
    assert bad["ok"] is False and "校验位" in bad["message"]
    assert client.post("/check/phone", data={"value": "12345", "csrf": csrf}).json()["ok"] is False
    assert client.post("/check/uscc", data={"value": "9111000060003734", "csrf": csrf}).json()["ok"] is False
    email = client.post("/check/email", data={"value": "zhangsan@", "csrf": csrf}).json()
    assert email["ok"] is False and "电子邮箱" in email["message"]
    assert client.post("/check/email", data={"value": "zhangsan@example.com", "csrf": csrf}).json()["ok"] is True
    assert client.post("/check/nonsense", data={"value": "1", "csrf": csrf}).status_code == 404


def test_role_pages_are_refused_to_other_roles(client: TestClient):
    web_login(client, "window1")
    assert client.get("/workbench").status_code == 403
    assert client.get("/court").status_code == 403
    assert client.get("/supervision").status_code == 403
    assert client.get(f"/cases/{uuid.uuid4()}").status_code == 404
    assert client.get("/cases/not-a-uuid").status_code == 404
    assert client.get(f"/documents/{uuid.uuid4()}/pdf").status_code == 404


def test_a_case_of_another_organization_is_404_for_a_mediator(client: TestClient):
    csrf = web_login(client, "window1")
    r = client.post(
        "/cases/new",
        data={
            "csrf": csrf,
            "dispute_type": "labour",
            "channel": "window",
            "region": "330106",
            "summary": "拖欠工资",
            "p0_role": "applicant",
            "p0_kind": "person",
            "p0_name": "甲",
            "p1_role": "respondent",
            "p1_kind": "person",
            "p1_name": "乙",
        },
        follow_redirects=False,
    )
    case_url = r.headers["location"].split("?")[0]
    client.cookies.clear()
    web_login(client, "mediator1")
    assert client.get(case_url).status_code == 404


def test_logout_needs_csrf_and_ends_the_session(client: TestClient):
    csrf = web_login(client, "super1")
    assert client.post("/logout", data={}).status_code == 403
    r = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/supervision", follow_redirects=False).status_code == 303


def test_possible_duplicates_before_saving(client: TestClient):
    csrf = web_login(client, "window1")
    party = {
        "p0_role": "applicant",
        "p0_kind": "person",
        "p0_name": "王芳",
        "p0_ident": "11010519491231002X",
        "p1_role": "respondent",
        "p1_kind": "organization",
        "p1_name": "某公司",
        "p1_ident": "",
    }
    r = client.post(
        "/cases/new",
        data={
            "csrf": csrf,
            "dispute_type": "consumer",
            "channel": "hotline",
            "region": "330106",
            "summary": "退款纠纷",
            **party,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    case_no = re.search(r"<h1>([^<]+)</h1>", client.get(r.headers["location"]).text).group(1)
    assert client.post("/check-duplicates", data={"dispute_type": "consumer", **party}).status_code == 403
    found = client.post("/check-duplicates", data={"csrf": csrf, "dispute_type": "consumer", **party})
    assert found.status_code == 200 and case_no in found.text and "可能重复" in found.text
    other_type = client.post("/check-duplicates", data={"csrf": csrf, "dispute_type": "labour", **party})
    assert case_no not in other_type.text
    bad = client.post(
        "/check-duplicates", data={"csrf": csrf, "dispute_type": "x", "p0_ident": "1", "p0_kind": "person"}
    )
    assert bad.status_code == 200 and "可能重复" not in bad.text


def test_the_case_page_shows_full_identity_only_to_the_roles_that_need_it(client: TestClient):
    csrf = web_login(client, "window1")
    form = {
        "dispute_type": "neighbour",
        "channel": "window",
        "region": "330106001",
        "summary": "噪音扰民",
        "p0_role": "applicant",
        "p0_kind": "person",
        "p0_name": "甲",
        "p0_ident": "11010519491231002X",
        "p0_phone": "13812345678",
        "p0_email": "jia.notice@example.com",
        "p1_role": "respondent",
        "p1_kind": "person",
        "p1_name": "乙",
        "csrf": csrf,
    }
    r = client.post("/cases/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    case_url = r.headers["location"].split("?")[0]
    clerk_view = client.get(case_url).text
    assert "11010519491231002X" in clerk_view and "13812345678" in clerk_view  # the window checks identity
    assert "jia.notice@example.com" in clerk_view
    client.cookies.clear()
    web_login(client, "super1")
    supervisor_view = client.get(case_url).text
    assert "11010519491231002X" not in supervisor_view and "13812345678" not in supervisor_view
    assert "110105********002X" in supervisor_view and "138****5678" in supervisor_view
    assert "jia.notice@example.com" not in supervisor_view and "j***@example.com" in supervisor_view


def test_the_case_page_shows_a_paused_clock_with_the_days_it_has_left(client: TestClient, engine):
    from datetime import timedelta

    from sqlmodel import Session

    from states.enums import State
    from tests.factories import T0, actor, make_case
    from workflows.engine import fire

    with Session(engine, expire_on_commit=False) as session:
        case = make_case(session, state=State.MEDIATION, dispute_type="medical")  # 30 working days from 2 Nov
        fire(
            session,
            case_id=case.id,
            trigger="pause_clock",
            actor=actor(session, "mediator1"),
            payload={"reason": "委托医疗损害鉴定"},
            now=T0 + timedelta(days=1),  # Tue 3 Nov: 29 working days left
        )
    web_login(client, "mediator1")
    page = client.get(f"/cases/{case.id}").text
    assert "剩余 29 个工作日" in page and "已暂停" in page
