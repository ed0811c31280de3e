"""What every request and response goes through first: the body limit and the security headers.

Both are pure ASGI middleware, so they see the request before anything reads its body and every response
the app sends, whatever produced it (a route, an exception handler, a mount, the other middleware)."""

import json

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The web screens load only the app's own files (one stylesheet, one script), hold no inline script, no
# inline style and no plugin, and may not be framed: default-src 'self' covers scripts, styles, images and
# the screens' fetch() calls; the rest closes what default-src does not.
CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
# Chrome shows an inline PDF through an <embed> in a page of its own making that the PDF's own CSP governs
# (crbug.com/271452): object-src 'none' blocks the viewer and default-src 'self' breaks its inline styles. A
# PDF runs none of the origin's script, so its responses keep only the framing rule.
PDF_CSP = "frame-ancestors 'none'"
# HTTPS only, for a year, once a browser has reached the centre over TLS. No includeSubDomains: other
# services of the centre's domain are not jiefen's to bind.
HSTS = "max-age=31536000"
# The case URLs (/cases/<id>) and searches (/cases?q=<phone>) stay on this site: same-origin rather than
# no-referrer, because no-referrer also turns a form post's Origin header into "null".
REFERRER_POLICY = "same-origin"


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


class SecurityHeaders:
    """Adds the security headers to every response: CSP (unless the route set its own, as /docs does),
    framing, sniffing and referrer rules; Cache-Control: no-store on everything but static files, since
    pages and API answers hold personal data; HSTS only on a request that came over TLS (the scheme after
    the trusted proxy's X-Forwarded-Proto)."""

    def __init__(self, app: ASGIApp, *, static_prefixes: tuple[str, ...]) -> None:
        self.app, self.static_prefixes = app, static_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(self.static_prefixes)
        tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                pdf = headers.get("content-type", "").startswith("application/pdf")
                headers.setdefault("content-security-policy", PDF_CSP if pdf else CSP)
                headers["x-frame-options"] = "DENY"
                headers["x-content-type-options"] = "nosniff"
                headers["referrer-policy"] = REFERRER_POLICY
                if not static:
                    headers["cache-control"] = "no-store"
                if tls:
                    headers["strict-transport-security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)
