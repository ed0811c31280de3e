"""The checkpoint file: signed, chained, recorded in the database; written only when the database has
not gone behind the last one; the anchor for chains written before the key (docs/audit.md)."""

import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from models.tables import AuditCheckpoint, CaseEvent
from states.enums import State, Trigger
from tests.factories import T0, actor, make_case
from tests.workflows import tamper
from tests.workflows.support import fresh
from workflows import audit
from workflows.audit.checkpoint import file_path
from workflows.engine import fire
from workflows.scheduler import SweepScheduler


def _check(session, directory, **kw):
    with fresh(session) as s:
        return audit.check(s, checkpoint_dir=directory, **kw)


def _lines(directory):
    return file_path(directory).read_bytes().splitlines(keepends=True)


@pytest.fixture
def two(engine, session, tmp_path):
    """Two cases and two checkpoints (the second after the first case moved on)."""
    a = make_case(session, state=State.MEDIATION)
    b = make_case(session, state=State.AGREEMENT, now=T0 + timedelta(days=1))
    d = tmp_path / "cp"
    audit.write_checkpoint(engine, d)
    fire(
        session,
        case_id=a.id,
        trigger=Trigger.PAUSE_CLOCK,
        actor=actor(session, "mediator1"),
        payload={"reason": "鉴定"},
    )
    assert audit.write_checkpoint(engine, d).n == 2
    return a, b, d


def test_each_line_is_signed_numbered_and_chained_to_the_one_before(two, session):
    a, b, d = two
    first, second = (json.loads(x) for x in _lines(d))
    assert (first["n"], second["n"]) == (1, 2)
    assert second["prev"] != first["prev"] == "0" * 64
    assert second["cases"][str(a.id)][:2] == [a.case_no, 4]
    assert second["cases"][str(b.id)][:2] == [b.case_no, 4]
    assert second["counters"] == [["330106", 2026, 2]]
    report = _check(session, d)
    assert report.intact and report.checkpoint == 2


def test_an_edited_line_fails_its_signature_and_the_one_before_it_still_anchors(two, session):
    a, _, d = two
    lines = _lines(d)
    forged = json.loads(lines[1])
    forged["cases"][str(a.id)][1] = 99
    file_path(d).write_bytes(lines[0] + json.dumps(forged, ensure_ascii=False).encode() + b"\n")
    report = _check(session, d)
    assert [(b.case_no, b.seq) for b in report.breaks] == [("检查点文件", 2)]
    assert "签名不符" in report.breaks[0].problem
    assert report.checkpoint == 1


def test_a_removed_last_line_is_told_by_the_databases_record_of_it(two, session):
    *_, d = two
    file_path(d).write_bytes(b"".join(_lines(d)[:1]))
    report = _check(session, d)
    assert [(b.case_no, b.seq) for b in report.breaks] == [("检查点文件", 2)]
    assert "文件末尾被删除" in report.breaks[0].problem


def test_a_removed_middle_line_breaks_the_chain_of_lines(two, session):
    *_, d = two
    audit.write_checkpoint(session.get_bind(), d)
    lines = _lines(d)
    file_path(d).write_bytes(lines[0] + lines[2])
    report = _check(session, d)
    assert report.breaks[0].case_no == "检查点文件" and report.breaks[0].seq == 2
    assert "被删除或插入" in report.breaks[0].problem


def test_a_deleted_checkpoint_file_is_told_by_the_databases_record(two, session):
    *_, d = two
    file_path(d).unlink()
    report = _check(session, d)
    assert [(b.case_no, b.seq) for b in report.breaks] == [("检查点文件", 1)]


def test_the_checkpoint_is_checked_with_the_public_key_alone(two):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from workflows.audit.chain import canonical
    from workflows.audit.keys import public_pem

    *_, d = two
    pem = public_pem(audit.load_keys().current.public_key())
    record = json.loads(_lines(d)[-1])
    sig = bytes.fromhex(record.pop("sig"))
    load_pem_public_key(pem.encode()).verify(sig, canonical(record))  # raises on a bad signature


