"""Day-one screens (issue 16 item 2) through TestClient: the queue of cases sent back from the top of
escalation, the court's 接收 button, names instead of codes, a failed document's reason and retry, the
username kept after a wrong password, month labels, and the divert form's mediation bodies only."""

import re
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.web.names import Names
from models.tables import Case, CaseEvent, CourtHandoff, Document, Organization
from states.enums import MEDIATION_KINDS
from tests.api.steps import act, case_in, open_case
from tests.api.test_web_routes import web_login

Login = Callable[[str], dict[str, str]]
DOCS = Document.__table__  # type: ignore[attr-defined]
CASES = Case.__table__  # type: ignore[attr-defined]


def sent_back_from_the_top(client: TestClient, login: Login) -> dict:
    """A case the county body declines with nobody above it: back at intake, flagged."""
    window, county = login("window1"), login("mediator5")
    case = open_case(client, window)
    act(client, window, case["id"], "divert", {"org_code": "CN-ZJ-XH-RTW"})
    back = act(client, county, case["id"], "decline", {"reason": "不属本委受理范围"})
    assert back["state"] == "intake" and "escalation_exhausted" in back["flags"]
    return back


def test_the_window_and_supervisors_see_cases_sent_back_from_the_top_with_why(client: TestClient, login: Login):
    back = sent_back_from_the_top(client, login)
    other = open_case(client, login("window1"))

    web_login(client, "window1")
    page = client.get("/cases").text
    queue = page.split('id="returned"', 1)[1].split("</section>", 1)[0]
    assert back["case_no"] in queue and other["case_no"] not in queue
    assert "不属本委受理范围" in queue and "黄建华" in queue and "西湖区人民调解委员会" in queue

    client.cookies.clear()
    web_login(client, "super1")
    board = client.get("/supervision").text
    assert 'id="returned"' in board and back["case_no"] in board.split('id="returned"', 1)[1]

    client.cookies.clear()
    web_login(client, "mediator1")
    assert 'id="returned"' not in client.get("/cases").text

    # Once a body accepts it, it leaves the queue.
    act(client, login("window1"), back["id"], "divert", {"org_code": "CN-ZJ-XH-CC-RTW"})
    act(client, login("mediator1"), back["id"], "accept", {"mediator_code": "M-0001"})
    client.cookies.clear()
    web_login(client, "window1")
    assert 'id="returned"' not in client.get("/cases").text


