"""Tamper experiments: someone who can write the database, but holds neither the audit key nor the
checkpoint store, changes a case behind the engine's back. Each experiment must be found by
`audit.check` and named by case number and seq — and nothing else reported. (Before the keyed chain
and the checkpoints, `jiefen audit verify` passed every one of them.)

The world: three cases anchored by a checkpoint, then two opened after it."""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.tables import Case
from states.enums import State
from tests.factories import ID_B, ID_C, T0, make_case
from tests.workflows import tamper
from tests.workflows.support import fresh
from workflows import audit

OTHER_ORG = "CN-ZJ-XH-RTW"  # a real organization of the demo centre, not the one the cases went to


@dataclass
class World:
    engine: Engine
    session: Session
    checkpoints: Path
    confirmed: Case  # 6 events
    mediating: Case  # 3 events: open, divert, accept
    closed: Case  # 5 events
    late: Case  # opened after the checkpoint
    newest: Case  # opened after the checkpoint, the last number

    def report(self) -> audit.Report:
        with fresh(self.session) as s:
            return audit.check(s, checkpoint_dir=self.checkpoints)


@pytest.fixture
def world(engine, session, tmp_path) -> World:
    day = timedelta(days=1)
    confirmed = make_case(session, state=State.CONFIRMED, now=T0)
    mediating = make_case(session, state=State.MEDIATION, now=T0 + day)
    closed = make_case(session, state=State.CLOSED, now=T0 + 2 * day)
    checkpoints = tmp_path / "checkpoints"
    assert audit.write_checkpoint(engine, checkpoints).cases == 3
    late = make_case(session, state=State.MEDIATION, now=T0 + 3 * day)
    newest = make_case(session, state=State.INTAKE, now=T0 + 4 * day)
    w = World(engine, session, checkpoints, confirmed, mediating, closed, late, newest)
    report = w.report()
    assert report.intact, report.breaks
    assert (report.cases, report.events, report.checkpoint) == (5, 6 + 3 + 5 + 3 + 1, 1)
    return w


def _found(w: World, case_no: str, seq: int, words: str) -> None:
    report = w.report()
    assert report.broken_cases() == [case_no], report.breaks
    assert any((b.case_no, b.seq) == (case_no, seq) and words in b.problem for b in report.breaks), report.breaks
    with fresh(w.session) as s:
        _, first = audit.verify(s, checkpoint_dir=w.checkpoints)
    assert first is not None and first.case_no == case_no


# (a) truncation: the newest event deleted, the head and the state moved back to the one before it


def test_a_deleted_last_event_with_the_head_moved_back_is_found(world):
    tamper.cut_last_event(world.engine, world.confirmed.id)
    _found(world, world.confirmed.case_no, 6, "末端后退")


# (b) an event rewritten and every hash recomputed without the key


def test_a_rewrite_rehashed_with_plain_sha256_is_found(world):
    w = world
    payload = {**tamper.events(w.engine, w.mediating.id)[1]["payload"], "org_code": OTHER_ORG}
    tamper.rewrite_payload(w.engine, w.mediating.id, 2, payload)
    tamper.set_case(w.engine, w.mediating.id, org_code=OTHER_ORG)
    tamper.rehash(w.engine, w.mediating.id, secret=None, key_id=None)
    _found(w, w.mediating.case_no, 3, "检查点不符")


def test_a_rewrite_rehashed_with_a_key_of_the_attackers_own_is_found(world):
    w = world
    payload = {**tamper.events(w.engine, w.mediating.id)[1]["payload"], "org_code": OTHER_ORG}
    tamper.rewrite_payload(w.engine, w.mediating.id, 2, payload)
    tamper.set_case(w.engine, w.mediating.id, org_code=OTHER_ORG)
    tamper.rehash(w.engine, w.mediating.id, secret=secrets.token_bytes(32), key_id=audit.load_keys().current.kid)
    _found(w, w.mediating.case_no, 1, "哈希不符")


def test_a_case_opened_after_the_checkpoint_rehashed_with_plain_sha256_is_found(world):
    w = world
    tamper.rewrite_payload(w.engine, w.late.id, 3, {"mediator_code": "M-9999"})
    tamper.rehash(w.engine, w.late.id, secret=None, key_id=None)
    _found(w, w.late.case_no, 1, "不在任何检查点之内")


