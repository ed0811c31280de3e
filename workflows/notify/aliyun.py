"""Alibaba Cloud SMS: dysmsapi `SendSms` (API version 2017-05-25), requests signed with Alibaba Cloud's
signature method V3 (ACS3-HMAC-SHA256), which the current documentation asks every self-signed caller to use
("Request syntax and signature method V3", help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature).

The request: POST https://dysmsapi.aliyuncs.com/?PhoneNumbers=…&SignName=…&TemplateCode=…&TemplateParam=…
with an empty body, and the headers host, x-acs-action (SendSms), x-acs-version (2017-05-25), x-acs-date
(UTC, yyyy-MM-ddTHH:mm:ssZ), x-acs-signature-nonce (random, one per request), x-acs-content-sha256 (hex
SHA-256 of the body) and

    Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<names>,Signature=<hex>

where, by the documented algorithm:
    CanonicalRequest = METHOD \\n "/" \\n CanonicalQueryString \\n CanonicalHeaders \\n SignedHeaders \\n HashedPayload
    - CanonicalQueryString: parameters sorted by name, name and value percent-encoded (RFC 3986: only
      A-Z a-z 0-9 - _ . ~ left as they are; a space is %20), "name=value" joined with "&";
    - CanonicalHeaders: host, content-type and every x-acs-* header, names lower-cased, sorted, each
      "name:value\\n" (value trimmed); SignedHeaders: the same names joined with ";";
    StringToSign = "ACS3-HMAC-SHA256\\n" + hex(SHA-256(CanonicalRequest))
    Signature    = hex(HMAC-SHA256(AccessKeySecret, StringToSign))

The answer is JSON: Code "OK" with a BizId, or an error code. Throttling and Alibaba Cloud's own failures
are retryable; a refusal (a wrong number, template or signature, no balance) is not. No error names the phone.
"""

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import httpx2

from models.privacy import scrub
from models.settings import Settings
from workflows.notify.errors import SmsError

ALGORITHM = "ACS3-HMAC-SHA256"
ACTION, VERSION = "SendSms", "2017-05-25"
TIMEOUT_SECONDS = 10.0
# Codes after which the same message may be sent again later (throttled, or Alibaba Cloud failing).
RETRYABLE_CODES = frozenset(
    {
        "isp.SYSTEM_ERROR",
        "isp.GATEWAY_ERROR",
        "isv.BUSINESS_LIMIT_CONTROL",
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
        "ServiceUnavailable",
        "InternalError",
    }
)


def percent(value: str) -> str:
    """RFC 3986 percent-encoding, as the signature method V3 asks (a space is %20, ~ is left alone)."""
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))


def signed(
    method: str, path: str, query: str, headers: Mapping[str, str], payload_hash: str, secret: str
) -> tuple[str, str]:
    """(SignedHeaders, Signature) of a request: `headers` are the ones to sign (host, x-acs-*, content-type)."""
    names = sorted(k.lower() for k in headers)
    lowered = {k.lower(): v.strip() for k, v in headers.items()}
    canonical_headers = "".join(f"{n}:{lowered[n]}\n" for n in names)
    signed_headers = ";".join(names)
    request = "\n".join([method, path, query, canonical_headers, signed_headers, payload_hash])
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(request.encode()).hexdigest()}"
    return signed_headers, hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


class AliyunSms:
    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: Mapping[str, str],
        endpoint: str = "https://dysmsapi.aliyuncs.com",
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.access_key_id = access_key_id
        self._secret = access_key_secret
        self.sign_name = sign_name
        self.templates = dict(templates)
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> "AliyunSms":
        """Outside development settings validation refuses an incomplete configuration at startup; in
        development an incomplete one fails each message, saying what is missing."""
        secret = settings.sms_aliyun_access_key_secret
        if not settings.sms_aliyun_access_key_id or secret is None or not settings.sms_sign_name:
            raise SmsError(
                "阿里云短信未配置（JIEFEN_SMS_ALIYUN_ACCESS_KEY_ID、JIEFEN_SMS_ALIYUN_ACCESS_KEY_SECRET、JIEFEN_SMS_SIGN_NAME）"
            )
        return cls(
            access_key_id=settings.sms_aliyun_access_key_id,
            access_key_secret=secret.get_secret_value(),
            sign_name=settings.sms_sign_name,
            templates=settings.sms_templates,
            endpoint=settings.sms_aliyun_endpoint,
        )

    def request(
        self, phone: str, template: str, params: Mapping[str, str], *, at: datetime | None = None
    ) -> httpx2.Request:
        """The signed request for one message (built apart from sending, so that it can be inspected)."""
        code = self.templates.get(template)
        if not code:
            raise SmsError(f"未配置短信模板代码（JIEFEN_SMS_TEMPLATES：{template}）")
        query = canonical_query(
            {
                "PhoneNumbers": phone,
                "SignName": self.sign_name,
                "TemplateCode": code,
                "TemplateParam": json.dumps(dict(params), ensure_ascii=False, separators=(",", ":")),
            }
        )
        body = b""
        payload_hash = hashlib.sha256(body).hexdigest()
        headers = {
            "host": urlsplit(self.endpoint).netloc,
            "x-acs-action": ACTION,
            "x-acs-version": VERSION,
            "x-acs-date": (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "x-acs-signature-nonce": uuid.uuid4().hex,
            "x-acs-content-sha256": payload_hash,
        }
        names, signature = signed("POST", "/", query, headers, payload_hash, self._secret)
        authorization = f"{ALGORITHM} Credential={self.access_key_id},SignedHeaders={names},Signature={signature}"
        return httpx2.Request(
            "POST", f"{self.endpoint}/?{query}", headers={**headers, "Authorization": authorization}, content=body
        )

    def send(self, phone: str, template: str, params: Mapping[str, str]) -> str:
        request = self.request(phone, template, params)
        try:
            with httpx2.Client(timeout=self.timeout) as client:
                response = client.send(request)
        except httpx2.HTTPError as exc:
            raise SmsError(f"阿里云短信连接失败：{type(exc).__name__}", retryable=True) from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        code = str(answer.get("Code") or f"HTTP {response.status_code}")
        if response.status_code == 200 and code == "OK":
            return str(answer.get("BizId", ""))
        message = scrub(str(answer.get("Message") or ""))[:120]
        retryable = code in RETRYABLE_CODES or response.status_code >= 500 or response.status_code == 429
        what = "阿里云短信暂时不可用" if retryable else "阿里云短信拒绝发送"
        raise SmsError(f"{what}：{code}" + (f"（{message}）" if message else ""), retryable=retryable)
