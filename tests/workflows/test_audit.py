"""The audit log is a per-case hash chain; tampering with any stored event is found and named."""

import hashlib
import hmac
import itertools
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from models.db import make_engine
from models.migrate import upgrade
from models.seed.loader import load_seed_file
from models.settings import get_settings
from models.tables import CaseEvent
from states.enums import State, Trigger
from tests.conftest import DEMO_SEED
from tests.factories import ID_A, T0, actor, make_case
from tests.workflows.support import events_of, fresh
from workflows import audit
from workflows.engine import fire


def _verify(session, **kw):
    with fresh(session) as s:
        return audit.verify(s, **kw)


def _tamper(session, case, seq, **values):
    """Change one stored event behind the engine's back, as someone with database access could."""
    ev = CaseEvent.__table__
    with session.get_bind().begin() as conn:
        done = conn.execute(sa.update(ev).where(ev.c.case_id == case.id, ev.c.seq == seq).values(**values))
        assert done.rowcount == 1


def test_verify_passes_on_an_intact_log(session):
    a = make_case(session, state=State.CONFIRMED)  # 6 events
    b = make_case(session, state=State.CLOSED)  # 5 events
    assert _verify(session) == (11, None)
    assert _verify(session, case_id=a.id) == (6, None)
    assert _verify(session, case_id=b.id) == (5, None)


