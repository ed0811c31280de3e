"""`jiefen doctor` checks what PDF rendering and the engine need, and names what is missing."""

import os
import subprocess
import sys
from pathlib import Path

from documents.environment import checks

JIEFEN = Path(sys.executable).parent / "jiefen"


def _doctor(tmp_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JIEFEN_DATABASE_URL": url}
    return subprocess.run([str(JIEFEN), "doctor"], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)


def test_this_machine_has_what_rendering_needs():
    # `make setup` installs these; a missing one here means the set-up is broken.
    missing = [c for c in checks() if not c.ok]
    assert missing == []


def test_doctor_passes_with_a_reachable_database(tmp_path):
    out = _doctor(tmp_path, f"sqlite:///{tmp_path / 'd.db'}")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "[ok ] HarfBuzz subsetting" in out.stdout
    assert "[ok ] CJK font: Noto Sans CJK SC" in out.stdout


def test_doctor_names_an_unreachable_database_and_fails(tmp_path):
    out = _doctor(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:9/none")
    assert out.returncode == 1
    assert "[MISSING] database" in out.stdout
    assert "JIEFEN_DATABASE_URL" in out.stdout
