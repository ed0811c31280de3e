"""案件查询 through real HTTP on each backend: the case code, a code to a phone on record (read from the fake
SMS provider), the party's view of the case and its documents; one answer whether or not anything matched."""

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.app import create_app
from models.tables import Case, Deadline, Document, Mediator, Organization
from states.enums import State
from states.labels import STATE_LABELS
from tests.factories import ID_A, ID_B, T0, make_case
from tests.portal.conftest import OTHER_PHONE, csrf, hidden, last_code, portal_settings
from workflows.notify.fake_sms import FakeSms
from workflows.outbox.documents import render_pending

APPLICANT_PHONE = "13812345678"  # tests.factories: the applicant's phone on record
UNKNOWN_CODE = "ZZZZ2222"


@pytest.fixture
def mediating(engine: Engine) -> Case:
    """A case in mediation (organization and mediator known, a mediation deadline pending), its documents
    rendered (受理回执, 分流受理告知书)."""
    with Session(engine, expire_on_commit=False) as s:
        case = make_case(s, state=State.MEDIATION, now=T0)
        assert render_pending(s).failed == []
        return case


def _ask(client: TestClient, code: str, phone: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/p/c/{code}")
    assert page.status_code == 200, page.text
    return client.post(f"/p/c/{code}", data={"csrf": csrf(page.text), "phone": phone})


def _sign_in(client: TestClient, sms: FakeSms, code: str, phone: str = APPLICANT_PHONE):  # type: ignore[no-untyped-def]
    sent = _ask(client, code, phone)
    assert sent.status_code == 200, sent.text
    data = {"csrf": csrf(sent.text), "phone": hidden(sent.text, "phone"), "otp": last_code(sms)}
    return client.post(f"/p/c/{code}/verify", data=data, follow_redirects=False)


def test_the_right_phone_gets_a_code_and_sees_the_case(
    client: TestClient, fake_sms: FakeSms, mediating: Case, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    code = mediating.public_code
    assert code
    signed = _sign_in(client, fake_sms, code.lower())  # typed in lower case: the same code
    assert signed.status_code == 303 and signed.headers["location"] == "/p/case"
    [message] = fake_sms.messages
    assert message["phone"] == APPLICANT_PHONE
    page = client.get("/p/case")
    assert page.status_code == 200, page.text
    with Session(engine) as s:
        org = s.exec(select(Organization).where(Organization.code == mediating.org_code)).one()
        mediator = s.exec(select(Mediator).where(Mediator.code == mediating.mediator_code)).one()
        docs = s.exec(select(Document).where(Document.case_id == mediating.id)).all()
    assert STATE_LABELS[State.MEDIATION] in page.text
    assert org.name in page.text and mediator.name in page.text
    assert "调解期限" in page.text  # the next pending deadline, with its label
    with Session(engine) as s:
        due = s.exec(select(Deadline).where(Deadline.case_id == mediating.id, Deadline.kind == "mediation")).one()
    last = due.due_at.replace(tzinfo=due.due_at.tzinfo or UTC).astimezone(ZoneInfo("Asia/Shanghai")) - timedelta(days=1)
    assert f"{last.year}年{last.month}月{last.day}日（含当日）届满" in page.text  # the last day, not "…00:00 前"
    assert mediating.case_no in page.text and "（您）" in page.text
    kinds = set(re.findall(r'data-doc="([a-z_]+)"', page.text))
    assert kinds == {"intake_receipt", "acceptance_notice"}
    for internal in (ID_A, ID_B, APPLICANT_PHONE, mediating.org_code, mediating.mediator_code, "window1"):
        assert internal not in page.text, internal
    receipt = next(d for d in docs if d.kind == "intake_receipt")
    pdf = client.get(f"/p/documents/{receipt.id}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"

    assert APPLICANT_PHONE not in caplog.text and ID_A not in caplog.text
    out = client.post("/p/logout", data={"csrf": csrf(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/p/case", follow_redirects=False).headers["location"] == "/p/"
    assert client.get(f"/p/documents/{receipt.id}/pdf").status_code == 404


def _uniform(html: str, code: str, phone: str) -> str:
    shown = f"{code[:4]} {code[4:]}"
    html = html.replace(shown, "CODE").replace(f"/p/c/{code}", "/p/c/CODE")
    html = html.replace(f"{phone[:3]}****{phone[-4:]}", "PHONE")
    return re.sub(r'name="phone" value="[^"]*"', 'name="phone" value=""', html)


def test_a_wrong_phone_or_an_unknown_code_answers_the_same_and_sends_nothing(
    client: TestClient, fake_sms: FakeSms, mediating: Case
) -> None:
    code = mediating.public_code
    assert code
    answers = []
    for case_code, phone in ((code, APPLICANT_PHONE), (code, OTHER_PHONE), (UNKNOWN_CODE, "13700002222")):
        started = time.monotonic()
        r = _ask(client, case_code, phone)
        elapsed = time.monotonic() - started
        assert r.status_code == 200 and "如信息无误，验证码已发送" in r.text
        assert elapsed >= 0.3  # portal_lookup_min_seconds: as slow whether a code went out or not
        answers.append(_uniform(r.text, case_code, phone))
    assert answers[0] == answers[1] == answers[2]
    assert [m["phone"] for m in fake_sms.messages] == [APPLICANT_PHONE]  # only the phone on record

    # a code for the wrong phone or the unknown case: the one uniform refusal
    for case_code in (code, UNKNOWN_CODE):
        page = client.get(f"/p/c/{case_code}")
        r = client.post(
            f"/p/c/{case_code}/verify", data={"csrf": csrf(page.text), "phone": "x", "otp": last_code(fake_sms)}
        )
        assert r.status_code == 422 and "验证码错误或已失效" in r.text


def test_five_wrong_codes_kill_the_code(client: TestClient, fake_sms: FakeSms, mediating: Case) -> None:
    code = mediating.public_code
    assert code
    sent = _ask(client, code, APPLICANT_PHONE)
    right = last_code(fake_sms)
    wrong = "000000" if right != "000000" else "111111"
    data = {"csrf": csrf(sent.text), "phone": hidden(sent.text, "phone")}
    for _ in range(5):
        r = client.post(f"/p/c/{code}/verify", data=data | {"otp": wrong}, follow_redirects=False)
        assert r.status_code == 422
    dead = client.post(f"/p/c/{code}/verify", data=data | {"otp": right}, follow_redirects=False)
    assert dead.status_code == 422 and "验证码错误或已失效" in dead.text
    assert client.get("/p/case", follow_redirects=False).headers["location"] == "/p/"


def test_documents_of_another_case_or_not_addressed_to_parties_are_not_found(
    client: TestClient, fake_sms: FakeSms, mediating: Case, engine: Engine
) -> None:
    with Session(engine, expire_on_commit=False) as s:
        other = make_case(s, now=T0)
        render_pending(s)
        theirs = s.exec(select(Document).where(Document.case_id == other.id)).all()
    assert theirs
    assert mediating.public_code
    assert _sign_in(client, fake_sms, mediating.public_code).status_code == 303
    for doc in theirs:
        assert client.get(f"/p/documents/{doc.id}/pdf").status_code == 404
    assert client.get(f"/p/documents/{uuid.uuid4()}/pdf").status_code == 404
    assert client.get("/p/documents/not-a-uuid/pdf").status_code == 404


@pytest.fixture
def strict_client(engine: Engine, fake_sms: FakeSms) -> Iterator[TestClient]:
    settings = portal_settings(portal_lookups_per_code=2, portal_lookup_min_seconds=0)
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def test_lookups_over_the_limit_answer_429_with_retry_after(
    strict_client: TestClient, fake_sms: FakeSms, mediating: Case
) -> None:
    code = mediating.public_code
    assert code
    for phone in ("13700003333", "13700004444"):
        assert _ask(strict_client, code, phone).status_code == 200
    over = _ask(strict_client, code, "13700005555")
    assert over.status_code == 429 and "操作过于频繁" in over.text
    assert 0 < int(over.headers["retry-after"]) <= 600
    # one code's limit is not another's
    assert _ask(strict_client, UNKNOWN_CODE, "13700006666").status_code == 200


def test_a_second_code_to_the_same_phone_within_a_minute_is_429(client: TestClient, mediating: Case) -> None:
    code = mediating.public_code
    assert code
    assert _ask(client, code, APPLICANT_PHONE).status_code == 200
    again = _ask(client, code, APPLICANT_PHONE)
    assert again.status_code == 429
    assert 0 < int(again.headers["retry-after"]) <= 60