def test_the_court_clerk_records_receipt_with_the_button(client: TestClient, login: Login, engine: Engine):
    case = case_in(client, login, "judicial_confirmation")
    csrf = web_login(client, "court1")
    inbox = client.get("/court").text
    hid = re.search(r'action="/court/([0-9a-f-]+)/receive"', inbox).group(1)
    assert ">接收</button>" in inbox
    package = inbox.split("移送材料清单", 1)[1]
    assert "<dt>调解员</dt><dd>王丽</dd>" in package and "mediator_code" not in package and "M-0001" not in package

    assert client.post(f"/court/{hid}/receive", data={}).status_code == 403  # no CSRF token
    r = client.post(f"/court/{hid}/receive", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/court?done=received"
    after = client.get("/court").text
    assert f'action="/court/{hid}/receive"' not in after and "已接收（" in after
    # A second press changes nothing (the service is idempotent); the receipt is on the case's audit log once.
    assert client.post(f"/court/{hid}/receive", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    with Session(engine) as s:
        assert s.get(CourtHandoff, uuid.UUID(hid)).status == "accepted"
        received = s.exec(
            select(CaseEvent).where(CaseEvent.case_id == uuid.UUID(case["id"]), CaseEvent.trigger == "court_received")
        ).all()
        assert [e.actor for e in received] == ["court1"]
    assert "<strong>法院已接收</strong>" in client.get(f"/cases/{case['id']}").text
    # Another role cannot record it.
    client.cookies.clear()
    csrf = web_login(client, "window1")
    assert client.post(f"/court/{hid}/receive", data={"csrf": csrf}).status_code == 403


def test_people_and_bodies_by_name_not_code(client: TestClient, login: Login):
    case = case_in(client, login, "mediation")
    web_login(client, "window1")
    page = client.get(f"/cases/{case['id']}").text
    timeline = page.split('id="tl-h"', 1)[1]
    assert "操作人：陈静" in timeline and "操作人：王丽" in timeline
    assert "操作人：window1" not in timeline and "操作人：mediator1" not in timeline
    assert "<dt>承办调解员</dt><dd>王丽</dd>" in page
    listing = client.get("/cases").text
    assert "北山街道人民调解委员会" in listing and "<td>CN-ZJ-XH-CC-RTW</td>" not in listing


def test_system_actors_have_chinese_names(engine: Engine):
    with Session(engine) as s:
        names = Names(s)
        assert names.who("system:timeout") == "系统（期限届满）"
        assert names.who("system:documents") == "系统（文书生成）"
        assert names.who("system:something-new") == "系统"
        assert names.who("cli:ops") == "命令行（ops）"
        assert names.who("window1") == "陈静"
        assert names.who("nobody-known") == "nobody-known"


def test_names_are_read_once_per_page_not_per_row(client: TestClient, login: Login, engine: Engine):
    window = login("window1")
    for _ in range(4):
        c = open_case(client, window)
        act(client, window, c["id"], "divert", {"org_code": "CN-ZJ-XH-CC-RTW"})
    web_login(client, "window1")
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get("/cases").text
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert page.count("北山街道人民调解委员会") >= 4
    org_reads = [s for s in statements if re.search(r"FROM organizations\b", s)]
    # One for the names of the page (whatever the number of rows), one for the signed-in user's own scope.
    assert len(org_reads) <= 2, org_reads
    assert len([s for s in org_reads if "WHERE" not in s]) == 1, org_reads


@pytest.fixture
def failed_document(client: TestClient, login: Login, engine: Engine) -> Iterator[tuple[dict, str]]:
    case = case_in(client, login, "agreement")
    with engine.begin() as conn:
        doc_id = conn.execute(sa.select(DOCS.c.id).where(DOCS.c.case_id == uuid.UUID(case["id"]))).scalars().first()
        conn.execute(
            DOCS.update()
            .where(DOCS.c.id == doc_id)
            .values(status="failed", attempts=5, last_error="SigningKeyMissing: /srv/keys/x.pem 不存在")
        )
    yield case, str(doc_id)


def test_a_failed_document_says_why_and_may_be_retried_by_those_who_may(
    client: TestClient, failed_document: tuple[dict, str], engine: Engine
):
    case, doc_id = failed_document
    csrf = web_login(client, "court1")
    court_page = client.get(f"/cases/{case['id']}")
    if court_page.status_code == 200:  # the court does not see a case not sent to it; if it did, no button
        assert "data-retry" not in court_page.text
    assert client.post(f"/documents/{doc_id}/retry", data={"csrf": csrf}).status_code in (403, 404)

    client.cookies.clear()
    csrf = web_login(client, "mediator1")
    page = client.get(f"/cases/{case['id']}").text
    assert "生成失败" in page and "承办组织尚未配置电子签名证书" in page
    assert "SigningKeyMissing" not in page and "/srv/keys" not in page
    assert f'action="/documents/{doc_id}/retry"' in page and ">重试</button>" in page
    assert client.post(f"/documents/{doc_id}/retry", data={}).status_code == 403  # CSRF
    r = client.post(f"/documents/{doc_id}/retry", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/cases/{case['id']}?retried=1")
    with engine.connect() as conn:
        assert conn.execute(sa.select(DOCS.c.status).where(DOCS.c.id == uuid.UUID(doc_id))).scalar() == "pending"
    page = client.get(f"/cases/{case['id']}?retried=1").text
    assert "已重新排队生成" in page and "data-doc-pending" in page
    # Pending now: a second retry is refused (only a failed document is put back).
    assert client.post(f"/documents/{doc_id}/retry", data={"csrf": csrf}).status_code == 409


def test_another_mediator_of_the_organization_may_not_retry(client: TestClient, login: Login, engine: Engine):
    case = case_in(client, login, "mediation")
    with engine.begin() as conn:
        doc_id = uuid.uuid4()
        conn.execute(
            DOCS.insert().values(
                id=doc_id,
                case_id=uuid.UUID(case["id"]),
                kind="acceptance_notice",
                status="failed",
                attempts=5,
                last_error="RuntimeError: boom",
            )
        )
    with engine.begin() as conn:  # the case is another mediator's of the same organization now
        conn.execute(CASES.update().where(CASES.c.id == uuid.UUID(case["id"])).values(mediator_code="M-0002"))
    csrf = web_login(client, "mediator1")
    page = client.get(f"/cases/{case['id']}").text
    assert "文书生成程序出错" in page and "boom" not in page and "data-retry" not in page
    assert client.post(f"/documents/{doc_id}/retry", data={"csrf": csrf}).status_code == 403
    client.cookies.clear()
    csrf = web_login(client, "window1")
    assert client.post(f"/documents/{doc_id}/retry", data={"csrf": csrf}, follow_redirects=False).status_code == 303


def test_a_wrong_password_keeps_the_username(client: TestClient):
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "window1", "password": "wrong", "csrf": token})
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    assert re.search(r'id="username"[^>]*value="window1"', r.text)
    assert re.search(r'id="password"[^>]*autofocus', r.text) and 'value="wrong"' not in r.text


def test_month_labels_read_year_and_month(client: TestClient):
    web_login(client, "super1")
    page = client.get("/supervision").text
    assert re.search(r'class="ax">20\d\d年\d{1,2}月</text>', page)
    assert not re.search(r'class="ax">\d\d-\d\d</text>', page)


def test_the_divert_form_lists_mediation_bodies_only(client: TestClient, login: Login, engine: Engine):
    case = open_case(client, login("window1"))
    web_login(client, "window1")
    page = client.get(f"/cases/{case['id']}").text
    select_html = re.search(r'<select id="divert-org_code".*?</select>', page, re.S).group(0)
    offered = set(re.findall(r'<option value="([^"]+)"', select_html))
    with Session(engine) as s:
        kinds = {o.code: o.kind for o in s.exec(select(Organization)).all()}
        others_with_types = {
            o.code for o in s.exec(select(Organization)).all() if o.dispute_types and o.kind not in MEDIATION_KINDS
        }
    assert offered and all(kinds[c] in MEDIATION_KINDS for c in offered)
    assert others_with_types and not (offered & others_with_types)
