"""网上申请 through real HTTP on each backend: the phone proved by a code from the fake SMS provider, the form
validated as at the window, the case opened by intake in the window's queue with its possible duplicates."""

import re
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.tables import Case, CaseEvent, OneTimeCode, Party
from tests.factories import ID_C, actor
from tests.portal.conftest import PHONE, application, apply_online, ask_code, csrf, hidden, last_code
from workflows.notify.fake_sms import FakeSms
from workflows.read.screens import case_screen


def _cases(engine: Engine) -> list[Case]:
    with Session(engine) as s:
        return list(s.exec(select(Case).order_by(col(Case.created_at))).all())


def test_an_online_application_lands_in_the_windows_queue_with_its_duplicates(
    client: TestClient, fake_sms: FakeSms, engine: Engine
) -> None:
    done = apply_online(client, fake_sms)
    assert done.status_code == 200, done.text
    [message] = fake_sms.messages
    assert message["phone"] == PHONE and message["template"] == "otp"
    [case] = _cases(engine)
    assert (case.state, case.channel, case.region, case.created_by) == ("intake", "online", "330106", "party:online")
    assert case.public_code and re.fullmatch(r"[2-9A-HJKMNP-Z]{8}", case.public_code)
    assert case.case_no in done.text and f"{case.public_code[:4]} {case.public_code[4:]}" in done.text
    with Session(engine) as s:
        parties = s.exec(select(Party).where(Party.case_id == case.id).order_by(col(Party.position))).all()
        assert [(p.role, p.name, p.phone) for p in parties[:1]] == [("applicant", "赵敏", PHONE)]
        [opened] = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
        assert (opened.trigger, opened.actor) == ("open", "party:online")
        # the code is used up, and only its keyed hash was ever stored
        [code_row] = s.exec(select(OneTimeCode)).all()
        assert code_row.used_at is not None and PHONE not in code_row.phone_hash

    # the same applicant (the same identity number) applies again from another phone: the window sees the first
    with TestClient(client.app) as other:
        again = apply_online(other, fake_sms, "13911112222", summary="同一邻居噪音纠纷，再次申请")
    assert again.status_code == 200, again.text
    first, second = _cases(engine)
    with Session(engine) as s:
        screen = case_screen(s, actor(s, "window1"), second.id, new=False, now=datetime.now(UTC), today=date.today())
    assert [d.case_no for d in screen.duplicates] == [first.case_no]
    assert screen.case.public_code == second.public_code  # shown on the staff case page


def test_errors_are_shown_in_chinese_next_to_their_fields_and_what_was_typed_is_kept(
    client: TestClient, fake_sms: FakeSms, engine: Engine
) -> None:
    bad = apply_online(client, fake_sms, a_ident="110105194912310021", summary="")
    assert bad.status_code == 422
    assert 'data-error="a_ident"' in bad.text and "身份证号" in bad.text
    assert 'data-error="summary"' in bad.text
    assert "赵敏" in bad.text and "李四" in bad.text  # kept
    assert "110105194912310021" in bad.text  # what the party typed, shown back to fix
    assert _cases(engine) == []
    # the phone stays proved for this session: corrected, the form goes through without a new code
    data = application() | {"csrf": csrf(bad.text), "key": hidden(bad.text, "key")}
    ok = client.post("/p/apply", data=data)
    assert ok.status_code == 200, ok.text
    assert len(fake_sms.messages) == 1 and len(_cases(engine)) == 1


def test_a_double_submit_opens_one_case(client: TestClient, fake_sms: FakeSms, engine: Engine) -> None:
    step2 = ask_code(client)
    data = application() | {
        "csrf": csrf(step2.text),
        "key": hidden(step2.text, "key"),
        "phone": hidden(step2.text, "phone"),
        "code": last_code(fake_sms),
    }
    first = client.post("/p/apply", data=data)
    second = client.post("/p/apply", data=data)
    assert first.status_code == second.status_code == 200
    [case] = _cases(engine)
    assert case.case_no in first.text and case.case_no in second.text


def test_a_wrong_code_opens_nothing_and_an_unsent_code_says_so(
    client: TestClient, fake_sms: FakeSms, engine: Engine
) -> None:
    step2 = ask_code(client)
    code = last_code(fake_sms)
    wrong = "000000" if code != "000000" else "111111"
    data = application() | {
        "csrf": csrf(step2.text),
        "key": hidden(step2.text, "key"),
        "phone": hidden(step2.text, "phone"),
        "code": wrong,
    }
    refused = client.post("/p/apply", data=data)
    assert refused.status_code == 422 and "验证码错误或已失效" in refused.text
    assert _cases(engine) == []

    fake_sms.fail_next(1)
    with TestClient(client.app) as other:
        unsent = ask_code(other, "13600002222")
    assert unsent.status_code == 200 and "暂时无法发送" in unsent.text
    assert "13600002222" not in unsent.text


def test_without_a_csrf_token_the_form_is_refused(client: TestClient, fake_sms: FakeSms) -> None:
    client.get("/p/apply")
    refused = client.post("/p/apply/code", data={"csrf": "not-the-cookie-value-at-all", "phone": PHONE})
    assert refused.status_code == 403
    assert fake_sms.messages == []


def test_the_identity_number_and_the_phone_never_reach_the_logs(client: TestClient, fake_sms: FakeSms, caplog) -> None:
    caplog.set_level("DEBUG")
    done = apply_online(client, fake_sms)
    assert done.status_code == 200
    assert ID_C not in caplog.text and PHONE not in caplog.text
    assert PHONE not in done.text and ID_C not in done.text


def test_in_production_without_a_portal_region_online_application_is_not_open(engine: Engine) -> None:
    from api.app import create_app
    from tests.portal.conftest import portal_settings

    settings = portal_settings(env="production", portal_region=None)
    with TestClient(create_app(settings, engine=engine), base_url="https://testserver") as c:
        closed = c.get("/p/apply")
        assert closed.status_code == 503 and "暂未开通网上申请" in closed.text
        assert c.get("/p/").status_code == 200  # the lookup still works


def test_an_email_given_online_is_checked_beside_its_field_and_kept_for_the_messages(
    client: TestClient, fake_sms: FakeSms, engine: Engine
) -> None:
    bad = apply_online(client, fake_sms, a_email="zhao.min@")
    assert bad.status_code == 422 and 'data-error="a_email"' in bad.text
    assert _cases(engine) == []
    data = application(a_email="zhao.min@example.com") | {"csrf": csrf(bad.text), "key": hidden(bad.text, "key")}
    assert client.post("/p/apply", data=data).status_code == 200
    [case] = _cases(engine)
    with Session(engine) as s:
        applicant = s.exec(select(Party).where(Party.case_id == case.id, Party.position == 0)).one()
    assert applicant.email == "zhao.min@example.com"


def test_in_development_without_a_portal_region_applications_go_to_the_seeded_centres_county(
    fake_sms: FakeSms, engine: Engine
) -> None:
    from api.app import create_app
    from tests.portal.conftest import portal_settings

    # the demo seed's first organization by code is a city's (杭州市, 330100); its centre is 西湖区's (330106)
    with TestClient(create_app(portal_settings(env="development", portal_region=None), engine=engine)) as c:
        assert apply_online(c, fake_sms).status_code == 200
    [case] = _cases(engine)
    assert case.region == "330106"
