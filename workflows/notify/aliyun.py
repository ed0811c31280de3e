"""Alibaba Cloud SMS (dysmsapi SendSms) — to be built: signed requests, template codes per template."""

from collections.abc import Mapping

from models.settings import Settings
from workflows.notify.errors import SmsError


class AliyunSms:
    @classmethod
    def from_settings(cls, settings: Settings) -> "AliyunSms":
        return cls()

    def send(self, phone: str, template: str, params: Mapping[str, str]) -> str:
        raise SmsError("阿里云短信尚未实现")
