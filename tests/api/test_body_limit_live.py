"""The body limit on a real `jiefen serve` (uvicorn's own HTTP parsing), through raw sockets: a declared
length over the limit is refused before a byte of the body is sent; a chunked body is cut off once it
passes the limit; six 100 MB bodies leave the server's memory where it was."""

import json
import os
import socket
import subprocess
from collections.abc import Iterator

import httpx2
import pytest

from models.settings import DEFAULT_MAX_BODY_BYTES
from tests.api.conftest import demo_password
from tests.api.live import JIEFEN, Live, jiefen_serve
from tests.conftest import DEMO_SEED

MB = 1024 * 1024
HUGE = 100 * MB
# Six 100 MB bodies took the server from 0.43 to 1.37 GB before the limit; with it, the server reads at
# most the limit of each. Python keeps some freed memory, so a few MiB of slack.
RSS_SLACK_KIB = 24 * 1024


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("live")
    env = {"JIEFEN_DATABASE_URL": f"sqlite:///{tmp / 'jiefen.db'}", "JIEFEN_ENV": "test"}
    with jiefen_serve(tmp, env=env) as server:
        seeded = subprocess.run(
            [str(JIEFEN), "seed", str(DEMO_SEED)],
            env={**os.environ, **env},
            capture_output=True,
            timeout=120,
        )
        assert seeded.returncode == 0, seeded.stderr.decode()
        yield server


def connect(live: Live) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", live.port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def head(path: str, *, length: int | None = None, token: str | None = None, kind: str = "json") -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: " + ("application/json" if kind == "json" else "application/x-www-form-urlencoded"),
        f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked",
    ]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(s: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        part = s.recv(65536)
        assert part, f"connection closed before a response: {data!r}"
        data += part
    top, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = top.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
    while len(rest) < int(headers.get("content-length", "0")):
        part = s.recv(65536)
        if not part:
            break
        rest += part
    return int(status_line.split()[1]), headers, rest


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def refusal() -> dict[str, str]:
    return {"detail": f"请求体过大：不得超过 {DEFAULT_MAX_BODY_BYTES} 字节"}


def token(live: Live) -> str:
    r = httpx2.post(
        f"{live.url}/api/v1/auth/token", data={"username": "window1", "password": demo_password("window1")}, timeout=30
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(live: Live):
    with connect(live) as s:
        s.sendall(head("/api/v1/auth/token", length=HUGE, kind="form"))  # the headers alone, no body
        status, headers, body = read_response(s)
        assert status == 413 and json.loads(body) == refusal()
        assert headers["connection"] == "close"
        assert s.recv(1) == b""  # and the connection is closed: nothing more of the body is read


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(live: Live):
    with connect(live) as s:
        s.sendall(head("/api/v1/cases", token=token(live)))
        piece = b"[" + b"0," * (32 * 1024 - 1)  # 64 KiB chunks of a JSON array that never ends
        sent = 0
        while sent <= DEFAULT_MAX_BODY_BYTES:
            s.sendall(chunk(piece))
            sent += len(piece)
            piece = b"0," * (32 * 1024)
        status, _, body = read_response(s)
        assert status == 413 and json.loads(body) == refusal()
        assert s.recv(1) == b""


def test_a_chunked_body_under_the_limit_is_served(live: Live):
    with connect(live) as s:
        s.sendall(head("/api/v1/auth/token", kind="form"))
        form = b"username=window1&password=" + demo_password("window1").encode()
        s.sendall(chunk(form[:10]) + chunk(form[10:]) + b"0\r\n\r\n")
        status, _, body = read_response(s)
        assert status == 200 and "access_token" in json.loads(body)


def send_huge(live: Live, path: str, *, chunked: bool, token: str | None = None) -> int | None:
    """Sends a 100 MB body as an attacker would, whatever the server answers; the status if one came. A
    login form of 1 MiB fields (Starlette refuses a single field over 1 MiB by itself), or a JSON array."""
    form = path == "/api/v1/auth/token"
    block = b"f=" + b"a" * (MB - 3) + b"&" if form else b"0," * (MB // 2)
    with connect(live) as s:
        try:
            s.sendall(head(path, length=None if chunked else HUGE, token=token, kind="form" if form else "json"))
            for i in range(HUGE // MB):
                data = block if form or i else b"[" + block[1:]
                s.sendall(chunk(data) if chunked else data)
            if chunked:
                s.sendall(b"0\r\n\r\n")
            return read_response(s)[0]
        except (BrokenPipeError, ConnectionResetError, AssertionError):
            return None  # the server stopped reading: the connection was closed on us


def test_six_100_mb_bodies_leave_the_servers_memory_where_it_was(live: Live):
    bearer = token(live)
    for _ in range(3):  # warm up: the code paths involved, once each
        send_huge(live, "/api/v1/auth/token", chunked=True)
        httpx2.get(f"{live.url}/api/v1/cases", headers={"Authorization": f"Bearer {bearer}"}, timeout=30)
    before = live.rss_kib()
    answers = []
    for i in range(6):  # chunked, then with a Content-Length; to the login form and, signed in, to intake
        path = "/api/v1/auth/token" if i % 2 else "/api/v1/cases"
        answers.append(send_huge(live, path, chunked=i < 3, token=bearer))
    after = live.rss_kib()
    print(f"server RSS {before} KiB before six 100 MB bodies, {after} KiB after ({after - before:+d} KiB); {answers}")
    assert after - before < RSS_SLACK_KIB
    assert all(a in (413, None) for a in answers), answers  # refused, or cut off while still sending
    assert httpx2.get(f"{live.url}/healthz", timeout=10).status_code == 200
