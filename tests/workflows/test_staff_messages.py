"""Staff messages in the app (消息, workflows/notify/inbox.py), on each backend: each source tells exactly the
users it should, once, in the transaction of its event — and nobody else (another organization's mediator,
the member of staff who acted, a supervisor of another area)."""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.tables import StaffMessage, User
from states.enums import State, Trigger
from tests.factories import MEDIATION_ORG, T0, actor, confirmation_request, make_case
from tests.workflows.handoff_support import notifications, unused_port_url, webhook
from tests.workflows.support import SHANGHAI, local
from workflows.clocks.sweep import sweep
from workflows.engine import fire
from workflows.notify import inbox
from workflows.outbox import webhooks

USERS = User.__table__  # type: ignore[attr-defined]
# Users of the test's own beside the seed's: a second mediator of make_case's organization (no mediator
# record of their own), a retired one's account there, and a supervisor of 西溪街道 (330106002), whose area
# does not cover the centre's cases (330106).
COLLEAGUE, FAR_SUPERVISOR = "mediator1b", "super_xixi"
EXTRA = [
    {"username": COLLEAGUE, "role": "mediator", "org_code": MEDIATION_ORG},
    {"username": FAR_SUPERVISOR, "role": "supervisor", "org_code": "CN-ZJ-XH-XX-RTW"},
    {"username": "mediator1_off", "role": "mediator", "org_code": MEDIATION_ORG, "is_active": False},
]


@pytest.fixture
def staff(engine: Engine) -> Iterator[Engine]:
    """The seed's users and EXTRA only: accounts other tests made for themselves (tests/api/accounts_support.py
    and the CLI tests name them t-…) are set inactive for the test and active again after it."""
    with engine.begin() as conn:
        strays = [
            r[0]
            for r in conn.execute(sa.select(USERS.c.username).where(USERS.c.username.like("t-%"), USERS.c.is_active))
        ]
        conn.execute(USERS.update().where(USERS.c.username.in_(strays)).values(is_active=False))
        conn.execute(
            USERS.insert(),
            [
                {"id": uuid.uuid4(), "password_hash": "x", "is_active": True, "token_epoch": 0, **u, "created_at": T0}
                for u in EXTRA
            ],
        )
    try:
        yield engine
    finally:
        with engine.begin() as conn:
            conn.execute(USERS.delete().where(USERS.c.username.in_([u["username"] for u in EXTRA])))
            conn.execute(USERS.update().where(USERS.c.username.in_(strays)).values(is_active=True))


def messages(engine: Engine, kind: str | None = None) -> list[StaffMessage]:
    with Session(engine) as s:
        q = select(StaffMessage).order_by(StaffMessage.username, StaffMessage.id)  # type: ignore[arg-type]
        if kind:
            q = q.where(StaffMessage.kind == kind)
        return list(s.exec(q))


def recipients(engine: Engine, kind: str) -> list[str]:
    return [m.username for m in messages(engine, kind)]


def test_a_diverted_case_tells_the_active_mediators_of_that_organization_only(staff: Engine) -> None:
    with Session(staff, expire_on_commit=False) as session:
        case = make_case(session, state=State.DIVERSION)
    assert recipients(staff, "assigned") == ["mediator1", COLLEAGUE]  # not mediator6 (宝石社区), not the clerk
    m = messages(staff, "assigned")[0]
    assert (m.case_id, m.link, m.read_at) == (case.id, f"/cases/{case.id}", None)
    assert m.title == f"新分派案件：{case.case_no}"
    assert m.body == f"案件 {case.case_no} 已分流至本组织，请及时受理或按规定退回、上报。"
    assert m.created_at == T0 + timedelta(hours=1)  # the event's time


def test_accepting_tells_the_mediator_named_but_not_the_one_who_accepted_for_themselves(staff: Engine) -> None:
    with Session(staff, expire_on_commit=False) as session:
        mine = make_case(session, state=State.MEDIATION)  # mediator1 accepts, naming M-0001: themselves
        assert recipients(staff, "assigned") == ["mediator1", COLLEAGUE]  # the two diversions' messages only
        other = make_case(session, state=State.DIVERSION)
        fire(
            session,
            case_id=other.id,
            trigger=Trigger.ACCEPT,
            actor=actor(session, COLLEAGUE),
            payload={"mediator_code": "M-0001"},
            now=T0 + timedelta(hours=5),
        )
    named = [m for m in messages(staff, "assigned") if m.title.startswith("您承办")]
    assert [(m.username, m.case_id) for m in named] == [("mediator1", other.id)]
    assert mine.id != other.id


def test_an_escalation_tells_the_next_level_and_no_one_at_the_first(staff: Engine) -> None:
    with Session(staff, expire_on_commit=False) as session:
        case = make_case(session, state=State.DIVERSION)
        fire(
            session,
            case_id=case.id,
            trigger=Trigger.ESCALATE,
            actor=actor(session, "mediator1"),
            payload={"reason": "涉及多个街道，需区级调解"},
            now=T0 + timedelta(hours=3),
        )
    escalated = [m for m in messages(staff, "assigned") if "逐级上报" in m.body]
    assert [m.username for m in escalated] == ["mediator5"]  # 西湖区人民调解委员会, the level above


