"""Argon2 off the request threads: logins check and hash passwords in a small pool of their own.

Argon2 is meant to be slow (tens to hundreds of milliseconds of CPU and 64 MiB each). Run on FastAPI's
request thread pool, a burst of logins fills that pool and every other request waits behind them. Here
at most `workers` hashes run at once (default half the CPUs), the login endpoints await them without
holding a request thread, and when `queue` logins are already running or waiting the next one is
refused at once (503 with Retry-After) instead of queueing behind them.
"""

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TypeVar

from models.settings import Settings

T = TypeVar("T")

# How long a refused login is told to wait before trying again, in seconds, and what it is told.
BUSY_RETRY_AFTER = 1
BUSY_DETAIL = "登录请求过多，服务器繁忙，请稍后再试"


class HasherBusy(Exception):
    """Too many logins are already waiting for the password pool."""


def default_workers() -> int:
    return max(1, (os.cpu_count() or 2) // 2)


class PasswordPool:
    """A bounded pool for Argon2 work, shared by the logins of one app."""

    def __init__(self, workers: int, queue: int) -> None:
        self.workers, self.queue = workers, max(queue, workers)
        self._executor: ThreadPoolExecutor | None = None
        self._admitted = 0
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> "PasswordPool":
        workers = settings.login_hash_workers or default_workers()
        return cls(workers, settings.login_hash_queue or 4 * workers)

    @property
    def admitted(self) -> int:
        """Logins holding a place now (running in the pool or waiting for it)."""
        return self._admitted

    @asynccontextmanager
    async def place(self) -> AsyncIterator["PasswordPool"]:
        """A login's place, held from before its first database read to its last hash: HasherBusy at once
        when `queue` logins already hold one, so a saturated server refuses before doing any work."""
        with self._lock:
            if self._admitted >= self.queue:
                raise HasherBusy()
            self._admitted += 1
        try:
            yield self
        finally:
            with self._lock:
                self._admitted -= 1

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """fn(*args) on one of the pool's threads (call it inside `place()`)."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="jiefen-argon2")
            executor = self._executor
        return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
