"""A real `jiefen serve` process on a free port, with its own SQLite database and the demo seed."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.live import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
JIEFEN = Path(sys.executable).parent / "jiefen"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("server")
    env = {
        **os.environ,
        "JIEFEN_DATABASE_URL": f"sqlite:///{tmp / 'jiefen.db'}",
        "JIEFEN_ENV": "test",
        "JIEFEN_SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789",
    }
    subprocess.run(
        [str(JIEFEN), "seed", str(ROOT / "models" / "seed" / "demo.yaml")],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    command = [str(JIEFEN), "serve", "--port", str(free_port()), "--no-scheduler"]
    with serving(command, env, tmp / "serve.log") as live:
        yield live.url
