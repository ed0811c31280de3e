"""`jiefen audit checkpoint | verify | public-key` as an operator runs them (docs/contract.md §1)."""

import subprocess
from datetime import timedelta

from states.enums import State
from tests.api.live import jiefen_command
from tests.factories import T0, make_case
from tests.workflows import tamper


def _jiefen(engine, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    url = engine.url.render_as_string(hide_password=False)
    return jiefen_command(*args, env={"JIEFEN_DATABASE_URL": url, **env})


def test_verify_names_every_broken_case_and_seq_and_checkpoint_refuses_to_anchor_a_loss(engine, session, tmp_path):
    d = str(tmp_path / "cp")
    a = make_case(session, state=State.CONFIRMED)
    b = make_case(session, state=State.MEDIATION, now=T0 + timedelta(days=1))
    c = make_case(session, state=State.CLOSED, now=T0 + timedelta(days=2))

    written = _jiefen(engine, "audit", "checkpoint", "--checkpoint-dir", d)
    assert written.returncode == 0, written.stderr
    assert "checkpoint 1 written" in written.stdout and "(3 cases)" in written.stdout
    ok = _jiefen(engine, "audit", "verify", "--checkpoint-dir", d)
    assert ok.returncode == 0, ok.stderr
    assert "intact (14 events checked, 3 cases, checkpoint 1)" in ok.stdout

    tamper.cut_last_event(engine, a.id)
    tamper.set_party(engine, c.id, 0, name="王五")
    broken = _jiefen(engine, "audit", "verify", "--checkpoint-dir", d)
    assert broken.returncode == 1
    assert f"case {a.case_no} ({a.id}) seq 6: 审计链末端后退" in broken.stderr
    assert f"case {c.case_no} ({c.id}) seq 1: 第 1 位当事人的姓名" in broken.stderr
    assert b.case_no not in broken.stderr
    assert "audit: 2 broken" in broken.stderr
    assert "王五" not in broken.stderr and "张三" not in broken.stderr, "names stay out of the output"

    one = _jiefen(engine, "audit", "verify", "--checkpoint-dir", d, "--case", b.case_no)
    assert one.returncode == 0 and "1 cases" in one.stdout, one.stderr
    other = _jiefen(engine, "audit", "verify", "--checkpoint-dir", d, "--case", str(a.id))
    assert other.returncode == 1 and a.case_no in other.stderr

    refused = _jiefen(engine, "audit", "checkpoint", "--checkpoint-dir", d)
    assert refused.returncode == 1
    assert f"REFUSED {a.case_no} seq 6" in refused.stderr and "--accept-loss" in refused.stderr
    accepted = _jiefen(engine, "audit", "checkpoint", "--checkpoint-dir", d, "--accept-loss", "恢复备份")
    assert accepted.returncode == 0 and "checkpoint 2 written" in accepted.stdout, accepted.stderr
    after = _jiefen(engine, "audit", "verify", "--checkpoint-dir", d)
    assert after.returncode == 1 and a.case_no not in after.stderr and c.case_no in after.stderr


def test_without_its_key_in_production_verify_says_so_and_exits_2(engine, tmp_path):
    done = _jiefen(
        engine,
        "audit",
        "verify",
        JIEFEN_ENV="production",
        JIEFEN_AUDIT_KEY_FILE=str(tmp_path / "missing.key"),
    )
    assert done.returncode == 2
    assert "审计密钥文件" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "missing.key").exists()


def test_in_production_serve_refuses_to_start_without_the_audit_key(engine, tmp_path):
    done = _jiefen(
        engine,
        "serve",
        "--port",
        "9",
        "--no-scheduler",
        JIEFEN_ENV="production",
        JIEFEN_AUDIT_KEY_FILE=str(tmp_path / "missing.key"),
    )
    assert done.returncode == 3
    assert "审计密钥文件" in done.stderr and "jiefen keys init" in done.stderr
    doctor = _jiefen(engine, "doctor", JIEFEN_ENV="production", JIEFEN_AUDIT_KEY_FILE=str(tmp_path / "missing.key"))
    assert doctor.returncode == 1 and "[MISSING] audit key" in doctor.stdout


def test_public_key_prints_the_pem_that_checks_the_checkpoints(engine):
    done = _jiefen(engine, "audit", "public-key")
    assert done.returncode == 0, done.stderr
    assert "-----BEGIN PUBLIC KEY-----" in done.stdout and "PRIVATE" not in done.stdout


def test_doctor_names_the_organizations_without_a_signing_key(engine, tmp_path):
    keys = tmp_path / "no-keys"
    production = _jiefen(engine, "doctor", JIEFEN_ENV="production", JIEFEN_KEYS_DIR=str(keys))
    assert production.returncode == 1
    line = next(x for x in production.stdout.splitlines() if "signing keys" in x)
    assert line.startswith("[MISSING]") and "CN-ZJ-XH-CC-RTW" in line and "CN-ZJ-XH-FY" not in line
    assert "jiefen keys init" in line

    made = _jiefen(engine, "keys", "init", "--dir", str(keys), "--org", "CN-ZJ-XH-CC-RTW")
    assert made.returncode == 0, made.stderr
    again = _jiefen(engine, "doctor", JIEFEN_ENV="test", JIEFEN_KEYS_DIR=str(keys))
    line = next(x for x in again.stdout.splitlines() if "signing keys" in x)
    assert line.startswith("[ok ]") and "1 of " in line and "CN-ZJ-XH-CC-RTW" not in line.split("none for")[-1]