# (c) state, organization or mediator changed without an event


def test_a_state_changed_without_an_event_is_found(world):
    tamper.set_case(world.engine, world.mediating.id, state=str(State.CLOSED))
    _found(world, world.mediating.case_no, 3, "状态")


def test_an_organization_changed_without_an_event_is_found(world):
    tamper.set_case(world.engine, world.late.id, org_code=OTHER_ORG)
    _found(world, world.late.case_no, 2, "承办组织")


def test_a_mediator_changed_without_an_event_is_found(world):
    tamper.set_case(world.engine, world.mediating.id, mediator_code=None)
    _found(world, world.mediating.case_no, 3, "承办调解员")


# (d), (e) parties


def test_a_party_renamed_is_found(world):
    tamper.set_party(world.engine, world.closed.id, 0, name="王五")
    _found(world, world.closed.case_no, 1, "第 1 位当事人的姓名（名称）")


def test_an_identity_number_replaced_is_found(world):
    tamper.set_party(world.engine, world.closed.id, 1, id_number=ID_C)
    _found(world, world.closed.case_no, 1, "第 2 位当事人的身份证号")


def test_an_identity_number_changed_where_the_log_masks_it_is_found_by_the_digest(world):
    changed = ID_B[:6] + "19750101" + ID_B[-4:]  # same region and last four: the masked listing agrees
    tamper.set_party(world.engine, world.closed.id, 1, id_number=changed)
    _found(world, world.closed.case_no, 1, "摘要不符")


def test_a_phone_changed_where_the_log_masks_it_is_found_by_the_digest(world):
    tamper.set_party(world.engine, world.late.id, 0, phone="13800005678")  # 138****5678 either way
    _found(world, world.late.case_no, 1, "摘要不符")


# (f) a whole case deleted, (g) a gap in the case numbers


def test_a_whole_case_deleted_is_found(world):
    case_no = world.closed.case_no
    tamper.delete_case(world.engine, world.closed.id)
    _found(world, case_no, 5, "已被删除")


def test_a_case_deleted_after_the_checkpoint_leaves_a_gap_in_the_numbers(world):
    case_no = world.late.case_no
    tamper.delete_case(world.engine, world.late.id)
    _found(world, case_no, 0, "编号缺失")


def test_the_newest_case_deleted_with_the_counter_moved_back_below_the_checkpoint_is_found(world):
    w = world
    for case in (w.newest, w.late, w.closed):  # numbers 5, 4, 3: the counter back to 2
        tamper.delete_case(w.engine, case.id)
    with w.engine.begin() as conn:
        conn.execute(tamper.COUNTERS.update().values(last=2))
    report = w.report()
    assert report.broken_cases() == [w.closed.case_no, "330106 2026 年案件编号计数器"], report.breaks
    assert "计数器后退：第 1 号检查点为 3，数据库为 2" in report.breaks[-1].problem


def test_a_verify_in_small_pages_finds_the_same(world):
    tamper.set_party(world.engine, world.newest.id, 1, name="王五")
    tamper.set_case(world.engine, world.confirmed.id, state=str(State.CLOSED))
    whole = world.report()
    with fresh(world.session) as s:
        paged = audit.check(s, checkpoint_dir=world.checkpoints, batch=2)
    assert (paged.cases, paged.events, paged.breaks) == (whole.cases, whole.events, whole.breaks)
    assert paged.broken_cases() == [world.confirmed.case_no, world.newest.case_no]


def test_every_broken_case_is_reported_not_just_the_first(world):
    w = world
    tamper.cut_last_event(w.engine, w.confirmed.id)
    tamper.set_case(w.engine, w.mediating.id, state=str(State.FAILED))
    tamper.set_party(w.engine, w.closed.id, 0, name="王五")
    late_no = w.late.case_no
    tamper.delete_case(w.engine, w.late.id)
    report = w.report()
    assert report.broken_cases() == [w.confirmed.case_no, w.mediating.case_no, w.closed.case_no, late_no]
    assert w.newest.case_no not in report.broken_cases()
