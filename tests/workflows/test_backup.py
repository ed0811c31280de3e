"""`jiefen backup` under write load and `jiefen restore` into a fresh database: the audit log verifies
there, and every intake acknowledged before the backup began is in it — on SQLite and PostgreSQL."""

import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import make_engine
from models.migrate import upgrade
from models.schemas import CaseCreate
from models.tables import Case, CaseEvent, Party
from tests.api.live import jiefen_command
from tests.conftest import _seed, require_postgres, scratch_postgres
from tests.factories import actor, case_payload
from workflows import audit
from workflows.intake import open_case


def _jiefen(url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return jiefen_command(*args, env={"JIEFEN_DATABASE_URL": url, **env}, timeout=300)


@contextmanager
def _database(backend: str, tmp_path: Path, name: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    with scratch_postgres(require_postgres()) as url:
        yield url


class Intake(threading.Thread):
    """Keeps opening cases through the real intake path; records when each was acknowledged."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.engine = engine
        self.stop = threading.Event()
        self.acked: list[tuple[float, uuid.UUID]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with Session(self.engine, expire_on_commit=False) as s:
                window = actor(s, "window1")
                while not self.stop.is_set():
                    case, created = open_case(s, data=CaseCreate.model_validate(case_payload()), actor=window)
                    assert created
                    self.acked.append((time.monotonic(), case.id))
        except BaseException as e:  # noqa: BLE001 - reported by the test, never swallowed
            self.error = e


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_backup_taken_under_write_load_restores_whole_and_verifies(backend, tmp_path):
    checkpoints = str(tmp_path / "checkpoints")
    with _database(backend, tmp_path, "live") as live, _database(backend, tmp_path, "restored") as restored:
        upgrade(live)
        engine = make_engine(live)
        _seed(engine)
        load = Intake(engine)
        load.start()
        try:
            while len(load.acked) < 20 and load.error is None:
                time.sleep(0.05)
            audit.write_checkpoint(engine, Path(checkpoints))  # an anchor the restored copy must reach
            while len(load.acked) < 40 and load.error is None:
                time.sleep(0.05)
            started = time.monotonic()
            done = _jiefen(live, "backup", str(tmp_path / "jiefen.backup"))
            finished = time.monotonic()
            time.sleep(0.3)
        finally:
            load.stop.set()
            load.join(60)
            engine.dispose()
        assert load.error is None, load.error
        assert done.returncode == 0, done.stderr
        assert "audit key and the audit checkpoint file are not in the backup" in done.stdout
        before = {cid for at, cid in load.acked if at < started}
        during = [cid for at, cid in load.acked if started <= at <= finished]
        assert len(before) >= 40 and during, "intake went on while the backup ran"

        put = _jiefen(restored, "restore", str(tmp_path / "jiefen.backup"))
        assert put.returncode == 0, put.stderr
        verified = _jiefen(restored, "audit", "verify", "--checkpoint-dir", checkpoints)
        assert verified.returncode == 0, verified.stderr
        assert "intact" in verified.stdout and "checkpoint 1" in verified.stdout

        copy = make_engine(restored)
        try:
            with copy.connect() as conn:
                ids = set(conn.execute(sa.select(Case.id)).scalars())
                events = conn.execute(sa.select(sa.func.count()).select_from(CaseEvent)).scalar_one()
                parties = conn.execute(sa.select(sa.func.count()).select_from(Party)).scalar_one()
        finally:
            copy.dispose()
        assert before <= ids, f"{len(before - ids)} acknowledged intakes missing from the restored copy"
        print(
            f"\n{backend}: {len(before)} acknowledged before the backup, {len(during)} while it ran, {len(ids)} restored"
        )
        assert events == len(ids) and parties == 2 * len(ids)

        again = _jiefen(restored, "restore", str(tmp_path / "jiefen.backup"))
        assert again.returncode == 1 and "不是空的" in again.stderr and "--force" in again.stderr
        forced = _jiefen(restored, "restore", "--force", str(tmp_path / "jiefen.backup"))
        assert forced.returncode == 0, forced.stderr
        assert _jiefen(restored, "audit", "verify", "--checkpoint-dir", checkpoints).returncode == 0


def test_backup_refuses_to_overwrite_and_names_a_missing_pg_dump(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    (tmp_path / "taken").write_bytes(b"x")
    refused = _jiefen(url, "backup", str(tmp_path / "taken"))
    assert refused.returncode == 1 and "已存在" in refused.stderr
    pg = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    missing = _jiefen(pg, "backup", str(tmp_path / "pg.backup"), PATH=str(tmp_path / "empty-bin"))
    assert missing.returncode == 1 and "找不到 pg_dump" in missing.stderr and "Traceback" not in missing.stderr
    wrong = _jiefen(f"sqlite:///{tmp_path / 'other.db'}", "restore", str(tmp_path / "taken"))
    assert wrong.returncode == 1 and "不是 jiefen 备份" in wrong.stderr


def test_the_postgresql_url_goes_to_the_tools_without_its_password():
    from models.backup import libpq

    conninfo, env = libpq("postgresql+psycopg://jiefen:s3cret@db.internal:5433/jiefen?sslmode=require")
    assert conninfo == "postgresql://jiefen@db.internal:5433/jiefen?sslmode=require"
    assert env["PGPASSWORD"] == "s3cret"
