"""The parties hear of their case by SMS (the local fake provider over HTTP) and email (a real SMTP
server): written in the event's transaction, one per event per recipient, sent after commit with backoff,
quiet hours for SMS, failures listed for supervisors with the recipient masked — on both databases."""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.settings import SMS_TEMPLATE_NAMES, get_settings
from models.tables import Case, Deadline, Notification, Organization
from states.enums import State
from tests.factories import COURT, ID_A, ID_B, MEDIATION_ORG, T0, actor, case_payload, make_case
from tests.notify.conftest import Mailbox
from tests.privacy_support import PHONE_A, PHONE_B
from workflows.clocks.sweep import sweep
from workflows.flows.definitions import FLOWS, notifications_deliver, using_engine
from workflows.notify.deliver import deliver_messages, quiet_until
from workflows.notify.fake_sms import FakeSms
from workflows.notify.hooks import after_event
from workflows.notify.templates import SMS_TEMPLATES
from workflows.outbox import notices, retry
from workflows.outbox.webhooks import undelivered

EMAIL_A = "zhangsan@example.com"
CENTRE = "西湖区矛盾纠纷调解中心"
LIFECYCLE = ["case_opened", "case_diverted", "mediation_accepted", "agreement_reached", "confirmation_granted"]


def _parties(*, email_b: str | None = None, phone_b: bool = True) -> list[dict[str, Any]]:
    a, b = case_payload()["parties"]
    a["email"] = EMAIL_A
    if email_b:
        b["email"] = email_b
    if not phone_b:
        del b["phone"]
    return [a, b]


def _rows(engine: Engine, kind: str | None = None) -> list[Notification]:
    with Session(engine) as s:
        q = select(Notification).where(col(Notification.kind).in_((kind,) if kind else ("party_sms", "party_email")))
        return list(s.exec(q.order_by(col(Notification.created_at), col(Notification.dedupe_key))).all())


def _org_name(session: Session, code: str) -> str:
    return session.exec(select(Organization.name).where(Organization.code == code)).one()


