"""The parties' messages against real servers on 127.0.0.1: the local fake SMS provider over HTTP
(workflows/notify/fake_sms.py) and a real SMTP server (aiosmtpd) that keeps what it receives."""

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from models.settings import get_settings


@dataclass
class Mailbox:
    """What the SMTP server received: (envelope recipients, parsed message) per mail."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse_next: int = 0  # answer 451 (try again later) to the next N mails
    unknown: set[str] = field(default_factory=set)  # recipients answered 550 (no such mailbox)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.unknown:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 4.3.0 mailbox busy, try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setenv("JIEFEN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JIEFEN_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("JIEFEN_SMTP_FROM", "notice@centre.example.cn")
    get_settings.cache_clear()
    try:
        yield box
    finally:
        controller.stop()
        get_settings.cache_clear()
