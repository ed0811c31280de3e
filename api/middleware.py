"""What every request and response goes through first: the body limit.

Both are pure ASGI middleware, so they see the request before anything reads its body and every response
the app sends, whatever produced it (a route, an exception handler, a mount, the other middleware)."""

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """The request body passed the limit while it was being read."""


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyLimit:
    """Refuses a request body larger than `max_bytes` with 413 before it is read: at once on its
    Content-Length, or, for a body sent without one (chunked), as soon as the bytes read pass the limit.
    The 413 closes the connection, so nothing more of the body is read."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.refusal = json.dumps({"detail": f"请求体过大：不得超过 {max_bytes} 字节"}, ensure_ascii=False).encode()

    async def refuse(self, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(self.refusal)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": self.refusal})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self.refuse(send)
            return

        received = 0
        exceeded = app_started = refused = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:  # the app polls again (e.g. for a disconnect): there is nothing more for it
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal app_started, refused
            if exceeded and not app_started:
                # Whatever the app answers to a body it could not read whole (FastAPI: 400), the answer is 413.
                if not refused:
                    refused = True
                    await self.refuse(send)
                return
            if message["type"] == "http.response.start":
                app_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            if app_started:  # a response already under way cannot become a 413: the server drops the connection
                raise
            if not refused:
                refused = True
                await self.refuse(send)
