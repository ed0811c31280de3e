"""The audit key: a file outside the database, made on first use only outside production, rotated by
putting a new key on top of the old."""

import os
import stat

import pytest

from models.settings import Settings, get_settings
from states.enums import State, Trigger
from tests.factories import actor, make_case
from tests.workflows.support import events_of, fresh
from workflows import audit
from workflows.audit import keys as audit_keys
from workflows.engine import fire


def _settings(tmp_path, env="test", **kw):
    return Settings(env=env, audit_key_file=str(tmp_path / "audit.key"), **kw)


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    audit_keys.clear_cache()
    yield
    audit_keys.clear_cache()


def test_outside_production_a_missing_key_is_made_readable_by_its_owner_alone(tmp_path):
    keys = audit_keys.load_keys(_settings(tmp_path))
    path = tmp_path / "audit.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = keys.current.secret.hex()
    assert secret in path.read_text() and len(secret) == 64
    assert keys.current.kid not in secret and len(keys.current.kid) == 16
    assert audit_keys.read_keys(path).current == keys.current, "the same key is read back"


def test_in_production_a_missing_key_is_an_error_never_a_default(tmp_path):
    with pytest.raises(audit.AuditKeyError, match="不存在"):
        audit_keys.load_keys(_settings(tmp_path, env="production", secret_key="p" * 40))
    assert not (tmp_path / "audit.key").exists()


def test_in_production_a_key_others_may_read_is_refused(tmp_path):
    path = tmp_path / "audit.key"
    audit_keys.init_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(audit.AuditKeyError, match="权限过宽"):
        audit_keys.load_keys(_settings(tmp_path, env="production", secret_key="p" * 40))
    os.chmod(path, 0o600)
    assert audit_keys.load_keys(_settings(tmp_path, env="production", secret_key="p" * 40)).current.kid


@pytest.mark.parametrize("text", ["", "# only a comment\n", "abc\n", "00" * 31 + "\n", "zz" * 32 + "\n"])
def test_a_malformed_key_file_is_refused(tmp_path, text):
    path = tmp_path / "audit.key"
    path.write_text(text)
    with pytest.raises(audit.AuditKeyError):
        audit_keys.read_keys(path)


def test_a_rotated_key_makes_new_events_and_the_retired_one_still_verifies_the_old(
    engine, session, tmp_path, monkeypatch
):
    old = make_case(session, state=State.MEDIATION)
    old_kid = audit.load_keys().current.kid
    current = get_settings().audit_key_path.read_text()
    rotated = tmp_path / "rotated.key"
    rotated.write_text(f"{'ab' * 32}\n{current}")
    rotated.chmod(0o600)
    monkeypatch.setenv("JIEFEN_AUDIT_KEY_FILE", str(rotated))
    get_settings.cache_clear()
    try:
        new_kid = audit.load_keys().current.kid
        assert new_kid != old_kid
        mediator = actor(session, "mediator1")
        fire(session, case_id=old.id, trigger=Trigger.PAUSE_CLOCK, actor=mediator, payload={"reason": "鉴定"})
        assert [e.key_id for e in events_of(session, old.id)] == [old_kid] * 3 + [new_kid]
        with fresh(session) as s:
            assert audit.check(s, checkpoint_dir=tmp_path / "cp").intact
        rotated.write_text(f"{'ab' * 32}\n")  # the retired key lost
        audit_keys.clear_cache()
        with fresh(session) as s:
            report = audit.check(s, checkpoint_dir=tmp_path / "cp")
        assert [(b.case_no, b.seq) for b in report.breaks][:1] == [(old.case_no, 1)]
        assert old_kid in report.breaks[0].problem
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