def test_a_court_refusal_tells_the_mediator_and_the_applicant_once(staff: Engine) -> None:
    with Session(staff, expire_on_commit=False) as session:
        case = make_case(session, state=State.AGREEMENT)
        at = T0 + timedelta(hours=4)
        fire(
            session,
            case_id=case.id,
            trigger=Trigger.REQUEST_CONFIRMATION,
            actor=actor(session, "window1"),
            payload=confirmation_request(),
            now=at,
        )
        fire(
            session,
            case_id=case.id,
            trigger=Trigger.COURT_REJECT,
            actor=actor(session, "court1"),
            payload={"ruling_no": "（2026）浙0106民特9号", "reason": "协议内容不明确", "reason_kind": "merits"},
            now=at + timedelta(hours=1),
        )
    assert recipients(staff, "court_ruling") == ["mediator1", "window1"]
    m = messages(staff, "court_ruling")[0]
    assert m.title == f"司法确认：法院不予确认：{case.case_no}"
    assert "裁定驳回申请（（2026）浙0106民特9号）" in m.body


def test_a_court_confirmation_tells_the_mediator_who_applied_once(staff: Engine) -> None:
    with Session(staff, expire_on_commit=False) as session:
        case = make_case(session, state=State.CONFIRMED)  # mediator1 applied; court1 confirmed
    [m] = messages(staff, "court_ruling")
    assert (m.username, m.case_id) == ("mediator1", case.id)
    assert m.body == f"人民法院已裁定确认案件 {case.case_no} 的调解协议有效（（2026）浙0106民特1号）。"


def test_a_reminder_from_the_sweep_tells_the_cases_mediator_once(staff: Engine) -> None:
    with Session(staff, expire_on_commit=False) as session:
        case = make_case(session, state=State.MEDIATION)  # mediation clock due 3 Dec, reminded from 30 Nov
    as_of = local(2026, 11, 30, 9)
    assert sweep(staff, as_of=as_of, now=as_of).reminded == 1
    assert sweep(staff, as_of=as_of + timedelta(hours=1), now=as_of + timedelta(hours=1)).reminded == 0
    [m] = messages(staff, "reminder")
    assert (m.username, m.case_id, m.created_at) == ("mediator1", case.id, as_of)
    assert m.body == f"案件 {case.case_no} 的调解期限将于 2026-12-03 00:00 届满，请及时办理。"


def test_a_reminder_of_a_case_without_a_mediator_goes_to_the_organizations_mediators(staff: Engine) -> None:
    with Session(staff, expire_on_commit=False) as session:
        case = make_case(session, state=State.DIVERSION)
    row = SimpleNamespace(  # a row of the sweep's reminder query, for a case no mediator holds yet
        id=uuid.uuid4(),
        case_id=case.id,
        kind="mediation",
        due_at=local(2026, 12, 3),
        remind_at=local(2026, 11, 30),
        case_no=case.case_no,
        org_code=MEDIATION_ORG,
        mediator_code=None,
    )
    for _ in range(2):  # written twice (a sweep run again): one message each
        with staff.begin() as conn:
            inbox.reminders(conn, [row], at=local(2026, 11, 30, 9), tz=SHANGHAI)
    assert recipients(staff, "reminder") == ["mediator1", COLLEAGUE]


def test_a_failed_push_tells_the_supervisors_of_the_area_and_the_administrators(staff: Engine) -> None:
    with (
        webhook(staff, "CN-ZJ-XH-FY", unused_port_url(), "court-secret-0123456789"),
        Session(staff, expire_on_commit=False) as session,
    ):
        case = make_case(session, state=State.JUDICIAL_CONFIRMATION)
        at = T0 + timedelta(days=1)
        report = webhooks.deliver_pending(session, now=at, max_attempts=1)
        assert len(report.failed) == 1
        # the flow run again: nothing new fails, nothing new is told
        assert not webhooks.deliver_pending(session, now=at + timedelta(hours=1), max_attempts=1).failed
    assert [n.status for n in notifications(staff)] == ["failed"]
    assert recipients(staff, "push_failed") == ["admin", "super1"]  # not 西溪街道's supervisor
    m = messages(staff, "push_failed")[0]
    assert m.body == f"案件 {case.case_no} 的向人民法院推送的司法确认材料经 1 次尝试仍未送达，请查看原因并处理。"


def test_the_same_event_written_twice_gives_one_message_per_recipient(staff: Engine) -> None:
    with Session(staff, expire_on_commit=False) as session:
        case = make_case(session, state=State.INTAKE)
    params = {
        "kind": "assigned",
        "case_id": case.id,
        "title": "t",
        "body": "b",
        "link": "/cases/x",
        "at": T0,
        "key": f"assigned:{case.id}:9:",
        "actor": "",
        "org": MEDIATION_ORG,
    }
    with staff.begin() as conn:
        inbox.write(conn, "org_mediators", [params, params])
    with staff.begin() as conn:
        inbox.write(conn, "org_mediators", [params])
    assert recipients(staff, "assigned") == ["mediator1", COLLEAGUE]
