"""A court's webhook receives the parties' identity numbers and phones whole only over https; over
plain http (development only) the same push arrives with every one of them masked, still signed.

Both receivers are real servers on 127.0.0.1: the http one of handoff_support, and an https one with a
certificate made for the test, which the delivery trusts (the only thing the test changes is the
trust anchor of the client)."""

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.engine import Engine
from sqlmodel import Session

from states.enums import State, Trigger
from tests.factories import COURT, ID_A, T0, actor, confirmation_request, make_case
from tests.privacy_support import ID_AGENT, PHONE_A, PHONE_IN_TEXT, texts_with_numbers, whole_numbers
from tests.workflows.handoff_support import Receiver, receiver, webhook
from workflows.engine import fire
from workflows.outbox import webhooks

SECRET = "court-shared-secret-0123456789"
T1 = T0 + timedelta(hours=4)  # make_case reaches `agreement` at T0 + 3 h


def _hand_off(engine: Engine) -> None:
    """A case with a phone in its summary, handed to the court with an agent for 李四."""
    with Session(engine, expire_on_commit=False) as session:
        case = make_case(session, state=State.AGREEMENT, summary=texts_with_numbers()["summary"])
        agent = {"party": 1, "name": "赵六", "id_number": ID_AGENT, "authority": "special"}
        fire(
            session,
            case_id=case.id,
            trigger=Trigger.REQUEST_CONFIRMATION,
            actor=actor(session, "mediator1"),
            payload=confirmation_request(applicants=[0], agents=[agent]),
            now=T1,
        )


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "court.pem", directory / "court-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@contextmanager
def tls_receiver(secret: str, directory: Path) -> Iterator[tuple[str, Receiver, webhooks.Post]]:
    """An https receiver on 127.0.0.1, and a delivery function that trusts its certificate."""
    cert_file, key_file = _self_signed(directory)
    rec = Receiver(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(rec.handle(self.headers, body))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    trust = ssl.create_default_context(cafile=str(cert_file))

    def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        return httpx2.post(
            url, content=body, headers=headers, timeout=webhooks.TIMEOUT_SECONDS, verify=trust
        ).status_code

    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/jiefen/hook", rec, post
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _delivered(engine: Engine, rec: Receiver, post: webhooks.Post = webhooks.http_post) -> dict[str, Any]:
    with Session(engine) as session:
        report = webhooks.deliver_pending(session, now=T1 + timedelta(minutes=1), post=post)
    assert len(report.delivered) == 1 and rec.bad_signatures == 0, (report, rec.requests)
    [body] = rec.recorded.values()
    return body


def test_a_push_over_http_carries_every_number_masked(engine: Engine) -> None:
    with receiver(SECRET) as (url, rec), webhook(engine, COURT, url, SECRET):
        _hand_off(engine)
        body = _delivered(engine, rec)
    raw = json.dumps(body, ensure_ascii=False)
    assert whole_numbers(raw) == []
    package = body["package"]
    assert package["case_no"] and package["agreement"]["obligations"][0]["amount"] == "8500.00"
    applicant = package["applicants"][0]
    assert (applicant["name"], applicant["id_number"], applicant["phone"]) == (
        "张三",
        ID_A[:6] + "********" + ID_A[-4:],
        PHONE_A[:3] + "****" + PHONE_A[-4:],
    )
    assert package["joint_application"]["agents"][0]["id_number"] == ID_AGENT[:6] + "********" + ID_AGENT[-4:]
    assert PHONE_IN_TEXT not in package["summary"] and "137****1111" in package["summary"]
    assert all(d["pdf"].endswith(f"/{d['id']}/pdf") for d in package["documents"])  # ids left whole


def test_a_push_over_https_carries_the_numbers_whole(engine: Engine, tmp_path: Path) -> None:
    with tls_receiver(SECRET, tmp_path) as (url, rec, post), webhook(engine, COURT, url, SECRET):
        _hand_off(engine)
        body = _delivered(engine, rec, post)
    package = body["package"]
    applicant = package["applicants"][0]
    assert (applicant["id_number"], applicant["phone"]) == (ID_A, PHONE_A)
    assert package["joint_application"]["agents"][0]["id_number"] == ID_AGENT
    assert PHONE_IN_TEXT in package["summary"]
