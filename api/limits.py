"""How many requests one API process serves at once, so that it never stalls.

A request holds a request thread and a pooled database connection, and FastAPI closes a `yield`
dependency's session on a request thread too. Let in more requests than the pool has connections and
every thread can end up waiting for a connection that only a thread could give back: nothing completes
(measured: 0 requests in 15 s from 55 clients on SQLite). So the process admits at most `limit` requests
at once; the pool holds at least that many connections and the thread pool at least that many threads
(api.app), so an admitted request never waits for either. Up to `queue` more wait — on the event loop,
holding neither — at most `wait_seconds` for a place; beyond that a request is answered at once with
503 and `Retry-After`, in the words a clerk reads, never left to hang and never a 500.

The health check and the static files pass without counting: they touch no database, and a load balancer
must still see a saturated process as alive. /metrics passes too (api/metrics.py): a monitor must still read
a saturated process; its one short read takes a connection from the pool's spare ones (max_overflow).
"""

import asyncio
import contextlib
import json
import math
from collections import deque

from starlette.types import ASGIApp, Receive, Scope, Send

BUSY = "系统繁忙，请稍后重试"


class InFlightLimit:
    """Pure ASGI middleware: at most `limit` requests inside, `queue` waiting, the rest 503 at once."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        queue: int,
        wait_seconds: float,
        exempt_prefixes: tuple[str, ...] = ("/healthz", "/static/"),
    ) -> None:
        self.app = app
        self.limit = limit
        self.queue = queue
        self.wait_seconds = wait_seconds
        self.exempt = exempt_prefixes
        self.active = 0
        self.waiters: deque[asyncio.Future[None]] = deque()
        self.rejected = 0  # refused since start (a count for metrics; the tests read it)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        if not await self._enter():
            self.rejected += 1
            await _busy(send, path=scope["path"], retry_after=max(1, math.ceil(self.wait_seconds)))
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._leave()

    async def _enter(self) -> bool:
        if self.active < self.limit and not self.waiters:
            self.active += 1
            return True
        if len(self.waiters) >= self.queue or self.wait_seconds <= 0:
            return False
        place: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append(place)
        try:
            await asyncio.wait_for(asyncio.shield(place), self.wait_seconds)
        except TimeoutError:
            self._abandon(place)
            return False
        except asyncio.CancelledError:  # the client went away, or the server is stopping
            self._abandon(place)
            raise
        return True  # _leave handed its place over: `active` already counts this request

    def _abandon(self, place: "asyncio.Future[None]") -> None:
        if place.done() and not place.cancelled():
            self._leave()  # the place arrived just as the wait ended: pass it on
            return
        place.cancel()
        with contextlib.suppress(ValueError):
            self.waiters.remove(place)

    def _leave(self) -> None:
        while self.waiters:
            place = self.waiters.popleft()
            if not place.done():
                place.set_result(None)  # the place goes to the oldest waiter; `active` stays the same
                return
        self.active -= 1


PAGE = f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>系统繁忙</title><p>{BUSY}。</p></html>'


async def _busy(send: Send, *, path: str, retry_after: int) -> None:
    """503 in the caller's terms: JSON for the API, a page for the web screens."""
    if path.startswith("/api/"):
        body, kind = json.dumps({"detail": BUSY}, ensure_ascii=False).encode(), b"application/json"
    else:
        body, kind = PAGE.encode(), b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
