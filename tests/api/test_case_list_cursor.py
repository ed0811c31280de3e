"""GET /api/v1/cases by cursor (docs/contract.md §5): a walk shows each visible case once, in list order,
whatever is opened meanwhile; filters and scope hold on every page; a cursor is good only for its own
walk and anything else is 422 on `cursor`; the count is capped and carried. The web list pages the same."""

import base64
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from states.enums import State
from tests.api.steps import open_case
from tests.api.test_web_routes import web_login
from tests.factories import MEDIATION_ORG, T0, make_case
from workflows.read import case_list, cursor as cursors

CASES = case_list.CASES
LABOUR_MEDIATION = "CN-ZJ-XH-LDTJ"
ELSEWHERE = "330102001001"  # another district: outside the centre's region
LATER = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def shelf(engine) -> list[str]:
    """Twelve cases, in fours that share an updated_at (so pages must break ties on id). Two in three
    diverted: to the street committee (mediator1), or every fourth to the labour mediation centre
    (mediator2); the last one in another district, seen by an admin only. Returns their ids."""
    with Session(engine, expire_on_commit=False) as session:
        cases = [
            make_case(session, state=State.DIVERSION if i % 3 else State.INTAKE, now=T0 + timedelta(hours=i)).id
            for i in range(12)
        ]
    with engine.begin() as conn:
        for i, cid in enumerate(cases):
            values: dict[str, Any] = {"updated_at": LATER - timedelta(hours=i // 4)}
            if i % 3 and i % 4 == 3:
                values["org_code"] = LABOUR_MEDIATION
            if i == 11:
                values["region"] = ELSEWHERE
            conn.execute(sa.update(CASES).where(CASES.c.id == cid).values(**values))
    return [str(c) for c in cases]


def _get(client, headers, **params) -> dict:
    r = client.get("/api/v1/cases", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def walk(client, headers, limit: int, between: Callable[[int], None] | None = None, **params) -> list[dict]:
    """Every page of a walk by cursor; `between(n)` runs after the n-th page."""
    pages, cursor = [], None
    while True:
        pages.append(_get(client, headers, limit=limit, **params, **({"cursor": cursor} if cursor else {})))
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            return pages
        if between:
            between(len(pages))
        assert len(pages) < 40


def ids(pages: list[dict]) -> list[str]:
    return [c["id"] for p in pages for c in p["data"]]


@pytest.mark.parametrize("limit", [1, 3, 4, 5, 11, 200])
def test_a_walk_by_cursor_shows_each_visible_case_once_in_list_order(client, login, shelf, limit):
    window = login("window1")
    whole = _get(client, window, limit=200)

    pages = walk(client, window, limit)

    assert ids(pages) == [c["id"] for c in whole["data"]]
    assert len(set(ids(pages))) == whole["count"] == 11  # the case in another district is not the clerk's
    assert [len(p["data"]) for p in pages[:-1]] == [limit] * (len(pages) - 1) and pages[-1]["next_cursor"] is None
    assert {(p["count"], p["count_exact"]) for p in pages} == {(11, True)}
    by_offset = [_get(client, window, limit=limit, offset=o) for o in range(0, 11, limit)]
    assert ids(pages) == ids(by_offset)
    updated = [c["updated_at"] for c in whole["data"]]
    assert updated == sorted(updated, reverse=True)


def test_cases_opened_or_changed_during_a_walk_are_never_shown_twice(client, login, engine, shelf):
    window = login("window1")
    before = [c["id"] for c in _get(client, window, limit=200)["data"]]
    opened: list[str] = []
    seen_then_changed, unseen_then_changed = before[0], before[-1]

    def meanwhile(n: int) -> None:
        opened.append(open_case(client, window, summary=f"翻页期间新登记的案件 {n}")["id"])
        if n == 1:  # a case already shown, and one not shown yet, change: both move to the front
            with engine.begin() as conn:
                for cid in (seen_then_changed, unseen_then_changed):
                    conn.execute(
                        sa.update(CASES).where(CASES.c.id == uuid.UUID(cid)).values(updated_at=datetime.now(UTC))
                    )

    walked = ids(walk(client, window, 3, between=meanwhile))

    assert len(walked) == len(set(walked))
    assert not set(walked) & set(opened)
    assert walked == [c for c in before if c != unseen_then_changed]  # documented: a new walk shows it
    fresh = [c["id"] for c in _get(client, window, limit=200)["data"]]
    assert sorted(fresh) == sorted(before + opened)
    assert [c for c in fresh if c in before][:2] == [unseen_then_changed, seen_then_changed]  # moved to the front


@pytest.mark.parametrize(
    "params",
    [
        {"state": "diversion"},
        {"state": "intake"},
        {"org_code": MEDIATION_ORG},
        {"dispute_type": "neighbour"},
        {"q": "张三"},
        {"overdue": "true"},
        {"state": "diversion", "org_code": LABOUR_MEDIATION},
    ],
)
def test_filters_hold_on_every_page(client, login, shelf, params):
    window = login("window1")
    whole = _get(client, window, limit=200, **params)

    pages = walk(client, window, 2, **params)

    assert ids(pages) == [c["id"] for c in whole["data"]]
    assert {p["count"] for p in pages} == {whole["count"]}


def test_each_role_walks_only_what_it_may_see(client, login, shelf):
    diverted = {cid for i, cid in enumerate(shelf) if i % 3}
    labour = {cid for i, cid in enumerate(shelf) if i % 3 and i % 4 == 3}
    expected = {
        "admin": set(shelf),
        "window1": set(shelf) - {shelf[11]},
        "super1": set(shelf) - {shelf[11]},
        "mediator1": diverted - labour,
        "mediator2": labour,
        "mediator6": set(),
        "court1": set(),
    }
    for who, visible in expected.items():
        walked = ids(walk(client, login(who), 2))
        assert len(walked) == len(set(walked)), who
        assert set(walked) == visible, who


def _sign(payload: str) -> str:
    sig = hmac.new(cursors._key(), payload.encode(), hashlib.sha256).digest()[:16]
    return f"{payload}.{base64.urlsafe_b64encode(sig).rstrip(b'=').decode()}"


def _b64(obj: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _tampered(valid: str, other: str) -> dict[str, str]:
    payload, sig = valid.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    flip = {"A": "B"}.get(payload[5], "A")
    return {
        "a character of the payload changed": payload[:5] + flip + payload[6:] + "." + sig,
        "the signature changed": payload + "." + ("A" if sig[0] != "A" else "B") + sig[1:],
        "no signature": payload,
        "only a dot": ".",
        "another cursor's signature": payload + "." + other.split(".")[1],
        "the count raised, unsigned": _b64([*body[:3], 999999, *body[4:]]) + "." + sig,
        "signed with another key": _b64(body) + ".AAAAAAAAAAAAAAAAAAAAAA",
        "not base64": "@@@@.@@@@",
        "not ASCII": "翻页标记.签名",
        "signed, not a list": _sign(_b64({"after": 1})),
        "signed, a text timestamp": _sign(_b64([1, "2026-11-20", *body[2:]])),
        "signed, a later version": _sign(_b64([2, *body[1:]])),
        "signed, a negative count": _sign(_b64([*body[:3], -1, *body[4:]])),
        "signed, a bad id": _sign(_b64([*body[:2], "not-an-id", *body[3:]])),
        "signed, a year out of range": _sign(_b64([1, 10**20, *body[2:]])),
        "too long": "A" * 600,
    }


def test_a_tampered_cursor_is_422_naming_cursor(client, login, shelf):
    window = login("window1")
    valid = _get(client, window, limit=2)["next_cursor"]
    other = _get(client, window, limit=3)["next_cursor"]
    assert _get(client, window, limit=2, cursor=valid)["data"]

    for how, cursor in _tampered(valid, other).items():
        r = client.get("/api/v1/cases", params={"limit": 2, "cursor": cursor}, headers=window)
        assert r.status_code == 422, (how, r.status_code, r.text)
        assert [e["field"] for e in r.json()["detail"]] == ["cursor"], how


def test_a_cursor_is_good_only_for_its_own_walk(client, login, shelf):
    window = login("window1")
    cursor = _get(client, window, limit=2, state="diversion")["next_cursor"]

    for headers, params in [
        (window, {"state": "intake"}),  # other filters
        (window, {}),
        (window, {"state": "diversion", "q": "张三"}),
        (login("admin"), {"state": "diversion"}),  # another user, same filters
        (login("super1"), {"state": "diversion"}),
    ]:
        r = client.get("/api/v1/cases", params={**params, "cursor": cursor}, headers=headers)
        assert r.status_code == 422, params
        [error] = r.json()["detail"]
        assert error["field"] == "cursor" and "不属于本次查询" in error["msg"]
    r = client.get("/api/v1/cases", params={"state": "diversion", "cursor": cursor, "offset": 2}, headers=window)
    assert r.status_code == 422 and [e["field"] for e in r.json()["detail"]] == ["offset"]
    assert _get(client, window, limit=5, state="diversion", cursor=cursor)["data"]  # a page of another length is fine


def test_the_count_is_capped_on_a_first_page_and_carried_by_the_cursor(client, login, shelf, monkeypatch):
    window = login("window1")
    monkeypatch.setattr(case_list, "COUNT_CAP", 5)

    pages = walk(client, window, 4)
    deep = _get(client, window, limit=4, offset=4)
    past_the_end = _get(client, window, limit=4, offset=40)

    assert {(p["count"], p["count_exact"]) for p in pages} == {(5, False)}
    assert len(ids(pages)) == 11
    assert (deep["count"], deep["count_exact"]) == (5, False)
    assert (past_the_end["data"], past_the_end["count"], past_the_end["count_exact"]) == ([], 5, False)
    assert _get(client, window, limit=4, state="intake") | {"data": None} == {
        "data": None,
        "count": 4,
        "count_exact": True,
        "next_cursor": None,
    }


def test_the_web_list_pages_by_cursor(client, shelf, monkeypatch):
    from api.web import cases as web_cases

    monkeypatch.setattr(web_cases, "PAGE", 4)
    monkeypatch.setattr(case_list, "COUNT_CAP", 10)
    web_login(client, "window1")

    shown: list[str] = []
    page = client.get("/cases", params={"state": "diversion"})
    assert "共 7 件，显示最近更新的 4 件" in page.text
    while True:
        assert page.status_code == 200
        shown += re.findall(r'href="/cases/([0-9a-f-]{36})"', page.text)
        link = re.search(r'href="(/cases\?[^"]*cursor=[^"]+)" rel="next"', page.text)
        if link is None:
            break
        page = client.get(link.group(1).replace("&amp;", "&"))
        assert "第一页" in page.text
    assert len(shown) == len(set(shown)) == 7
    assert "超过 10 件" in client.get("/cases").text

    r = client.get("/cases", params={"cursor": "forged.cursor"})
    assert r.status_code == 422 and "翻页标记无效" in r.text
