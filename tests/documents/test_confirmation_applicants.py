"""The confirmation application's applicant block (docs/contract.md §4 v2): every party that applies is a
申请人 — the mediation's respondent too — with the agent who applies for it; never 被申请人. Read from the
rendered PDF's text."""

import pytest
from sqlmodel import Session

from states.enums import State, Trigger
from tests.conftest import _clean
from tests.documents.support import Rendered, documents_of, flat, rendered
from tests.factories import ID_A, ID_B, ID_GS, T0, actor, confirmation_request, make_case
from tests.workflows.support import local
from workflows.engine import fire
from workflows.outbox.documents import render_pending

AGENT = {"party": 1, "name": "赵律师", "id_number": ID_GS, "authority": "special"}


@pytest.fixture(scope="module")
def application(sqlite_engine) -> Rendered:
    _clean(sqlite_engine)
    with Session(sqlite_engine, expire_on_commit=False) as s:
        case = make_case(s, state=State.AGREEMENT, now=T0)  # 张三 applicant, 李四 respondent
        body = confirmation_request(applicants=[0], agents=[AGENT], signed_on="2026-11-03")
        fire(
            s,
            case_id=case.id,
            trigger=Trigger.REQUEST_CONFIRMATION,
            actor=actor(s, "mediator1"),
            payload=body,
            now=local(2026, 11, 3, 10),
        )
        report = render_pending(s)
        assert report.failed == [], report.failed
        out = rendered(documents_of(s, case.id)["confirmation_application"])
    _clean(sqlite_engine)
    return out


def test_both_parties_are_listed_as_applicants_and_neither_as_respondent(application):
    t = application.flat
    assert flat("申请人张三") in t and flat("申请人李四") in t
    assert "被申请人" not in t
    assert flat("申请人：张三") in t and flat("申请人：李四") in t  # the signature block


def test_the_agent_is_named_with_special_authority_and_the_identities_are_whole(application):
    t = application.flat
    assert flat("委托代理人赵律师（特别授权）") in t
    for number in (ID_A, ID_B, ID_GS):
        assert number in t
