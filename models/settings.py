"""Settings from the environment (JIEFEN_*). Secrets left at their default are refused outside development.

A refused setting is reported by its variable and the rule it broke, never by its value: a value may be a
secret (JIEFEN_SECRET_KEY, a password inside JIEFEN_DATABASE_URL), and errors end up in terminals and logs."""

from datetime import time
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "jiefen-development-secret-do-not-use-in-production"
ENV_PREFIX = "JIEFEN_"

# The largest body a valid request can have, with room to spare: `reach_agreement` with its 100
# obligations of 5,000-character descriptions is 3.3 MB as ASCII-escaped JSON (1.7 MB as UTF-8); the web
# agreement form with 50 obligations is 2.5 MB percent-encoded, the intake form with 200 parties 1.4 MB.
# A limit below that would refuse requests the schemas accept; everyday requests are a few kilobytes.
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024


IPNetwork = IPv4Network | IPv6Network

# The SMS templates the centre sends (their wording: workflows/notify/templates.py), each of which needs
# a template code at a provider such as Alibaba Cloud (JIEFEN_SMS_TEMPLATES).
SMS_TEMPLATE_NAMES = (
    "otp",
    "case_opened",
    "case_diverted",
    "mediation_accepted",
    "agreement_reached",
    "confirmation_granted",
    "confirmation_refused",
    "confirmation_window_reminder",
    "mediation_ended",
)


