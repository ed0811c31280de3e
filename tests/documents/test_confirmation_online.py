"""The confirmation application when a party signed online (docs/contract.md §4 v2): that party is a 申请人
like any other, and the application says how and when it signed — by a one-time SMS code, through the
portal — where a paper signer keeps the blank line to sign by hand. Read from the rendered PDF's text."""

import pytest
from sqlmodel import Session

from states.enums import State, Trigger
from tests.conftest import _clean
from tests.documents.support import Rendered, documents_of, flat, rendered
from tests.factories import actor, confirmation_request, make_case
from tests.workflows.support import local
from workflows.access import party_actor
from workflows.engine import fire
from workflows.outbox.documents import render_pending


@pytest.fixture(scope="module")
def application(sqlite_engine) -> Rendered:
    _clean(sqlite_engine)
    with Session(sqlite_engine, expire_on_commit=False) as s:
        case = make_case(s, state=State.AGREEMENT)  # 张三 applicant (obligee), 李四 respondent (obligor)
        fire(
            s,
            case_id=case.id,
            trigger=Trigger.SIGN_JOINT_APPLICATION,
            actor=party_actor(case.id, 1),
            now=local(2026, 11, 3, 7, 30),  # 2 Nov in UTC: the day is the local one
        )
        body = confirmation_request(applicants=[0], signed_on="2026-11-04")  # 张三 on paper at the window
        fire(
            s,
            case_id=case.id,
            trigger=Trigger.REQUEST_CONFIRMATION,
            actor=actor(s, "window1"),
            payload=body,
            now=local(2026, 11, 4, 10),
        )
        report = render_pending(s)
        assert report.failed == [], report.failed
        out = rendered(documents_of(s, case.id)["confirmation_application"])
    _clean(sqlite_engine)
    return out


def test_the_party_who_signed_online_is_an_applicant_and_the_application_says_how(application):
    t = application.flat
    assert flat("申请人张三") in t and flat("申请人李四") in t and "被申请人" not in t
    assert t.count(flat("经短信验证码确认，于2026年11月3日在线签署")) == 1  # 李四 alone, on his local day
    assert flat("申请人：李四已在线签署（短信验证码确认）2026年11月3日") in t


def test_the_paper_signer_keeps_the_line_to_sign_by_hand(application):
    t = application.flat
    signatures = t[t.index(flat("此致")) : t.index(flat("申请日期"))]
    assert flat("申请人：张三指印年月日申请人：李四已在线签署（短信验证码确认）2026年11月3日") in signatures
    assert t.count(flat("在线签署")) == 2  # 李四's applicant block and his line of the signature table
