"""At most JIEFEN_MAX_IN_FLIGHT requests inside one process, JIEFEN_MAX_QUEUED waiting at most
JIEFEN_QUEUE_SECONDS, the rest 503 with Retry-After at once (api/limits.py) — and the app's pool and
request threads sized so that an admitted request never waits for either (api/app.py)."""

import asyncio
import json

import anyio.to_thread
import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from api.app import create_app
from api.limits import BUSY, InFlightLimit
from models.settings import get_settings


class Gate:
    """An ASGI app whose requests wait inside until released: how many are inside at once is counted."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.open = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.inside += 1
        self.most = max(self.most, self.inside)
        try:
            await self.open.wait()
        finally:
            self.inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})


async def _burst(limit: InFlightLimit, gate: Gate, n: int, path: str = "/api/v1/cases", release_after: float = 0.3):
    transport = httpx.ASGITransport(app=limit)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        calls = [asyncio.create_task(client.get(path)) for _ in range(n)]
        await asyncio.sleep(release_after)
        inside_before_release = gate.inside
        gate.open.set()
        return inside_before_release, await asyncio.gather(*calls)


def test_beyond_the_limit_and_the_queue_requests_are_503_at_once_the_queued_get_in():
    gate = Gate()
    limit = InFlightLimit(gate, limit=2, queue=3, wait_seconds=5)
    inside, answers = asyncio.run(_burst(limit, gate, 8))
    codes = sorted(r.status_code for r in answers)
    assert inside == 2 and gate.most == 2  # never more than the limit inside
    assert codes == [200] * 5 + [503] * 3  # two inside + three queued served; three refused at once
    busy = next(r for r in answers if r.status_code == 503)
    assert busy.headers["retry-after"] == "5" and busy.json() == {"detail": BUSY}
    assert limit.active == 0 and not limit.waiters and limit.rejected == 3


def test_a_request_queued_longer_than_queue_seconds_is_503_and_its_place_is_not_lost():
    gate = Gate()
    limit = InFlightLimit(gate, limit=1, queue=5, wait_seconds=0.1)
    inside, answers = asyncio.run(_burst(limit, gate, 3, release_after=0.5))
    assert inside == 1 and sorted(r.status_code for r in answers) == [200, 503, 503]
    assert limit.active == 0 and not limit.waiters
    limit.app = gate = Gate()  # a new event loop below: a new gate for it
    inside, again = asyncio.run(_burst(limit, gate, 1, release_after=0.05))  # nothing leaked: a new one gets in
    assert inside == 1 and [r.status_code for r in again] == [200]


def test_web_pages_get_a_chinese_page_and_the_health_check_is_never_refused():
    gate = Gate()
    limit = InFlightLimit(gate, limit=1, queue=0, wait_seconds=1)
    _, answers = asyncio.run(_burst(limit, gate, 2, path="/cases"))
    refused = next(r for r in answers if r.status_code == 503)
    assert refused.headers["content-type"].startswith("text/html") and BUSY in refused.text
    limit.app = gate = Gate()
    inside, health = asyncio.run(_burst(limit, gate, 3, path="/healthz"))
    assert inside == 3 and [r.status_code for r in health] == [200, 200, 200]  # not counted


async def _thread_tokens() -> float:
    return anyio.to_thread.current_default_thread_limiter().total_tokens


def test_the_app_sizes_its_pool_and_threads_to_the_limit(tmp_path):
    settings = get_settings().model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'x.db'}", "max_in_flight": 48, "max_queued": 7}
    )
    app = create_app(settings)
    pool = app.state.engine.pool
    assert pool.size() >= 48 and pool.timeout() == 10
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        tokens = client.portal.call(_thread_tokens)  # type: ignore[union-attr]
        assert tokens >= 48
    limit = next(m for m in app.user_middleware if m.cls is InFlightLimit)
    assert limit.kwargs["limit"] == 48 and limit.kwargs["queue"] == 7


def test_a_pool_timeout_is_503_with_retry_after_never_a_500(engine, login):
    app = create_app(get_settings(), engine=engine)

    @app.get("/api/v1/_pool_exhausted_for_test")
    def exhausted() -> None:
        raise sa.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached")

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/v1/_pool_exhausted_for_test", headers=login("window1"))
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert json.loads(r.text) == {"detail": BUSY}


@pytest.mark.parametrize("queued", [0, 2])
def test_limit_counts_return_to_zero_after_client_disconnects(queued):
    gate = Gate()
    limit = InFlightLimit(gate, limit=1, queue=queued, wait_seconds=5)

    async def abandon() -> None:
        transport = httpx.ASGITransport(app=limit)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            calls = [asyncio.create_task(client.get("/api/v1/cases")) for _ in range(1 + queued)]
            await asyncio.sleep(0.2)
            for c in calls:
                c.cancel()  # the clients go away while inside or waiting
            await asyncio.gather(*calls, return_exceptions=True)

    asyncio.run(abandon())
    assert limit.active == 0 and not limit.waiters