def test_a_lifecycle_sends_one_sms_per_party_and_one_email_per_address_per_event_and_never_twice(
    engine: Engine, fake_sms: FakeSms, smtp: Mailbox
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        case = make_case(session, state=State.CONFIRMED, parties=_parties())
        org, court = _org_name(session, MEDIATION_ORG), _org_name(session, COURT)
    rows = _rows(engine)
    # written with the events, nothing sent yet; request_confirmation tells the parties nothing
    assert len(rows) == 5 * 2 + 5 and {r.status for r in rows} == {"pending"}
    assert all(ID_A not in str(r.payload) and ID_B not in str(r.payload) for r in rows)

    with using_engine(engine):
        report = notifications_deliver.fn(now=T0 + timedelta(hours=6))  # 16:00 in Asia/Shanghai
    assert report == {"delivered": 15, "retrying": 0, "failed": 0, "deferred": 0}

    sms = fake_sms.messages
    assert len(sms) == 10
    for phone in (PHONE_A, PHONE_B):
        assert [m["template"] for m in sms if m["phone"] == phone] == LIFECYCLE
    by_template = {m["template"]: m["text"] for m in sms if m["phone"] == PHONE_A}
    for text in by_template.values():
        assert case.case_no in text and CENTRE in text
        assert not any(n in text for n in (ID_A, ID_B, PHONE_A, PHONE_B, MEDIATION_ORG, COURT, "mediator1"))
    assert f"已分流至{org}办理" in by_template["case_diverted"]
    assert f"{org}已受理案件{case.case_no}的调解" in by_template["mediation_accepted"]
    assert "自调解协议生效之日起三十日内，共同向人民法院申请司法确认" in by_template["agreement_reached"]
    assert f"{court}已裁定案件{case.case_no}的调解协议有效" in by_template["confirmation_granted"]

    assert len(smtp.received) == 5
    assert {tuple(to) for to, _ in smtp.received} == {(EMAIL_A,)}
    subjects = [m["Subject"] for _, m in smtp.received]
    assert (
        subjects[0] == f"案件{case.case_no}：已登记您的调解申请" and subjects[-1] == f"案件{case.case_no}：司法确认结果"
    )
    for (_, mail), template in zip(smtp.received, LIFECYCLE, strict=True):
        body = mail.get_content()
        assert body.startswith(by_template[template]) and "请勿直接回复" in body
        assert mail["To"] == EMAIL_A and CENTRE in str(mail["From"]) and "notice@centre.example.cn" in str(mail["From"])

    # the flow run again, later: nothing more is sent
    assert deliver_messages(engine, now=T0 + timedelta(days=1)) == {
        "delivered": 0,
        "retrying": 0,
        "failed": 0,
        "deferred": 0,
    }
    assert len(fake_sms.messages) == 10 and len(smtp.received) == 5
    # the writing run again for an event already written (same seq): no second row
    with Session(engine) as s, engine.begin() as conn:
        row = s.get(Case, case.id)
        after_event(conn, row, event="divert", seq=2, payload={}, at=T0)
    assert len(_rows(engine)) == 15 and {r.status for r in _rows(engine)} == {"delivered"}


def test_a_retryable_failure_is_retried_after_its_backoff_then_delivered_once(
    engine: Engine, fake_sms: FakeSms, smtp: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        make_case(session, state=State.INTAKE, parties=_parties(phone_b=False))
    fake_sms.fail_next(2)
    smtp.refuse_next = 1
    t = T0 + timedelta(minutes=5)
    caplog.set_level(logging.WARNING, logger="mail.log")  # the SMTP server's own log: the receiving side's
    with caplog.at_level(logging.DEBUG):
        assert deliver_messages(engine, now=t)["retrying"] == 2
        [sms] = _rows(engine, "party_sms")
        [mail] = _rows(engine, "party_email")
        assert (sms.attempts, sms.last_error, sms.next_attempt_at) == (
            1,
            "短信服务暂时不可用：HTTP 503",
            t + notices.backoff(1),
        )
        assert (mail.attempts, mail.last_error) == (1, "邮件服务器拒绝发送（SMTP 451）")
        assert deliver_messages(engine, now=t + timedelta(seconds=29))["retrying"] == 0  # not before the backoff
        assert deliver_messages(engine, now=t + timedelta(seconds=30)) == {
            "delivered": 1,
            "retrying": 1,
            "failed": 0,
            "deferred": 0,
        }
        assert deliver_messages(engine, now=t + timedelta(seconds=89))["delivered"] == 0
        assert deliver_messages(engine, now=t + timedelta(seconds=90))["delivered"] == 1
    assert [m["phone"] for m in fake_sms.messages] == [PHONE_A] and len(smtp.received) == 1
    assert sorted((r.kind, r.status, r.attempts, r.last_error) for r in _rows(engine)) == [
        ("party_email", "delivered", 2, None),
        ("party_sms", "delivered", 3, None),
    ]
    assert PHONE_A not in caplog.text and EMAIL_A not in caplog.text and "zhangsan" not in caplog.text
    assert "party message" in caplog.text  # the failures were logged, by id


def test_quiet_hours_defer_sms_to_their_end_and_let_email_go(
    engine: Engine, fake_sms: FakeSms, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIEFEN_SMS_QUIET_HOURS", "21:00-08:00")
    get_settings.cache_clear()
    tz = get_settings().tz
    evening = datetime(2026, 11, 2, 22, 0, tzinfo=tz)
    with Session(engine, expire_on_commit=False) as session:
        make_case(session, state=State.INTAKE, parties=_parties(), now=evening.astimezone(UTC))
    assert deliver_messages(engine, now=evening) == {"delivered": 1, "retrying": 0, "failed": 0, "deferred": 2}
    assert fake_sms.messages == [] and len(smtp.received) == 1
    morning = datetime(2026, 11, 3, 8, 0, tzinfo=tz)
    assert {(r.status, r.attempts, r.next_attempt_at) for r in _rows(engine, "party_sms")} == {("pending", 0, morning)}
    assert deliver_messages(engine, now=morning - timedelta(minutes=1)) == {
        "delivered": 0,
        "retrying": 0,
        "failed": 0,
        "deferred": 0,
    }
    assert deliver_messages(engine, now=morning)["delivered"] == 2
    assert sorted(m["phone"] for m in fake_sms.messages) == sorted([PHONE_A, PHONE_B])


def test_quiet_hours_across_midnight_within_a_day_and_none() -> None:
    settings = get_settings().model_copy(update={"sms_quiet_hours": "21:00-08:00"})
    tz = settings.tz
    at = lambda d, h, m=0: datetime(2026, 11, d, h, m, tzinfo=tz)  # noqa: E731
    assert quiet_until(at(2, 20, 59), settings) is None
    assert quiet_until(at(2, 21), settings) == at(3, 8)
    assert quiet_until(at(3, 2), settings) == at(3, 8)
    assert quiet_until(at(3, 8), settings) is None
    noon = settings.model_copy(update={"sms_quiet_hours": "12:00-13:30"})
    assert quiet_until(at(2, 12, 45), noon) == at(2, 13, 30) and quiet_until(at(2, 13, 30), noon) is None
    assert quiet_until(at(2, 23), settings.model_copy(update={"sms_quiet_hours": ""})) is None


def test_after_the_last_attempt_a_message_fails_and_is_listed_masked_for_supervisors_and_can_be_retried(
    engine: Engine, fake_sms: FakeSms, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("JIEFEN_SMTP_HOST", raising=False)  # no SMTP: no email is even queued (it could never go)
    get_settings.cache_clear()
    with Session(engine, expire_on_commit=False) as session:
        case = make_case(session, state=State.INTAKE, parties=_parties(phone_b=False))
    fake_sms.fail_next(100)
    t = T0 + timedelta(minutes=1)
    caplog.set_level(logging.WARNING, logger="mail.log")
    with caplog.at_level(logging.DEBUG):
        first = deliver_messages(engine, now=t)
        assert (first["retrying"], first["failed"]) == (1, 0)
        assert _rows(engine, "party_email") == []
        with Session(engine) as s:
            listed = {x["kind"]: x for x in undelivered(s, actor(s, "super1"))}
        assert listed["party_sms"]["status"] == "pending" and listed["party_sms"]["recipient"] == "138****5678"
        for attempt in range(2, notices.MAX_ATTEMPTS + 1):
            t += notices.backoff(attempt - 1)
            deliver_messages(engine, now=t)
    [sms] = _rows(engine, "party_sms")
    assert (sms.status, sms.attempts) == ("failed", notices.MAX_ATTEMPTS)
    assert PHONE_A not in (sms.last_error or "") and EMAIL_A not in str([r.last_error for r in _rows(engine)])
    assert PHONE_A not in caplog.text and EMAIL_A not in caplog.text
    with Session(engine) as s:
        listed = {x["kind"]: x for x in undelivered(s, actor(s, "super1"))}
    assert listed["party_sms"]["case_no"] == case.case_no
    assert (listed["party_sms"]["status"], listed["party_sms"]["attempts"]) == ("failed", notices.MAX_ATTEMPTS)
    assert PHONE_A not in str(listed) and EMAIL_A not in str(listed)

    # the administrator's retry puts it back; the provider is up again: delivered, once
    fake_sms.fail_next(0)
    with Session(engine) as s:
        retry.retry(s, actor=actor(s, "admin"), kind="notification", item_id=sms.id, now=t)
    assert deliver_messages(engine, now=t)["delivered"] == 1
    assert [m["phone"] for m in fake_sms.messages] == [PHONE_A]


def test_an_event_without_contacts_writes_nothing_and_the_templates_are_complete(engine: Engine) -> None:
    parties = case_payload()["parties"]
    for p in parties:
        del p["phone"]
    with Session(engine, expire_on_commit=False) as session:
        make_case(session, state=State.MEDIATION, parties=parties)
        assert session.execute(sa.select(sa.func.count()).select_from(Notification)).scalar_one() == 0
    assert set(SMS_TEMPLATE_NAMES) == set(SMS_TEMPLATES)
    assert "notifications_deliver" in FLOWS and FLOWS["notifications_deliver"][0] is notifications_deliver


def test_the_confirmation_window_reminder_reaches_the_parties_once_and_other_reminders_do_not(
    engine: Engine, fake_sms: FakeSms, smtp: Mailbox
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        case = make_case(session, state=State.AGREEMENT, parties=_parties())
        window = session.exec(
            select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == "confirmation_window")
        ).one()
    before = {r.id for r in _rows(engine)}
    assert window.remind_at is not None
    # the mediation clock was settled by the agreement; only the window reminds, at its lead time
    assert sweep(engine, as_of=window.remind_at, now=window.remind_at).reminded == 1
    assert (
        sweep(engine, as_of=window.remind_at + timedelta(hours=1), now=window.remind_at + timedelta(hours=1)).reminded
        == 0
    )
    new = [r for r in _rows(engine) if r.id not in before]
    assert sorted(r.kind for r in new) == ["party_email", "party_sms", "party_sms"]
    assert {r.payload["template"] for r in new} == {"confirmation_window_reminder"}
    deliver_messages(engine, now=window.remind_at + timedelta(hours=11))  # 11:00 in Asia/Shanghai, not quiet
    last = window.last_day
    texts = [m["text"] for m in fake_sms.messages if m["template"] == "confirmation_window_reminder"]
    assert len(texts) == 2
    assert f"案件{case.case_no}申请司法确认的期限将于{last.year}年{last.month}月{last.day}日届满" in texts[0]
    assert [m["Subject"] for _, m in smtp.received][-1] == f"案件{case.case_no}：申请司法确认期限即将届满"


def test_a_refused_mailbox_and_an_unexpected_error_fail_without_naming_the_recipient(
    engine: Engine, fake_sms: FakeSms, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    smtp.unknown.add(EMAIL_A)

    class Broken:
        def send(self, phone: str, template: str, params: Any) -> str:
            raise RuntimeError(f"unexpected answer for {phone}")

    monkeypatch.setattr("workflows.notify.deliver.provider", lambda: Broken())
    with Session(engine, expire_on_commit=False) as session:
        make_case(session, state=State.INTAKE, parties=_parties(phone_b=False))
    caplog.set_level(logging.WARNING, logger="mail.log")
    with caplog.at_level(logging.DEBUG):
        assert deliver_messages(engine, now=T0 + timedelta(minutes=1)) == {
            "delivered": 0,
            "retrying": 1,
            "failed": 1,
            "deferred": 0,
        }
    by_kind = {r.kind: r for r in _rows(engine)}
    assert (by_kind["party_email"].status, by_kind["party_email"].last_error) == (
        "failed",
        "邮件服务器拒收收件人（SMTP 550）",
    )
    assert (by_kind["party_sms"].status, by_kind["party_sms"].last_error) == ("pending", "发送失败：RuntimeError")
    assert PHONE_A not in caplog.text and EMAIL_A not in caplog.text and "RuntimeError" in caplog.text
    assert smtp.received == []


def test_with_no_sms_provider_and_no_smtp_nothing_is_queued(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIEFEN_SMS_PROVIDER", "none")
    monkeypatch.delenv("JIEFEN_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    try:
        with Session(engine, expire_on_commit=False) as session:
            make_case(session, state=State.MEDIATION, parties=_parties())
        assert _rows(engine) == []  # a message that could never go is not written to fail later
    finally:
        get_settings.cache_clear()
