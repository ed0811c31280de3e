"""A local fake SMS provider over HTTP, for tests and development (JIEFEN_SMS_PROVIDER=fake).

    python -m workflows.notify.fake_sms --port 8025

POST /sms with `{"phone", "template", "params", "text"}` records the message and answers `{"id": …}`;
GET /sms lists what was received (oldest first); DELETE /sms forgets it all. `FakeSms` runs the same
server in a thread for tests (`with FakeSms() as sms: … sms.messages`). Nothing real is ever sent.
"""

import argparse
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # phones never in a log
        return

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        if self.path != "/sms":
            return self._answer(404, {"detail": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        try:
            message = json.loads(self.rfile.read(length))
        except ValueError:
            return self._answer(400, {"detail": "body is not JSON"})
        if self.server.fail_next > 0:
            self.server.fail_next -= 1
            return self._answer(503, {"detail": "unavailable"})
        message["id"] = uuid.uuid4().hex
        with self.server.lock:
            self.server.messages.append(message)
        self._answer(200, {"id": message["id"]})

    def do_GET(self) -> None:
        if self.path != "/sms":
            return self._answer(404, {"detail": "not found"})
        with self.server.lock:
            self._answer(200, list(self.server.messages))

    def do_DELETE(self) -> None:
        with self.server.lock:
            self.server.messages.clear()
        self._answer(200, {"cleared": True})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.messages: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.fail_next = 0  # answer 503 to the next N sends (tests of retry)


class FakeSms:
    """The fake provider in a background thread on 127.0.0.1 (port 0: any free port)."""

    def __init__(self, port: int = 0) -> None:
        self._server = _Server(("127.0.0.1", port))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/sms"

    @property
    def messages(self) -> list[dict[str, Any]]:
        with self._server.lock:
            return list(self._server.messages)

    def fail_next(self, n: int) -> None:
        self._server.fail_next = n

    def __enter__(self) -> "FakeSms":
        self._thread.start()
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="jiefen 本地模拟短信服务（不发送真实短信）")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args()
    server = _Server(("127.0.0.1", args.port))
    print(f"fake SMS provider on http://127.0.0.1:{args.port}/sms")
    server.serve_forever()


if __name__ == "__main__":
    main()