def _parse_networks(text: str) -> tuple[IPNetwork, ...]:
    return tuple(ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


class SettingsError(ValueError):
    """The environment's settings were refused: each variable named with the rule it broke, no value."""


class Settings(BaseSettings):
    # hide_input_in_errors: a ValidationError never carries the refused value (pydantic's input_value).
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", hide_input_in_errors=True)

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./jiefen.db"
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    timezone: str = "Asia/Shanghai"
    token_minutes: int = Field(default=480, ge=5, le=24 * 60)
    sweep_seconds: int = Field(default=30, ge=1)
    # People's mediation has no statutory period (人民调解法); 人民调解工作若干规定 第33条 "一般在一个月内
    # 调结" is guidance, counted as a month (民法典 第202条), after which the case is flagged for
    # supervision. Local rules differ: a number of months, or (JIEFEN_MEDIATION_DEFAULT_DAYS) of days.
    mediation_default_months: int = Field(default=1, ge=1, le=12)
    mediation_default_days: int | None = Field(default=None, ge=1, le=365)
    # The days (of the clock's own unit) by which `extend` may lengthen one mediation clock in total. No
    # statute caps it: 特邀调解规定 第27条 and 医疗纠纷预防和处理条例 第38条 allow extension by both parties'
    # consent, 人民调解法 sets no period at all. The default lets a clock run at most one more month of
    # days beside the people's-mediation month (人民调解工作若干规定 第33条 "一般在一个月内调结"); 0: no extension.
    mediation_max_extension_days: int = Field(default=30, ge=0, le=365)
    # The 45-working-day consumer clock (市场监督管理投诉举报处理暂行办法 第21条) governs the market
    # regulator's administrative mediation alone. The organization kinds have no such kind: a centre
    # whose consumer mediation is the regulator's turns it on; otherwise consumer cases get the
    # people's-mediation month.
    consumer_administrative_mediation: bool = False
    # Diversion acceptance: no national figure (docs/legal-reference.md §6, U); 3 working days by default.
    diversion_acceptance_working_days: int = Field(default=3, ge=1, le=60)
    # The court's decision on judicial confirmation: "statute" = 30 days (民事诉讼法 第187条);
    # "spc2011" = 15 days, +10 with the president's approval (法释〔2011〕5号 第5条; in force: unverified).
    court_decision_profile: Literal["statute", "spc2011"] = "statute"
    # Labour arbitration: whether the committee's 5 days to decide on acceptance (劳动争议调解仲裁法 第29条) are
    # working days, as 劳动人事争议仲裁办案规则 第19条 reads them (unverified), or calendar days. Working days end
    # later, so the applicant's right to sue for want of a decision never opens early.
    labour_arbitration_acceptance_working_days: bool = True
    # Follow-up visit (回访) after closing: no national figure (docs/legal-reference.md §1), so none by default;
    # N > 0 opens an N-day 回访 clock when a case closes.
    followup_days: int = Field(default=0, ge=0, le=365)
    # 时效: a case's limitation period is flagged "near" when at most this many days of it were left on the
    # day mediation was requested (or are left today, for a period running again after mediation failed).
    limitation_warning_days: int = Field(default=90, ge=0, le=3650)
    # Deadlines fired per transaction by the sweep.
    sweep_batch_size: int = Field(default=500, ge=1, le=10_000)
    # Where a request comes from behind a proxy is not trusted for anything; kept for logs only.
    log_level: str = "INFO"
    # "text": uvicorn's lines as they are; "json": one JSON object per line (time, level, logger, message,
    # request_id, and the access line's fields), for a log collector. Both are scrubbed (api.logs).
    log_format: Literal["text", "json"] = "text"
    # GET /metrics (Prometheus, api/metrics.py): open outside production; in production served only to a
    # request bearing this token (Authorization: Bearer …) or coming from one of these addresses or networks
    # (comma-separated, e.g. "10.0.0.5,10.1.0.0/16"; the client address after the trusted proxies of
    # JIEFEN_FORWARDED_ALLOW_IPS), and answered 404 when neither is set.
    metrics_token: SecretStr | None = None
    metrics_allow: str = ""
    # Documents: signing keys (`jiefen keys init`), the address the QR code points to, how often a failing
    # render is retried before the row is marked failed. The API process never renders: the render worker
    # (`jiefen serve` starts one; `jiefen documents work` alone) looks for due documents every
    # render_poll_seconds, claims up to render_batch at a time for render_claim_seconds (a claim of a
    # renderer that died lapses then), and runs at `nice` render_nice so requests come first on a busy host.
    # How a party asks about their case, printed on the 受理回执 (intake_receipt) handed out at the window: the
    # centre's phone and address as the centre writes them (e.g. "咨询电话：…；地址：…"). The organizations
    # hold no phone or address, so until it is set the receipt sends the party back to the window.
    enquiry_contact: str = Field(default="请向受理窗口咨询", min_length=1, max_length=300)
    # The centre's name as the parties' SMS and emails say it (workflows/notify/templates.py).
    centre_name: str = Field(default="矛盾纠纷调解中心", min_length=1, max_length=40)
    keys_dir: str = "./.jiefen/keys"
    public_url: str = "http://127.0.0.1:8000"
    render_max_attempts: int = Field(default=5, ge=1, le=100)
    render_poll_seconds: float = Field(default=0.5, ge=0.05, le=60)
    render_batch: int = Field(default=10, ge=1, le=500)
    render_claim_seconds: int = Field(default=300, ge=30, le=86_400)
    render_nice: int = Field(default=10, ge=0, le=19)
    # Requests served at once by one API process (api.middleware.InFlightLimit), and how many more may wait
    # up to queue_seconds for a place; past that a request is answered 503 with Retry-After at once, never
    # left to hang. The database pool is sized to the limit, so a request never waits for a connection:
    # on PostgreSQL, keep workers × (max_in_flight + 4) under the server's max_connections.
    max_in_flight: int = Field(default=32, ge=1, le=1000)
    max_queued: int = Field(default=64, ge=0, le=10_000)
    queue_seconds: float = Field(default=5.0, ge=0, le=120)
    # `jiefen serve --workers N`: how long uvicorn's supervisor waits for an API process to answer its
    # health check before killing it and starting another. uvicorn's own 5 s killed every process in a
    # loop on a host loaded enough that starting Python and importing the app took longer.
    worker_healthcheck_seconds: int = Field(default=30, ge=5, le=600)
    # Court webhooks (workflows/outbox/webhook_address.py): loopback, link-local, multicast and other special
    # addresses are refused always; private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) only
    # when the courts' network is one. Loopback is allowed for the test suite's own receivers alone: the
    # setting counts only with JIEFEN_ENV=test.
    webhook_allow_private: bool = False
    # Messages to the parties (workflows/notify): the SMS provider — none (nothing sent), fake (the local
    # fake provider over HTTP, JIEFEN_SMS_FAKE_URL) or aliyun (Alibaba Cloud SMS).
    sms_provider: Literal["none", "fake", "aliyun"] = "none"
    sms_fake_url: str = "http://127.0.0.1:8025/sms"
    # No SMS is sent in these hours (local time, JIEFEN_TIMEZONE): a message due then waits for their end.
    # "HH:MM-HH:MM", across midnight when the start is later; empty: none.
    sms_quiet_hours: str = "21:00-08:00"
    # Alibaba Cloud SMS (workflows/notify/aliyun.py): the RAM user's AccessKey, the approved signature
    # (签名), each template's code (JSON: {"case_opened": "SMS_123456789", …}) and the endpoint.
    sms_aliyun_access_key_id: str | None = None
    sms_aliyun_access_key_secret: SecretStr | None = None
    sms_sign_name: str | None = None
    sms_templates: dict[str, str] = Field(default_factory=dict)
    sms_aliyun_endpoint: str = "https://dysmsapi.aliyuncs.com"
    # Email to the parties over SMTP (workflows/notify/deliver.py); no host: emails fail, naming why.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_from: str | None = None
    # The parties' portal (/p/): how long a party's session lasts after proving a phone with a one-time code.
    portal_session_minutes: int = Field(default=30, ge=5, le=240)
    # Where a party reaches the portal: the case code's QR on the 受理回执 and the acceptance notice points to
    # {public_base_url}/p/c/{code} (default: JIEFEN_PUBLIC_URL, the address the documents' QR codes use).
    public_base_url: str | None = None
    # The county (6-digit administrative code) whose centre takes online applications (/p/apply): the
    # region of every case applied for online. Outside development and test /p/apply refuses until set.
    portal_region: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    # One-time codes (验证码): how long one lives, and how many wrong tries kill it.
    otp_minutes: int = Field(default=5, ge=1, le=30)
    otp_max_attempts: int = Field(default=5, ge=1, le=20)
    # Portal throttles (fixed windows in the database, shared by every process): codes sent to one phone
    # (at most one per otp_send_interval_seconds and otp_sends_per_hour an hour); case lookups per case code
    # and per client address, and code verifications per address, each per portal_window_seconds.
    otp_send_interval_seconds: int = Field(default=60, ge=1, le=3600)
    otp_sends_per_hour: int = Field(default=5, ge=1, le=100)
    portal_lookups_per_code: int = Field(default=10, ge=1, le=10_000)
    portal_lookups_per_address: int = Field(default=10, ge=1, le=10_000)
    portal_verifications_per_address: int = Field(default=20, ge=1, le=10_000)
    portal_applications_per_address: int = Field(default=10, ge=1, le=10_000)
    portal_window_seconds: int = Field(default=600, ge=1, le=24 * 3600)
    # A case lookup answers no sooner than this, whether a code was sent or not (the same time either way).
    portal_lookup_min_seconds: float = Field(default=1.0, ge=0, le=10)
    webhook_allow_loopback: bool = False
    # Requests whose body is larger are answered 413 before the body is read (api.middleware.BodyLimit).
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=16 * 1024, le=1024 * 1024 * 1024)
    # The addresses of the reverse proxies whose X-Forwarded-Proto/-For `jiefen serve` believes (uvicorn's
    # forwarded_allow_ips: comma-separated addresses or networks, "*" for any). Only a request that came
    # over TLS gets Strict-Transport-Security and Secure cookies, so a proxy that terminates TLS must be
    # named here. The default trusts the local machine alone, as uvicorn does.
    forwarded_allow_ips: str = "127.0.0.1"
    # /docs and /openapi.json: served outside production; in production only when set to true.
    api_docs: bool | None = None
    # The audit log (docs/audit.md): the key of the keyed hash chain, a file outside the database
    # (default <keys_dir>/audit.key; `jiefen keys init` makes it, and outside production it is made on
    # first use), the directory of the signed checkpoints of every case head (an append-only file:
    # put it on storage the database's writers cannot rewrite), and how often the embedded scheduler
    # writes one (0 = never; `jiefen audit checkpoint` writes one at any time).
    audit_key_file: str | None = None
    audit_checkpoint_dir: str = "./.jiefen/checkpoints"
    audit_checkpoint_seconds: int = Field(default=3600, ge=0, le=7 * 24 * 3600)
    # Login throttle: wrong passwords counted in the database (all processes share the count) per username
    # and per client address in a fixed window; at the limit further logins are refused (429) until the
    # window ends. NIST SP 800-63B §5.2.2 asks for at most 100 consecutive failures per account; 5 per 15
    # minutes is the usual OWASP figure. An office behind one NAT address shares the address count.
    login_failures_per_user: int = Field(default=5, ge=1, le=100)
    login_failures_per_address: int = Field(default=20, ge=1, le=10_000)
    login_failure_window_seconds: int = Field(default=15 * 60, ge=1, le=24 * 3600)
    # Argon2 runs in a pool of its own, off the request threads: its size (default: half the CPUs, at least
    # one) and how many logins may wait for it or run in it (default 4 per worker) before the next is
    # answered 503 at once instead of queueing.
    login_hash_workers: int | None = Field(default=None, ge=1, le=256)
    login_hash_queue: int | None = Field(default=None, ge=1, le=10_000)
    # Passwords (production only; development and test accept any non-empty password): at least this many
    # characters (OWASP ASVS 4.0 §2.1.1: 12), and not common — zxcvbn's strength score (0-4, from its
    # lists of common passwords, words, names, keyboard patterns, dates and repeats) at least this
    # (NIST SP 800-63B §5.1.1.2: refuse commonly used and expected values).
    password_min_length: int = Field(default=12, ge=8, le=128)
    password_min_score: int = Field(default=3, ge=0, le=4)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError("JIEFEN_TIMEZONE: unknown time zone (an IANA name, e.g. Asia/Shanghai)") from e
        return v

    @model_validator(mode="after")
    def _no_default_secret_outside_development(self) -> "Settings":
        secret = self.secret_key.get_secret_value()
        if self.env != "development":
            if secret == DEV_SECRET:
                raise ValueError(
                    "JIEFEN_SECRET_KEY is still the development default; set a secret of your own "
                    f"(JIEFEN_ENV={self.env})"
                )
            if len(secret) < 32:
                raise ValueError("JIEFEN_SECRET_KEY must be at least 32 characters outside development")
            token = self.metrics_token.get_secret_value() if self.metrics_token is not None else None
            if token is not None and (len(token) < 32 or token == secret or len(set(token)) < 8):
                raise ValueError(
                    "JIEFEN_METRICS_TOKEN must be at least 32 characters of its own (not JIEFEN_SECRET_KEY, "
                    "not one character repeated) outside development"
                )
        if self.env != "development" and self.sms_provider == "aliyun":
            _refuse_incomplete_aliyun(self)
        if self.env != "development" and self.smtp_host and "@" not in (self.smtp_from or ""):
            raise ValueError("JIEFEN_SMTP_HOST is set: JIEFEN_SMTP_FROM must be the sender's address (name@domain)")
        return self

    @field_validator("sms_quiet_hours")
    @classmethod
    def _quiet_hours(cls, v: str) -> str:
        try:
            parse_quiet_hours(v)
        except ValueError as e:
            raise ValueError("JIEFEN_SMS_QUIET_HOURS: HH:MM-HH:MM (e.g. 21:00-08:00), or empty for none") from e
        return v

    @property
    def quiet_hours(self) -> tuple[time, time] | None:
        return parse_quiet_hours(self.sms_quiet_hours)

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, v: str) -> str:
        try:
            _parse_networks(v)
        except ValueError as e:
            raise ValueError("JIEFEN_METRICS_ALLOW: addresses or networks (CIDR), comma-separated") from e
        return v

    @property
    def metrics_networks(self) -> tuple[IPNetwork, ...]:
        return _parse_networks(self.metrics_allow)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def portal_base_url(self) -> str:
        return (self.public_base_url or self.public_url).rstrip("/")

    @property
    def webhook_loopback_allowed(self) -> bool:
        return self.webhook_allow_loopback and self.env == "test"

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.env != "production"

    @property
    def audit_key_path(self) -> Path:
        return Path(self.audit_key_file) if self.audit_key_file else Path(self.keys_dir) / "audit.key"


