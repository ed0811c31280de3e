"""A refused setting is named with its rule, never echoed: not by `jiefen serve`, not by the settings
error an app start raises."""

import os
import subprocess
import sys

import pytest

from models.settings import Settings, SettingsError, get_settings

WEAK_SECRET = "change-me-weak-secret-value"


def pieces(secret: str, width: int = 8) -> list[str]:
    """Every run of `width` characters of the secret: none may show, not even pydantic's truncated echo."""
    return [secret[i : i + width] for i in range(len(secret) - width + 1)]


def test_jiefen_serve_refuses_a_weak_secret_without_printing_it(tmp_path):
    env = {
        **os.environ,
        "JIEFEN_ENV": "production",
        "JIEFEN_SECRET_KEY": WEAK_SECRET,
        "JIEFEN_DATABASE_URL": f"sqlite:///{tmp_path / 'jiefen.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--port", "1"], env=env, capture_output=True, timeout=120
    )
    out = (done.stdout + done.stderr).decode()
    assert done.returncode != 0
    assert "JIEFEN_SECRET_KEY" in out and "32" in out, out
    assert not [p for p in pieces(WEAK_SECRET) if p in out], out
    assert "Traceback" not in out and "input_value" not in out, out


def test_every_refused_variable_is_named_with_its_rule_and_no_value(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("JIEFEN_ENV", "production")
    monkeypatch.setenv("JIEFEN_SECRET_KEY", WEAK_SECRET)
    monkeypatch.setenv("JIEFEN_TOKEN_MINUTES", "987654")
    monkeypatch.setenv("JIEFEN_TIMEZONE", "Secret/Zone-value-xyz")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError) as refused:
            get_settings()
    finally:
        get_settings.cache_clear()
    text = str(refused.value)
    assert "JIEFEN_TOKEN_MINUTES" in text and "1440" in text
    assert "JIEFEN_TIMEZONE" in text
    assert "987654" not in text and "Secret/Zone" not in text
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_a_validation_error_of_settings_carries_no_input(monkeypatch: pytest.MonkeyPatch):
    """Settings() built directly (not through get_settings) hides the input too."""
    for name in [n for n in os.environ if n.startswith("JIEFEN_")]:
        monkeypatch.delenv(name)  # few settings: pydantic would print its whole input, the secret in it
    monkeypatch.setenv("JIEFEN_ENV", "production")
    monkeypatch.setenv("JIEFEN_SECRET_KEY", WEAK_SECRET)
    with pytest.raises(ValueError) as refused:
        Settings()
    assert not [p for p in pieces(WEAK_SECRET) if p in str(refused.value)]
    assert "JIEFEN_SECRET_KEY" in str(refused.value)