def test_each_event_hash_is_an_hmac_with_the_audit_key_over_its_canonical_content_and_the_previous_hash(session):
    case = make_case(session, state=State.MEDIATION)
    events = events_of(session, case.id)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == "0" * 64
    for prev, ev in itertools.pairwise(events):
        assert ev.prev_hash == prev.hash
    first = events[0]
    body = {
        "case_id": str(case.id),
        "seq": 1,
        "at": first.at.isoformat(timespec="microseconds"),
        "actor": "window1",
        "trigger": "open",
        "from_state": None,
        "to_state": "intake",
        "payload": first.payload,
        "prev_hash": "0" * 64,
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    key_file = get_settings().audit_key_path
    secret = bytes.fromhex(next(x for x in key_file.read_text().splitlines() if x and not x.startswith("#")))
    assert hmac.new(secret, text, hashlib.sha256).hexdigest() == first.hash
    assert hashlib.sha256(text).hexdigest() != first.hash, "a plain SHA-256 anyone can recompute is not the hash"
    assert {e.key_id for e in events} == {audit.load_keys().current.kid}
    assert first.key_id not in secret.hex()


def test_the_open_event_masks_identity_numbers(session):
    case = make_case(session, state=State.INTAKE)
    payload = events_of(session, case.id)[0].payload
    assert ID_A not in json.dumps(payload, ensure_ascii=False)
    assert payload["parties"][0]["id_number"] == "110105********002X"


@pytest.mark.parametrize(
    "column,value",
    [
        ("payload", {"reason": "改过的理由"}),
        ("hash", "f" * 64),
        ("actor", "mediator2"),
        ("at", T0 - timedelta(days=1)),
    ],
    ids=["payload", "hash", "actor", "at"],
)
def test_altering_one_event_breaks_the_chain_at_that_event(session, column, value):
    intact = make_case(session, state=State.FAILED, now=T0 - timedelta(days=1))  # opened first, verified first
    case = make_case(session, state=State.FAILED)
    _tamper(session, case, 4, **{column: value})
    checked, broken = _verify(session)
    assert broken is not None
    assert (broken.case_id, broken.case_no, broken.seq) == (case.id, case.case_no, 4)
    assert broken.problem
    assert checked == 4 + 4, "the intact case is checked first, then the broken one up to seq 4"
    assert _verify(session, case_id=intact.id) == (4, None)


def test_altering_a_hash_is_also_caught_at_the_next_event(session):
    """Rewriting an event together with its own hash still breaks the link from its successor."""
    case = make_case(session, state=State.FAILED)
    events = events_of(session, case.id)
    ev = events[1]
    payload = {**ev.payload, "org_code": "CN-ZJ-XH-RTW"}
    forged = audit.event_hash(
        case_id=case.id,
        seq=ev.seq,
        at=ev.at,
        actor=ev.actor,
        trigger=ev.trigger,
        from_state=ev.from_state,
        to_state=ev.to_state,
        payload=payload,
        prev_hash=ev.prev_hash,
    )
    _tamper(session, case, 2, payload=payload, hash=forged)
    _, broken = _verify(session, case_id=case.id)
    assert (broken.case_no, broken.seq) == (case.case_no, 3)


def test_a_deleted_event_leaves_a_gap_that_is_named(session):
    case = make_case(session, state=State.FAILED)
    ev = CaseEvent.__table__
    with session.get_bind().begin() as conn:
        conn.execute(sa.delete(ev).where(ev.c.case_id == case.id, ev.c.seq == 2))
    _, broken = _verify(session, case_id=case.id)
    assert (broken.case_id, broken.seq) == (case.id, 2)
    assert "3" in broken.problem


def test_a_log_truncated_after_its_last_event_is_reported(session):
    """Deleting the newest events leaves a chain that is internally consistent; the case's own record of
    how far its log goes must expose it. (At 075e364 verify reported such a log as intact.)"""
    case = make_case(session, state=State.FAILED)  # 4 events
    ev = CaseEvent.__table__
    with session.get_bind().begin() as conn:
        conn.execute(sa.delete(ev).where(ev.c.case_id == case.id, ev.c.seq == 4))
    checked, broken = _verify(session, case_id=case.id)
    assert broken is not None
    assert (broken.case_id, broken.case_no) == (case.id, case.case_no)
    assert broken.seq == 4
    assert checked == 3


def test_a_case_without_any_event_is_reported(session):
    case = make_case(session, state=State.INTAKE)
    ev = CaseEvent.__table__
    with session.get_bind().begin() as conn:
        conn.execute(sa.delete(ev).where(ev.c.case_id == case.id))
    _, broken = _verify(session)
    assert (broken.case_no, broken.seq) == (case.case_no, 1)


def test_payloads_with_chinese_text_and_amounts_survive_the_round_trip(session):
    case = make_case(session, state=State.AGREEMENT)
    fire(
        session,
        case_id=case.id,
        trigger=Trigger.RECORD_FULFILMENT,
        actor=actor(session, "mediator1"),
        payload={"note": "李四已于2026年11月10日支付¥8,500.00元（捌仟伍佰元整）\n收据编号：№0001"},
        now=T0 + timedelta(hours=10),
    )
    assert events_of(session, case.id)[-1].payload["note"].endswith("№0001")
    assert _verify(session, case_id=case.id) == (5, None)


# --- `jiefen audit verify` ------------------------------------------------------------------------

JIEFEN = Path(sys.executable).with_name("jiefen")


def _cli_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIEFEN_")}
    env.update(
        JIEFEN_DATABASE_URL=url,
        JIEFEN_ENV="test",
        JIEFEN_SECRET_KEY="cli-test-secret-0123456789-abcdefghijklm",
        JIEFEN_TIMEZONE="Asia/Shanghai",
        JIEFEN_KEYS_DIR=os.environ["JIEFEN_KEYS_DIR"],  # the audit key the cases were made with
        JIEFEN_AUDIT_CHECKPOINT_DIR=os.environ["JIEFEN_AUDIT_CHECKPOINT_DIR"],
        PYTHONIOENCODING="utf-8",
    )
    assert len(env["JIEFEN_SECRET_KEY"]) == 40
    return env


def _jiefen(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(JIEFEN), *args],
        env=_cli_env(url),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_jiefen_audit_verify_exits_zero_when_intact_and_names_the_break_after_tampering(tmp_path):
    url = f"sqlite:///{tmp_path / 'jiefen.db'}"
    upgrade(url)
    eng = make_engine(url)
    try:
        with Session(eng, expire_on_commit=False) as s:
            load_seed_file(s, DEMO_SEED)
            make_case(s, state=State.MEDIATION)
            case = make_case(s, state=State.AGREEMENT)
            case_no, case_id = case.case_no, case.id

        ok = _jiefen("audit", "verify", url=url)
        assert ok.returncode == 0, ok.stderr
        assert "intact" in ok.stdout and "7 events" in ok.stdout  # 3 + 4

        with eng.begin() as conn:
            ev = CaseEvent.__table__
            conn.execute(
                sa.update(ev).where(ev.c.case_id == case_id, ev.c.seq == 2).values(payload={"org_code": "CN-ZJ-XH-RTW"})
            )
        broken = _jiefen("audit", "verify", url=url)
        assert broken.returncode != 0
        assert case_no in broken.stderr
        assert "seq 2" in broken.stderr
    finally:
        eng.dispose()
