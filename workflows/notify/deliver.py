"""Delivering the parties' SMS and email from the outbox, after commit (the flow `notifications_deliver`,
which the embedded scheduler runs every tick).

    deliver_messages(engine)   # -> {"delivered": 3, "retrying": 1, "failed": 0, "deferred": 2}

Each due `party_sms` / `party_email` row is claimed (workflows/outbox/notices.py: lease, SKIP LOCKED),
sent, and settled: delivered; retried with exponential backoff on a retryable failure (a provider or mail
server unavailable); `failed` after MAX_ATTEMPTS or at once when no retry can help (a refusal, nothing
configured), listed for supervisors with the reason. A reason never holds the phone or address.

Quiet hours (JIEFEN_SMS_QUIET_HOURS, local time): a pass inside them sends no SMS; every SMS due is moved
to the end of the quiet hours, no attempt counted. Emails go at any hour.
"""

import logging
import smtplib
import ssl
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from sqlmodel import Session

from models.db import write_transaction
from models.privacy import scrub
from models.settings import Settings, get_settings
from workflows.notify.errors import SmsError
from workflows.notify.party import EMAIL, SMS
from workflows.notify.sms import provider
from workflows.notify.templates import render_email
from workflows.outbox import notices
from workflows.outbox.notices import NOTIFICATIONS, DeliveryReport

log = logging.getLogger("jiefen.notify")
SMTP_TIMEOUT_SECONDS = 15.0


class MailError(Exception):
    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def quiet_until(now: datetime, settings: Settings) -> datetime | None:
    """The end of the quiet hours `now` falls in (UTC), or None when SMS may go now."""
    hours = settings.quiet_hours
    if hours is None:
        return None
    start, end = hours
    local = now.astimezone(settings.tz)
    t = local.time().replace(tzinfo=None)
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=settings.tz).astimezone(UTC)


def defer_quiet_sms(session: Session, now: datetime, until: datetime) -> int:
    """Every SMS due now waits for the end of the quiet hours (no attempt counted)."""
    c = NOTIFICATIONS.c
    with write_transaction(session) as conn:
        moved = conn.execute(
            NOTIFICATIONS.update()
            .where(c.kind == SMS, c.status == "pending", c.next_attempt_at <= now)
            .values(next_attempt_at=until)
        )
    return int(moved.rowcount or 0)


def send_email(settings: Settings, to: str, template: str, params: dict[str, str]) -> None:
    """One plain-text email over SMTP (STARTTLS when set, login when a user is set); MailError otherwise,
    whose reason names neither the address nor the server's words about it."""
    if not settings.smtp_host or not settings.smtp_from:
        raise MailError("邮件未配置（JIEFEN_SMTP_HOST、JIEFEN_SMTP_FROM）", retryable=False)
    subject, body = render_email(template, params, enquiry=settings.enquiry_contact.strip())
    message = EmailMessage()
    message["From"] = formataddr((params.get("centre", ""), settings.smtp_from))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(body, charset="utf-8")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                smtp.login(settings.smtp_user, password)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as e:
        codes = sorted({code for code, _ in e.recipients.values()})
        raise MailError(f"邮件服务器拒收收件人（SMTP {codes[0] if codes else ''}）", retryable=False) from None
    except smtplib.SMTPAuthenticationError as e:
        raise MailError(f"邮件服务器登录失败（SMTP {e.smtp_code}）", retryable=False) from None
    except smtplib.SMTPResponseException as e:
        raise MailError(f"邮件服务器拒绝发送（SMTP {e.smtp_code}）", retryable=e.smtp_code < 500) from None
    except (smtplib.SMTPException, OSError) as e:
        raise MailError(f"邮件服务器连接失败：{type(e).__name__}", retryable=True) from None


def _send(row: Any, settings: Settings) -> None:
    template, params = row.payload["template"], dict(row.payload.get("params") or {})
    if row.kind == SMS:
        provider().send(row.recipient, template, params)
    else:
        send_email(settings, row.recipient, template, params)


def deliver_pending(
    session: Session, *, now: datetime | None = None, limit: int = 100, max_attempts: int = notices.MAX_ATTEMPTS
) -> dict[str, int]:
    now = now or datetime.now(UTC)
    settings = get_settings()
    report = DeliveryReport()
    deferred = 0
    kinds: tuple[str, ...] = (SMS, EMAIL)
    until = quiet_until(now, settings)
    if until is not None:
        deferred = defer_quiet_sms(session, now, until)
        kinds = (EMAIL,)
    for _ in range(limit):
        row = notices.claim_next(session, kinds=kinds, now=now)
        if row is None:
            break
        error, final = None, False
        try:
            _send(row, settings)
        except (SmsError, MailError) as e:
            error, final = scrub(e.reason.replace(row.recipient, "***"))[:500], not e.retryable
        except Exception as e:  # noqa: BLE001 - a bug or an unexpected answer: retried, the other messages go on
            error = f"发送失败：{type(e).__name__}"  # its words may hold the recipient: the type alone
            log.error("party message %s (%s): unexpected %s", row.id, row.kind, type(e).__name__)
        if error is not None:
            log.warning("party message %s (%s) not sent (attempt %s): %s", row.id, row.kind, row.attempts + 1, error)
        notices.settle(
            session, report, row.id, row.attempts, error=error, now=now, max_attempts=max_attempts, final=final
        )
    session.expire_all()
    return {**report.as_dict(), "deferred": deferred}


def deliver_messages(
    engine: Any, now: datetime | None = None, limit: int = 100, *, max_attempts: int = notices.MAX_ATTEMPTS
) -> dict[str, int]:
    """One delivery pass on its own session: what the flow `notifications_deliver` and the embedded scheduler run."""
    with Session(engine, expire_on_commit=False) as session:
        return deliver_pending(session, now=now, limit=limit, max_attempts=max_attempts)


__all__ = ["MailError", "deliver_messages", "deliver_pending", "quiet_until"]
