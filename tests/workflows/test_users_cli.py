"""`jiefen users add|passwd|disable|enable|list` (docs/contract.md §1), run as the operator runs it: a
separate process on the same database, passwords asked for or read from standard input, never arguments."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.security import verify_password
from models.tables import User

ROOT = Path(__file__).resolve().parents[2]


def jiefen(engine: Engine, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    url = engine.url.render_as_string(hide_password=False)
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "users", *args],
        input=stdin,
        env={**os.environ, "PYTHONPATH": str(ROOT), "JIEFEN_DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )


def _user(engine: Engine, username: str) -> User | None:
    with Session(engine) as s:
        return s.exec(select(User).where(User.username == username)).first()


def test_add_asks_for_the_password_twice_and_hidden_then_list_shows_the_account(engine):
    username = f"t-{uuid.uuid4().hex[:8]}"

    out = jiefen(engine, "add", username, "--role", "intake", "--org", "CN-ZJ-XH-ZZZX", stdin="a-long-passphrase\n" * 2)
    listed = jiefen(engine, "list")

    assert out.returncode == 0, out.stderr
    assert "a-long-passphrase" not in out.stdout + out.stderr
    user = _user(engine, username)
    assert user is not None and user.is_active and verify_password(user.password_hash, "a-long-passphrase")
    assert f"{username}\tintake\tCN-ZJ-XH-ZZZX\t-\tactive" in listed.stdout.splitlines()
    assert "argon2" not in listed.stdout and "jiefen-demo-2026" not in listed.stdout
    assert "admin\tadmin" in listed.stdout  # the demo users are listed too


def test_passwd_disable_and_enable_end_the_users_sessions(engine):
    username = f"t-{uuid.uuid4().hex[:8]}"
    jiefen(engine, "add", username, "--role", "admin", "--password-stdin", stdin="first-passphrase\n")

    reset = jiefen(engine, "passwd", username, "--password-stdin", stdin="second-passphrase\n")
    after_reset = _user(engine, username)
    disabled = jiefen(engine, "disable", username)
    after_disable = _user(engine, username)
    listed = jiefen(engine, "list")
    enabled = jiefen(engine, "enable", username)

    assert reset.returncode == 0 and "sessions have ended" in reset.stdout
    assert verify_password(after_reset.password_hash, "second-passphrase") and after_reset.token_epoch == 1
    assert disabled.returncode == 0 and not after_disable.is_active and after_disable.token_epoch == 2
    assert f"{username}\tadmin\t-\t-\tdisabled" in listed.stdout.splitlines()
    assert enabled.returncode == 0 and _user(engine, username).is_active


@pytest.mark.parametrize(
    "command",
    [["passwd", "nobody-at-all", "--password-stdin"], ["disable", "nobody-at-all"], ["unlock", "nobody-at-all"]],
)
def test_an_unknown_user_exits_1_naming_it(engine, command):
    out = jiefen(engine, *command, stdin="whatever-passphrase\n")

    assert out.returncode == 1
    assert "nobody-at-all" in out.stderr


def test_add_refuses_a_taken_username_and_an_unknown_organization_with_exit_2(engine):
    taken = jiefen(
        engine, "add", "window1", "--role", "intake", "--org", "CN-ZJ-XH-ZZZX", "--password-stdin", stdin="x\n"
    )
    nowhere = jiefen(
        engine, "add", "t-nowhere", "--role", "intake", "--org", "CN-NOWHERE", "--password-stdin", stdin="x\n"
    )

    assert taken.returncode == 2 and "window1" in taken.stderr and "已存在" in taken.stderr
    assert nowhere.returncode == 2 and "unknown organization 'CN-NOWHERE'" in nowhere.stderr
    assert _user(engine, "t-nowhere") is None


def test_production_refuses_a_weak_password_naming_the_rule_not_the_password(engine):
    username = f"t-{uuid.uuid4().hex[:8]}"
    production = {"JIEFEN_ENV": "production", "JIEFEN_SECRET_KEY": "a-production-secret-key-of-enough-length-0123"}

    out = jiefen(engine, "add", username, "--role", "admin", "--password-stdin", stdin="password1234\n", **production)

    assert out.returncode == 2
    assert "password: 密码过于常见" in out.stderr and "password1234" not in out.stderr + out.stdout
    assert _user(engine, username) is None


def test_the_operators_changes_are_in_the_change_log_under_their_name(engine):
    import getpass

    from workflows import changelog

    username = f"t-{uuid.uuid4().hex[:8]}"
    jiefen(engine, "add", username, "--role", "intake", "--org", "CN-ZJ-XH-ZZZX", stdin="a-long-passphrase\n" * 2)
    jiefen(engine, "passwd", username, "--password-stdin", stdin="another-passphrase-3\n")
    jiefen(engine, "disable", username)

    with Session(engine) as s:
        log = changelog.recent(s, entity="user", key=username)
    assert [c.action for c in log] == ["disable", "reset_password", "create"]
    assert {c.actor for c in log} == {f"cli:{getpass.getuser()}"}
    assert "passphrase" not in repr([(c.before, c.after) for c in log])
