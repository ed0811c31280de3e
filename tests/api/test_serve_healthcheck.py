"""`jiefen serve --workers N` gives uvicorn's supervisor JIEFEN_WORKER_HEALTHCHECK_SECONDS, not uvicorn's own 5 s.

On a loaded host an API process took longer than 5 s to start Python and import the app; uvicorn then killed
it and started another, in a loop, and the server never served (seen in `make bench`'s `--workers 2` run).
uvicorn is outside the project: its `run` is replaced here to read what jiefen hands it."""

from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from api.cli import app
from models.settings import get_settings


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch, tmp_path) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    monkeypatch.setenv("JIEFEN_DATABASE_URL", f"sqlite:///{tmp_path}/serve.db")
    # serve sets PROMETHEUS_MULTIPROC_DIR in its own process (this one, here): an operator's directory keeps it
    # from making a temporary one and taking SIGTERM over, and monkeypatch takes the variable back afterwards,
    # so the live servers later tests start make their own (test_serve_processes checks they remove it)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw, target=a[0]))
    get_settings.cache_clear()
    yield seen
    get_settings.cache_clear()


def _serve(*args: str) -> None:
    result = CliRunner().invoke(app, ["serve", "--no-render-worker", "--no-scheduler", *args])
    assert result.exit_code == 0, result.output


def test_the_setting_reaches_uvicorn(handed: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIEFEN_WORKER_HEALTHCHECK_SECONDS", "45")
    get_settings.cache_clear()
    _serve("--workers", "2")
    assert handed["target"] == "api.app:served" and handed["workers"] == 2
    assert handed["timeout_worker_healthcheck"] == 45


def test_default_is_longer_than_uvicorns(handed: dict[str, Any]) -> None:
    _serve("--workers", "2")
    assert handed["timeout_worker_healthcheck"] == 30


def test_below_uvicorns_floor_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIEFEN_WORKER_HEALTHCHECK_SECONDS", "2")
    get_settings.cache_clear()
    try:
        with pytest.raises(
            ValueError, match="JIEFEN_WORKER_HEALTHCHECK_SECONDS: Input should be greater than or equal to 5"
        ):
            get_settings()
    finally:
        monkeypatch.delenv("JIEFEN_WORKER_HEALTHCHECK_SECONDS")
        get_settings.cache_clear()
