"""jiefen as a centre runs it: `JIEFEN_ENV=production`, real commands and a real `jiefen serve`.

One walk through what issue 13 asks of production: the seed refuses a weak password without printing
it, the server refuses to start without the audit key, `/docs` and `/openapi.json` are off, every
response carries the security headers, wrong passwords end in 429 with `Retry-After`, a logged-out
token is refused, an oversized body is 413, and the audit log checkpoints and verifies."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import yaml

from tests.api.live import jiefen_serve
from tests.api.test_serve_processes import _children
from tests.conftest import DEMO_SEED

JIEFEN = str(Path(sys.executable).parent / "jiefen")
STRONG = "Ruìxuě-窗口-correct-horse-battery-2026"
WEAK = "password1234"
METRICS_TOKEN = "production-metrics-token-7c1d9e4f2a6b8c3d"


def _environment(tmp: Path) -> dict[str, str]:
    return {
        "JIEFEN_ENV": "production",
        "JIEFEN_SECRET_KEY": "production-mode-test-secret-0123456789abcdef",
        "JIEFEN_DATABASE_URL": f"sqlite:///{tmp / 'jiefen.db'}",
        "JIEFEN_KEYS_DIR": str(tmp / "keys"),
        "JIEFEN_AUDIT_KEY_FILE": str(tmp / "keys" / "audit.key"),
        "JIEFEN_AUDIT_CHECKPOINT_DIR": str(tmp / "checkpoints"),
        "JIEFEN_AUDIT_CHECKPOINT_SECONDS": "0",
        "JIEFEN_MAX_BODY_BYTES": str(64 * 1024),
        "JIEFEN_API_DOCS": "",
        "JIEFEN_METRICS_TOKEN": METRICS_TOKEN,
    }


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in {**os.environ, **env}.items() if v != ""}
    return subprocess.run([JIEFEN, *args], env=environment, capture_output=True, text=True, timeout=120)


def _seed_file(tmp: Path, password: str) -> Path:
    """The demo centre's organizations and mediators with two accounts of the centre's own."""
    demo = yaml.safe_load(DEMO_SEED.read_text(encoding="utf-8"))
    users = {u["username"]: u for u in demo["users"]}
    demo["users"] = [{**users["window1"], "password": password}, {**users["super1"], "password": STRONG}]
    path = tmp / f"seed-{len(password)}.yaml"
    path.write_text(yaml.safe_dump(demo, allow_unicode=True), encoding="utf-8")
    return path


def test_a_production_centre_end_to_end(tmp_path: Path) -> None:
    env = _environment(tmp_path)

    weak = _run(env, "seed", str(_seed_file(tmp_path, WEAK)))
    assert weak.returncode != 0
    assert "window1" in weak.stderr
    assert WEAK not in weak.stdout + weak.stderr

    assert _run(env, "seed", str(_seed_file(tmp_path, STRONG))).returncode == 0, "a strong seed loads"

    # No audit key yet: production never makes one up, and serve refuses to start.
    refused = _run(env, "serve", "--no-scheduler", "--port", "1")
    assert refused.returncode != 0
    assert "audit" in (refused.stdout + refused.stderr).lower()

    keys = _run(env, "keys", "init")
    assert keys.returncode == 0, keys.stderr
    assert (tmp_path / "keys" / "audit.key").stat().st_mode & 0o077 == 0, "the audit key is private to its owner"

    with jiefen_serve(tmp_path, env={k: v for k, v in env.items() if v != ""}, render=True) as live:
        client = httpx2.Client(base_url=live.url, timeout=30)
        # the render worker starts beside the API in production too, and stays up (settings accepted)
        time.sleep(2)
        assert [c for c in _children(live.proc.pid).values() if c.endswith("api.cli documents work")], live.output()
        for path in ("/docs", "/openapi.json", "/redoc"):
            assert client.get(path).status_code == 404, path
        # /metrics only with its token; the render worker's and the API's figures in one scrape.
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}x"}).status_code == 401
        scraped = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert scraped.status_code == 200
        assert 'jiefen_http_request_duration_seconds_count{method="GET",route="/healthz",status="2xx"}' in scraped.text
        assert METRICS_TOKEN not in live.output()

        health = client.get("/healthz")
        assert health.status_code == 200
        assert "default-src 'self'" in health.headers["content-security-policy"]
        assert health.headers["x-frame-options"] == "DENY"
        assert health.headers["x-content-type-options"] == "nosniff"

        # The parties' portal: served without a staff login, its cookies Secure; online application not open
        # until JIEFEN_PORTAL_REGION names the centre's county.
        home = client.get("/p/")
        assert home.status_code == 200 and "当事人服务" in home.text and "<script" not in home.text
        assert (
            "secure" in home.headers["set-cookie"].lower() and "samesite=strict" in home.headers["set-cookie"].lower()
        )
        closed = client.get("/p/apply")
        assert closed.status_code == 503 and "暂未开通网上申请" in closed.text

        # Five wrong passwords, then the username is locked: the right password too gets 429.
        wrong = [
            client.post("/api/v1/auth/token", data={"username": "window1", "password": f"wrong-{i}"}).status_code
            for i in range(6)
        ]
        assert wrong[:5] == [401] * 5 and wrong[5] == 429
        locked = client.post("/api/v1/auth/token", data={"username": "window1", "password": STRONG})
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 0

        token = client.post("/api/v1/auth/token", data={"username": "super1", "password": STRONG})
        assert token.status_code == 200, token.text
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        cases = client.get("/api/v1/cases", headers=bearer)
        assert cases.status_code == 200
        assert cases.headers["cache-control"] == "no-store"

        big = client.post("/api/v1/cases", headers=bearer, content=b"{" + b" " * (128 * 1024) + b"}")
        assert big.status_code == 413

        assert client.post("/api/v1/auth/logout", headers=bearer).status_code == 204
        assert client.get("/api/v1/cases", headers=bearer).status_code == 401

    checkpoint = _run(env, "audit", "checkpoint")
    assert checkpoint.returncode == 0, checkpoint.stderr
    verify = _run(env, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "intact" in verify.stdout