def parse_quiet_hours(v: str) -> tuple[time, time] | None:
    if not v.strip():
        return None
    start, end = (time.fromisoformat(p.strip()) for p in v.split("-"))
    if start == end:
        raise ValueError("empty quiet hours")
    return start, end


def _refuse_incomplete_aliyun(s: Settings) -> None:
    """Alibaba Cloud SMS outside development: every setting it needs, named when missing (never a value)."""
    missing = [
        name
        for name, value in (
            ("JIEFEN_SMS_ALIYUN_ACCESS_KEY_ID", s.sms_aliyun_access_key_id),
            ("JIEFEN_SMS_ALIYUN_ACCESS_KEY_SECRET", s.sms_aliyun_access_key_secret),
            ("JIEFEN_SMS_SIGN_NAME", s.sms_sign_name),
        )
        if not value or (isinstance(value, SecretStr) and not value.get_secret_value())
    ]
    if missing:
        raise ValueError(f"JIEFEN_SMS_PROVIDER=aliyun needs {', '.join(missing)}")
    lacking = [t for t in SMS_TEMPLATE_NAMES if t not in s.sms_templates]
    if lacking:
        raise ValueError(f"JIEFEN_SMS_TEMPLATES lacks a template code for: {', '.join(lacking)}")


def describe_refusal(error: ValidationError) -> str:
    """One line per refused setting: its variable and the rule, without the value (nor pydantic's URL)."""
    lines = []
    for e in error.errors(include_url=False, include_input=False, include_context=False):
        loc = [str(p) for p in e["loc"]]
        name = f"{ENV_PREFIX}{loc[0].upper()}" if loc else ""
        msg = e["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {msg}" if name and not msg.startswith(name) else msg)
    return "; ".join(lines)


@lru_cache
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as e:
        raise SettingsError(f"settings refused: {describe_refusal(e)}") from None
