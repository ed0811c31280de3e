"""The render worker process `jiefen serve` starts beside the API, kept running while it serves."""

import logging
import os
import subprocess
import sys
import threading
import time

log = logging.getLogger("jiefen.serve")

COMMAND = [sys.executable, "-m", "api.cli", "documents", "work"]
RESTART_PAUSE = (1.0, 30.0)  # the pause before a restart doubles from the first to the second at most


class RenderProcess:
    """`jiefen documents work` as a child process: started with the server, restarted if it dies (after a
    growing pause), told to stop (SIGTERM: it finishes the document in hand) when the server stops."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or COMMAND
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._watch: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def _spawn(self) -> "subprocess.Popen[bytes]":
        from workflows.outbox.worker import PARENT_ENV

        env = {**os.environ, PARENT_ENV: str(os.getpid())}  # it stops when this process is gone
        return subprocess.Popen(self.command, stdin=subprocess.DEVNULL, env=env)

    def start(self) -> "RenderProcess":
        self.process = self._spawn()
        self._watch = threading.Thread(target=self._keep_running, name="render-worker-watch", daemon=True)
        self._watch.start()
        return self

    def _keep_running(self) -> None:
        pause = RESTART_PAUSE[0]
        while not self._stopping.is_set():
            assert self.process is not None
            started = time.monotonic()
            code = self.process.wait()
            if self._stopping.is_set():
                return
            if code == 3:  # it refused to start (fonts, Pango): restarting will not help
                log.error("render worker cannot start (exit 3); documents stay pending: run `jiefen doctor`")
                return
            if time.monotonic() - started > 60:
                pause = RESTART_PAUSE[0]
            log.error("render worker exited with %s; restarting in %.0f s", code, pause)
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, RESTART_PAUSE[1])
            self.restarts += 1
            self.process = self._spawn()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
