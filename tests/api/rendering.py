"""For TestClient tests that read rendered documents: the render worker, caught up after each write.

In a served centre the render worker is a process of its own (workflows/outbox/worker.py, started by
`jiefen serve`; tests/api/test_render_worker.py runs it for real). A TestClient test has no such process,
so this middleware plays its part in the test process: once a POST/PUT/PATCH/DELETE has been answered, it
renders what is due (workflows.outbox.documents.render_due — the same claim-and-render pass the worker
makes), so the next request sees the documents rendered, as a clerk would a moment later.
"""

from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from workflows.outbox.documents import render_due

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class RenderAfterWrites:
    def __init__(self, app: ASGIApp, engine: Any) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] in WRITES:
            await anyio.to_thread.run_sync(lambda: render_due(self.engine, limit=50))


def with_renderer(app: FastAPI) -> FastAPI:
    """`app`, its documents rendered after each write (before its first request: Starlette builds the
    middleware stack then)."""
    app.add_middleware(RenderAfterWrites, engine=app.state.engine)
    return app
