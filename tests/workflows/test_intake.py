"""Intake (受理登记): a new case, its parties, its case number and its first audit event, together."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models.schemas import CaseCreate
from models.tables import Case, CaseEvent, Party
from states.enums import State
from tests.factories import ID_A, ID_B, T0, actor, case_payload
from tests.workflows.support import events_of, fresh
from workflows import audit
from workflows.access import Actor
from workflows.errors import Forbidden, PayloadInvalid
from workflows.intake import open_case


def _open(session, username="window1", key=None, now=T0, **over):
    who = username if isinstance(username, Actor) else actor(session, username)
    return open_case(
        session, data=CaseCreate.model_validate(case_payload(**over)), actor=who, idempotency_key=key, now=now
    )


def test_open_case_registers_the_case_its_parties_and_the_first_event(session):
    case, created = _open(session)
    assert created
    assert case.case_no == "（2026）330106调0001号"
    assert (case.state, case.version, case.created_by) == (State.INTAKE, 1, "window1")
    with fresh(session) as s:
        parties = s.exec(select(Party).where(Party.case_id == case.id).order_by(Party.position)).all()
    assert [(p.position, p.role, p.name, p.id_number) for p in parties] == [
        (0, "applicant", "张三", ID_A),
        (1, "respondent", "李四", ID_B),
    ]
    (ev,) = events_of(session, case.id)
    assert (ev.seq, ev.trigger, ev.from_state, ev.to_state, ev.actor) == (1, "open", None, "intake", "window1")
    assert ev.prev_hash == "0" * 64
    assert ev.payload["case_no"] == case.case_no
    assert ev.payload["parties"][1]["phone"] != "13987654321", "the audit log keeps phones masked"
    assert audit.verify(session, case_id=case.id) == (1, None)


def test_case_numbers_count_per_county_across_its_towns_and_villages(session):
    first, _ = _open(session, region="330106001001")
    second, _ = _open(session, region="330106002")
    third, _ = _open(session, region="330106")
    assert [c.case_no for c in (first, second, third)] == [
        "（2026）330106调0001号",
        "（2026）330106调0002号",
        "（2026）330106调0003号",
    ]


def test_case_numbers_restart_in_the_new_local_year(session):
    last_of_2026, _ = _open(session, now=datetime(2026, 12, 31, 15, 59, tzinfo=UTC))  # 23:59 local
    first_of_2027, _ = _open(session, now=datetime(2026, 12, 31, 16, 1, tzinfo=UTC))  # 00:01 local, 1 Jan 2027
    assert last_of_2026.case_no == "（2026）330106调0001号"
    assert first_of_2027.case_no == "（2027）330106调0001号"


def test_a_repeated_idempotency_key_returns_the_first_case(session):
    first, created = _open(session, key="k-1")
    again, created_again = _open(session, key="k-1")
    assert created and not created_again
    assert again.id == first.id
    with fresh(session) as s:
        assert len(s.exec(select(Case)).all()) == 1
        assert len(s.exec(select(CaseEvent)).all()) == 1


def test_a_repeated_idempotency_key_with_another_body_is_refused(session):
    first, _ = _open(session, key="k-1")
    with pytest.raises(PayloadInvalid) as exc:
        _open(session, key="k-1", summary="重复提交的另一份摘要")
    assert exc.value.loc == ["header", "Idempotency-Key"]
    assert "Idempotency-Key 已用于另一份申请内容" in exc.value.msg
    with fresh(session) as s:
        assert [c.id for c in s.exec(select(Case)).all()] == [first.id]
        assert len(s.exec(select(CaseEvent)).all()) == 1


def test_idempotency_keys_belong_to_the_caller(session):
    mine, _ = _open(session, key="k-1")
    theirs, created = _open(session, username="super1", key="k-1")
    assert created and theirs.id != mine.id


def test_a_blank_or_overlong_idempotency_key_is_refused(session):
    for key in ("   ", "k" * 201):
        with pytest.raises(PayloadInvalid) as exc:
            _open(session, key=key)
        assert exc.value.loc == ["header", "Idempotency-Key"]
    with fresh(session) as s:
        assert s.exec(select(Case)).all() == []


@pytest.mark.parametrize("username", ["mediator1", "court1", "admin"])
def test_only_intake_and_supervisors_open_cases(session, username):
    with pytest.raises(Forbidden):
        _open(session, username=username)
    with fresh(session) as s:
        assert s.exec(select(Case)).all() == []


def test_a_case_outside_the_centres_region_is_refused(session):
    with pytest.raises(PayloadInvalid) as exc:
        _open(session, region="330105001")
    assert exc.value.loc == ["region"]
    with fresh(session) as s:
        assert s.exec(select(Case)).all() == []


def test_a_refused_intake_consumes_no_case_number(session):
    with pytest.raises(PayloadInvalid):
        _open(session, region="330105")
    case, _ = _open(session)
    assert case.case_no.endswith("调0001号")


def test_supervisors_may_open_cases_too(session):
    case, created = _open(session, username="super1", now=T0 + timedelta(hours=1))
    assert created and case.created_by == "super1"
