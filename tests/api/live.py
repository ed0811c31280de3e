"""A real `jiefen serve` process for the tests that need a real HTTP server (uvicorn's own parsing,
chunked bodies, its access log, proxy headers): on a free port, with a fresh SQLite database."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

JIEFEN = Path(sys.executable).parent / "jiefen"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def jiefen_command(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`jiefen ARGS` run as an operator would, with `env` over this process's environment; output as text."""
    return subprocess.run(
        [str(JIEFEN), *args],
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


@dataclass
class Live:
    url: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def rss_kib(self) -> int:
        """The server process's resident memory (VmRSS), in KiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS line")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serving(
    command: list[str], env: dict[str, str], log: Path, *, cwd: Path | None = None, start_seconds: float = 60
) -> Iterator[Live]:
    """`command` (a `jiefen serve … --port P …`) run until it answers /healthz on port P, then stopped:
    the one way the tests start a real server."""
    port = int(command[command.index("--port") + 1])
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        live = Live(f"http://127.0.0.1:{port}", port, proc, log)
        try:
            deadline = time.monotonic() + start_seconds
            while True:
                try:
                    if httpx2.get(f"{live.url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx2.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"jiefen serve did not start:\n{live.output()}")
                time.sleep(0.2)
            yield live
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def jiefen_serve(tmp: Path, *args: str, env: dict[str, str] | None = None, render: bool = False) -> Iterator[Live]:
    """`jiefen serve` on a fresh SQLite database, without the scheduler and (unless `render`) without the
    render worker process, which most tests of the HTTP layer do not need."""
    environment = {
        **os.environ,
        "JIEFEN_DATABASE_URL": f"sqlite:///{tmp / 'jiefen.db'}",
        "JIEFEN_ENV": "test",
        "JIEFEN_SECRET_KEY": "live-server-secret-key-long-enough-0123456789",
        **(env or {}),
    }
    command = [str(JIEFEN), "serve", "--port", str(free_port()), "--no-scheduler", *args]
    if not render:
        command.append("--no-render-worker")
    with serving(command, environment, tmp / "serve.log") as live:
        yield live


def metrics_dir(pid: int) -> str | None:
    """The PROMETHEUS_MULTIPROC_DIR a process of `jiefen serve` was started with."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return None
    found = [e.split(b"=", 1)[1].decode() for e in environ if e.startswith(b"PROMETHEUS_MULTIPROC_DIR=")]
    return found[0] if found else None
