"""The SMS provider interface and the providers behind it (`JIEFEN_SMS_PROVIDER`).

    send_sms("13800138000", "otp", {"code": "482913", "minutes": "5"})   # -> the provider's message id

A provider sends one templated message to one mainland mobile number and returns the provider's id
for it, or raises `SmsError` (`retryable` tells a network or throttling failure from a refusal).
The phone never appears in an error or a log line: errors name the template and the reason only.

- `none` (the default): nothing is sent; `send_sms` raises `SmsError("短信未配置")` (not retryable).
- `fake`: POSTs `{"phone", "template", "params", "text"}` as JSON to `JIEFEN_SMS_FAKE_URL` — the local fake
  provider (`python -m workflows.notify.fake_sms`), which tests and development run against over HTTP.
- `aliyun`: Alibaba Cloud SMS (dysmsapi `SendSms`, signed requests) — see `workflows/notify/aliyun.py`.
"""

from collections.abc import Mapping
from typing import Protocol

import httpx2

from models.settings import get_settings
from workflows.notify.errors import SmsError
from workflows.notify.templates import render_sms

__all__ = ["SmsError", "SmsProvider", "provider", "send_sms"]

TIMEOUT_SECONDS = 10.0


class SmsProvider(Protocol):
    def send(self, phone: str, template: str, params: Mapping[str, str]) -> str: ...


class DisabledProvider:
    def send(self, phone: str, template: str, params: Mapping[str, str]) -> str:
        raise SmsError("短信未配置（JIEFEN_SMS_PROVIDER=none）")


class FakeHttpProvider:
    """The local fake provider, over HTTP: what tests and development send to."""

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, phone: str, template: str, params: Mapping[str, str]) -> str:
        body = {"phone": phone, "template": template, "params": dict(params), "text": render_sms(template, params)}
        try:
            response = httpx2.post(self.url, json=body, timeout=TIMEOUT_SECONDS)
        except httpx2.HTTPError as exc:
            raise SmsError(f"短信服务连接失败：{type(exc).__name__}", retryable=True) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise SmsError(f"短信服务暂时不可用：HTTP {response.status_code}", retryable=True)
        if response.status_code >= 400:
            raise SmsError(f"短信服务拒绝发送：HTTP {response.status_code}")
        return str(response.json().get("id", ""))


def provider() -> SmsProvider:
    settings = get_settings()
    match settings.sms_provider:
        case "fake":
            return FakeHttpProvider(settings.sms_fake_url)
        case "aliyun":
            from workflows.notify.aliyun import AliyunSms

            return AliyunSms.from_settings(settings)
        case _:
            return DisabledProvider()


def send_sms(phone: str, template: str, params: Mapping[str, str]) -> str:
    return provider().send(phone, template, params)
