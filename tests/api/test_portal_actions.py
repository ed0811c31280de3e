"""The party's two case pages over HTTP (api/portal/actions.py), on both databases: /p/case/sign shows the
agreement in plain words and records the party's signature of the joint application through the engine;
/p/case/followup records its 回访 rating once. Sessions are made with `issue(...)` as the lookup makes them
after a one-time code; forms carry the double-submit CSRF token."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import Response
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.portal import csrf
from api.portal.session import COOKIE, PartySession, issue
from api.web.names import Names
from models.settings import get_settings
from models.tables import Case, CaseEvent
from states.enums import State, Trigger
from tests.api.test_web_routes import web_login
from tests.factories import COURT, agreement_payload, make_case

START = datetime.now(UTC) - timedelta(hours=5)  # the agreement is signed 2.5 hours later: well inside its window


@pytest.fixture
def db(engine: Engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s


def case_in(db: Session, state: State) -> Case:
    return make_case(db, state=state, now=START, agreement=agreement_payload(signed_at=START + timedelta(hours=2.5)))


def log_in(client: TestClient, case: Case, *positions: int) -> None:
    """The portal cookie the lookup issues once the phone of the parties at `positions` is proved."""
    response = Response()
    issue(response, get_settings(), PartySession(phone="13987654321", case_id=case.id, positions=positions))
    token = response.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]
    client.cookies.set(COOKIE, token)


def form_of(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))


def events(engine: Engine, case: Case, trigger: Trigger) -> list[CaseEvent]:
    with Session(engine) as s:
        query = select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.trigger == str(trigger))
        return list(s.exec(query.order_by(CaseEvent.seq)))


def test_without_a_case_session_both_pages_send_the_party_to_the_lookup(client: TestClient):
    for path in ("/p/case/sign", "/p/case/followup"):
        for method in (client.get, client.post):
            r = method(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/p/", path


def test_the_party_reads_the_agreement_and_signs(client: TestClient, db: Session, engine: Engine):
    case = case_in(db, State.AGREEMENT)
    log_in(client, case, 1)  # 李四, who pays
    page = client.get("/p/case/sign")
    assert page.status_code == 200
    text = page.text
    assert "李四家卫生间漏水致张三家天花板受损" in text and "李四承担全部维修责任" in text
    assert "李四向张三赔偿维修费用" in text and "人民币捌仟伍佰元整" in text and "人民币 8,500.00 元" in text
    assert "李四：尚未签署" in text and "<script" not in text
    assert csrf.COOKIE in page.headers["set-cookie"]
    fields = form_of(text)
    assert fields["case"] == str(case.id)

    unticked = client.post("/p/case/sign", data=fields)
    assert unticked.status_code == 422 and "请先勾选" in unticked.text
    assert events(engine, case, Trigger.SIGN_JOINT_APPLICATION) == []

    r = client.post("/p/case/sign", data={**fields, "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/p/case/sign"
    [event] = events(engine, case, Trigger.SIGN_JOINT_APPLICATION)
    assert event.actor == "party:1" and event.payload["position"] == 1 and event.payload["channel"] == "portal"
    again = client.get("/p/case/sign")
    assert "李四：已于" in again.text and "在线签署" in again.text and 'name="confirm"' not in again.text


def test_a_post_without_the_csrf_token_is_refused(client: TestClient, db: Session, engine: Engine):
    case = case_in(db, State.AGREEMENT)
    log_in(client, case, 0)
    fields = form_of(client.get("/p/case/sign").text)
    r = client.post("/p/case/sign", data={**fields, "csrf": "x" * 43, "confirm": "yes"})
    assert r.status_code == 403
    assert events(engine, case, Trigger.SIGN_JOINT_APPLICATION) == []


def test_a_session_for_another_case_cannot_sign_this_one(client: TestClient, db: Session, engine: Engine):
    mine, theirs = case_in(db, State.AGREEMENT), case_in(db, State.AGREEMENT)
    log_in(client, theirs, 0)
    token = form_of(client.get("/p/case/sign").text)["csrf"]
    log_in(client, mine, 0)  # the page of `theirs`, posted with a session for `mine`
    r = client.post("/p/case/sign", data={"csrf": token, "case": str(theirs.id), "confirm": "yes"})
    assert r.status_code == 404 and "未找到该案件" in r.text
    assert events(engine, theirs, Trigger.SIGN_JOINT_APPLICATION) == []
    assert events(engine, mine, Trigger.SIGN_JOINT_APPLICATION) == []


def test_the_sign_page_refuses_a_case_not_in_agreement(client: TestClient, db: Session):
    case = case_in(db, State.MEDIATION)
    log_in(client, case, 0)
    r = client.get("/p/case/sign")
    assert r.status_code == 409 and "不能在线签署" in r.text


def test_the_party_rates_the_handling_once(client: TestClient, db: Session, engine: Engine):
    case = case_in(db, State.CLOSED)
    log_in(client, case, 0)
    page = client.get("/p/case/followup")
    assert page.status_code == 200 and "回访评价" in page.text
    fields = form_of(page.text)
    bad = client.post("/p/case/followup", data={**fields, "satisfaction": "9", "performed": "yes"})
    assert bad.status_code == 422 and "满意度" in bad.text
    body = {**fields, "satisfaction": "4", "performed": "no", "note": "尚有一半未付"}
    r = client.post("/p/case/followup", data=body)
    assert r.status_code == 200 and "评价已提交" in r.text
    [event] = events(engine, case, Trigger.RECORD_FOLLOWUP)
    assert event.actor == "party:0"
    assert event.payload == {
        "satisfaction": 4,
        "performed": False,
        "note": "尚有一半未付",
        "position": 0,
        "channel": "portal",
    }
    again = client.post("/p/case/followup", data=body)
    assert again.status_code == 409 and "已提交回访评价" in again.text
    assert len(events(engine, case, Trigger.RECORD_FOLLOWUP)) == 1


def test_the_followup_page_waits_for_the_case_to_close(client: TestClient, db: Session):
    case = case_in(db, State.AGREEMENT)
    log_in(client, case, 0)
    assert client.get("/p/case/followup").status_code == 409


def test_staff_read_the_party_actor_as_the_party_itself(db: Session):
    names = Names(db)
    assert names.who("party:1") == "第2位当事人本人（在线）"
    assert names.who("party:x") == "当事人"  # an unknown party actor is still a party, never shown raw


def test_the_window_applies_on_the_parties_online_signatures_from_its_form(client: TestClient, db: Session):
    case = case_in(db, State.AGREEMENT)
    for position in (0, 1):
        log_in(client, case, position)
        fields = form_of(client.get("/p/case/sign").text)
        assert client.post("/p/case/sign", data={**fields, "confirm": "yes"}, follow_redirects=False).status_code == 303
    token = web_login(client, "window1")
    page = client.get(f"/cases/{case.id}").text
    assert "张三 已于" in page and "李四 已于" in page and "在线签署（短信验证码确认）" in page
    assert 'name="ja_applicant_0"' not in page and 'name="ja_applicant_1"' not in page
    with Session(db.get_bind()) as s:
        version = s.get(Case, case.id).version
    form = {"csrf": token, "version": str(version), "court_code": COURT, "ja_signed_on": "2026-01-01"}
    r = client.post(f"/cases/{case.id}/actions/request_confirmation", data=form, follow_redirects=False)
    assert r.status_code == 303, re.sub(r"\s+", " ", r.text)[:500]
    with Session(db.get_bind()) as s:
        done = s.get(Case, case.id)
        assert done.state == State.JUDICIAL_CONFIRMATION
        [application] = done.confirmation["applications"]
    assert application["applicants"] == [0, 1] and [o["party"] for o in application["online"]] == [0, 1]


def test_the_case_page_offers_signing_until_signed_and_the_rating_until_rated(
    client: TestClient, db: Session, engine: Engine
):
    agreed = case_in(db, State.AGREEMENT)
    log_in(client, agreed, 1)
    assert 'data-action="sign"' in client.get("/p/case").text
    fields = form_of(client.get("/p/case/sign").text)
    client.post("/p/case/sign", data={**fields, "confirm": "yes"})
    assert 'data-action="sign"' not in client.get("/p/case").text

    closed = case_in(db, State.CLOSED)
    log_in(client, closed, 0)
    page = client.get("/p/case").text
    assert 'data-action="followup"' in page and 'data-action="sign"' not in page
    fields = form_of(client.get("/p/case/followup").text)
    client.post("/p/case/followup", data={**fields, "satisfaction": "5", "performed": "yes"})
    assert 'data-action="followup"' not in client.get("/p/case").text