def test_the_writer_refuses_when_the_database_went_behind_and_records_an_accepted_loss(two, session, engine):
    a, _, d = two
    tamper.cut_last_event(engine, a.id)
    with pytest.raises(audit.CheckpointRefused) as refused:
        audit.write_checkpoint(engine, d)
    assert [(p.case_no, p.seq) for p in refused.value.problems] == [(a.case_no, 4)]
    assert len(_lines(d)) == 2, "nothing written"
    written = audit.write_checkpoint(engine, d, accept="自 2026-11-05 的备份恢复")
    assert written.n == 3 and [p.case_no for p in written.accepted] == [a.case_no]
    line = json.loads(_lines(d)[-1])
    assert line["accepted"]["reason"] == "自 2026-11-05 的备份恢复" and a.case_no in line["accepted"]["lost"][0]
    assert _check(session, d).intact


def test_the_writer_refuses_to_append_to_a_broken_file(two, engine):
    *_, d = two
    lines = _lines(d)
    file_path(d).write_bytes(lines[0] + lines[1].replace(b'"n":2', b'"n":3'))
    with pytest.raises(audit.CheckpointRefused):
        audit.write_checkpoint(engine, d)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(AuditCheckpoint)).scalar() == 2


# --- chains written before the key ----------------------------------------------------------------------


def _as_before_the_key(engine, case):
    """What a case opened before the chain was keyed looks like: no parties digest, plain SHA-256."""
    first = tamper.events(engine, case.id)[0]
    payload = {k: v for k, v in first["payload"].items() if k != "parties_digest"}
    tamper.rewrite_payload(engine, case.id, 1, payload)
    tamper.rehash(engine, case.id, secret=None, key_id=None)


def test_an_unkeyed_chain_is_trusted_only_as_far_as_a_checkpoint_pins_it(engine, session, tmp_path):
    d = tmp_path / "cp"
    old = make_case(session, state=State.MEDIATION)
    _as_before_the_key(engine, old)
    unpinned = _check(session, d)
    assert [(b.case_no, b.seq) for b in unpinned.breaks] == [(old.case_no, 1)]
    assert "不在任何检查点之内" in unpinned.breaks[0].problem

    audit.write_checkpoint(engine, d)  # the first checkpoint after the upgrade pins what is there
    report = _check(session, d)
    assert report.intact
    assert any("没有当事人摘要" in n for n in report.notes)

    fire(
        session, case_id=old.id, trigger=Trigger.PAUSE_CLOCK, actor=actor(session, "mediator1"), payload={"reason": "x"}
    )
    ev = CaseEvent.__table__
    with engine.connect() as conn:
        kinds = conn.execute(sa.select(ev.c.key_id).where(ev.c.case_id == old.id).order_by(ev.c.seq)).scalars().all()
    assert kinds == [None, None, None, audit.load_keys().current.kid], "new events on an old case are keyed"
    assert _check(session, d).intact

    tamper.rehash(engine, old.id, secret=None, key_id=None)  # the keyed event turned back into SHA-256
    broken = _check(session, d)
    assert [(b.case_no, b.seq) for b in broken.breaks] == [(old.case_no, 4)]


# --- scheduled ------------------------------------------------------------------------------------------


def test_the_embedded_scheduler_writes_a_checkpoint_when_it_starts_and_not_when_turned_off(engine, session, tmp_path):
    make_case(session, state=State.INTAKE)
    on = SweepScheduler(engine, seconds=3600, checkpoint_seconds=3600, checkpoint_dir=tmp_path / "on")
    assert on.start()
    try:
        for _ in range(150):
            if on.checkpoints:
                break
            time.sleep(0.1)
    finally:
        on.stop()
    assert on.checkpoints == 1 and len(_lines(tmp_path / "on")) == 1

    off = SweepScheduler(engine, seconds=3600, checkpoint_seconds=0, checkpoint_dir=tmp_path / "off")
    assert off.start()
    off.stop()
    assert off.scheduler is None and not (tmp_path / "off").exists()


def test_the_checkpoint_flow_writes_one(engine, session, tmp_path, monkeypatch):
    from models.settings import get_settings
    from workflows.flows.definitions import FLOWS, audit_checkpoint, deployment_spec, using_engine

    make_case(session, state=State.INTAKE)
    monkeypatch.setenv("JIEFEN_AUDIT_CHECKPOINT_DIR", str(tmp_path / "flow"))
    get_settings.cache_clear()
    try:
        with using_engine(engine):
            assert audit_checkpoint.fn() == {"n": 1, "cases": 1}
        assert "audit_checkpoint" in FLOWS
        assert deployment_spec(flow="audit_checkpoint")["interval_seconds"] == 3600
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert len(_lines(tmp_path / "flow")) == 1
