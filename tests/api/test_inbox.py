"""The staff's messages over HTTP: GET /api/v1/inbox and the marks read (the caller's own only: another's
message is 404, as if it did not exist), and on the web the 消息 badge in every page's navigation and the
/messages page whose forms mark a message read and lead to its case."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from states.enums import State
from tests.api.test_web_routes import web_login
from tests.factories import T0, make_case


def _cases(engine: Engine, n: int) -> list[object]:
    with Session(engine, expire_on_commit=False) as session:
        return [make_case(session, state=State.DIVERSION, now=T0 + timedelta(days=i)) for i in range(n)]


def test_the_inbox_lists_the_callers_messages_newest_first_and_pages(engine, client: TestClient, login) -> None:
    cases = _cases(engine, 3)
    mine = login("mediator1")
    r = client.get("/api/v1/inbox", params={"limit": 2}, headers=mine)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["count"], body["unread"]) == (3, 3)
    assert [m["case_id"] for m in body["data"]] == [str(cases[2].id), str(cases[1].id)]
    first = body["data"][0]
    assert (first["kind"], first["link"], first["read_at"]) == ("assigned", f"/cases/{cases[2].id}", None)
    assert first["title"] == f"新分派案件：{cases[2].case_no}"
    r = client.get("/api/v1/inbox", params={"limit": 2, "cursor": body["next_cursor"]}, headers=mine)
    assert [m["case_id"] for m in r.json()["data"]] == [str(cases[0].id)] and r.json()["next_cursor"] is None
    r = client.get("/api/v1/inbox", params={"cursor": "not-a-cursor"}, headers=mine)
    assert r.status_code == 422 and "cursor" in r.text

    other = login("mediator6")  # 宝石社区: another organization
    assert client.get("/api/v1/inbox", headers=other).json() == {
        "data": [],
        "count": 0,
        "unread": 0,
        "next_cursor": None,
    }
    assert client.get("/api/v1/inbox").status_code == 401


def test_marking_read_changes_the_unread_count_and_another_users_message_is_404(
    engine, client: TestClient, login
) -> None:
    _cases(engine, 2)
    mine, other = login("mediator1"), login("mediator6")
    data = client.get("/api/v1/inbox", headers=mine).json()["data"]
    newest, older = data[0]["id"], data[1]["id"]

    r = client.post(f"/api/v1/inbox/{newest}/read", headers=other)
    assert r.status_code == 404 and r.json()["detail"] == "消息不存在"  # the same as an id nobody has
    assert client.post("/api/v1/inbox/999999999/read", headers=other).json() == r.json()
    assert client.get("/api/v1/inbox", headers=mine).json()["unread"] == 2  # untouched by the other's try

    r = client.post(f"/api/v1/inbox/{newest}/read", headers=mine)
    assert r.status_code == 200 and r.json()["read_at"] is not None
    page = client.get("/api/v1/inbox", params={"unread": "true"}, headers=mine).json()
    assert (page["count"], page["unread"], [m["id"] for m in page["data"]]) == (1, 1, [older])
    assert client.post("/api/v1/inbox/0/read", headers=mine).status_code == 422

    r = client.post("/api/v1/inbox/read-all", headers=mine)
    assert r.json() == {"marked": 1, "unread": 0}
    assert client.get("/api/v1/inbox", headers=mine).json()["count"] == 2


def _badge(html: str) -> str | None:
    m = re.search(r'<a href="/messages"[^>]*>消息(?: <span class="badge">(\w+)</span>)?</a>', html)
    assert m is not None, "no 消息 link in the navigation"
    return m[1]


def test_the_badge_and_the_messages_page(engine, client: TestClient) -> None:
    [case] = _cases(engine, 1)
    csrf = web_login(client, "mediator1")
    assert _badge(client.get("/cases").text) == "1"
    page = client.get("/messages")
    assert page.status_code == 200
    assert f"新分派案件：{case.case_no}" in page.text and "未读" in page.text and "全部标为已读" in page.text
    message_id = re.search(r'action="/messages/(\d+)/open"', page.text)[1]  # type: ignore[index]

    r = client.post(f"/messages/{message_id}/open", data={"csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403  # the CSRF check, as on every form
    r = client.post(f"/messages/{message_id}/open", data={"csrf": csrf}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"/cases/{case.id}")
    assert _badge(client.get(f"/cases/{case.id}").text) is None
    assert "已读" in client.get("/messages").text

    client.cookies.clear()
    other_csrf = web_login(client, "mediator6")
    assert _badge(client.get("/cases").text) is None
    r = client.post(f"/messages/{message_id}/open", data={"csrf": other_csrf}, follow_redirects=False)
    assert r.status_code == 404 and "消息不存在" in r.text


def test_mark_all_read_from_the_page(engine, client: TestClient) -> None:
    _cases(engine, 2)
    csrf = web_login(client, "mediator1")
    assert _badge(client.get("/messages").text) == "2"
    r = client.post("/messages/read-all", data={"csrf": csrf}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/messages")
    page = client.get("/messages").text
    assert _badge(page) is None and "全部标为已读" not in page
