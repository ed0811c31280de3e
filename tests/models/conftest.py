"""Fixtures for the seed tests: a real migrated SQLite file, empty or holding the demo seed.

Migrating and loading the demo seed costs about two seconds (Argon2 hashes ten users), so it is done
once per run into template files; each test works on its own copy in tmp_path.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from models.db import make_engine
from models.migrate import upgrade
from models.seed import DEMO_SEED
from models.seed.loader import load_seed_file


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal"):
        if Path(f"{src}{suffix}").exists():
            shutil.copy(f"{src}{suffix}", f"{dst}{suffix}")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("seed-templates")
    empty = base / "empty.db"
    upgrade(_url(empty))
    seeded = base / "seeded.db"
    _copy_db(empty, seeded)
    engine = make_engine(_url(seeded))
    with Session(engine, expire_on_commit=False) as session:
        load_seed_file(session, DEMO_SEED)
    engine.dispose()
    return {"empty": empty, "seeded": seeded}


def _session_on_copy(template: Path, tmp_path: Path) -> Iterator[Session]:
    db = tmp_path / "jiefen.db"
    _copy_db(template, db)
    engine = make_engine(_url(db))
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture
def seeded(templates: dict[str, Path], tmp_path: Path) -> Iterator[Session]:
    """A migrated database holding the demo seed."""
    yield from _session_on_copy(templates["seeded"], tmp_path)


@pytest.fixture
def empty(templates: dict[str, Path], tmp_path: Path) -> Iterator[Session]:
    """A migrated database with nothing in it."""
    yield from _session_on_copy(templates["empty"], tmp_path)
