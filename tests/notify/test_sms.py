"""The SMS interface against the local fake provider over real HTTP."""

import pytest

from models.settings import get_settings
from workflows.notify.fake_sms import FakeSms
from workflows.notify.sms import SmsError, send_sms


def test_a_code_reaches_the_fake_provider_with_its_text(fake_sms: FakeSms) -> None:
    message_id = send_sms("13800138000", "otp", {"code": "482913", "minutes": "5"})
    [message] = fake_sms.messages
    assert message["id"] == message_id
    assert message["phone"] == "13800138000"
    assert message["text"].startswith("您的验证码为482913，5分钟内有效")


def test_an_unavailable_provider_is_retryable_and_names_no_phone(fake_sms: FakeSms) -> None:
    fake_sms.fail_next(1)
    with pytest.raises(SmsError) as caught:
        send_sms("13800138000", "otp", {"code": "1", "minutes": "5"})
    assert caught.value.retryable
    assert "13800138000" not in str(caught.value)
    assert fake_sms.messages == []


def test_with_no_provider_configured_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIEFEN_SMS_PROVIDER", "none")
    get_settings.cache_clear()
    try:
        with pytest.raises(SmsError) as caught:
            send_sms("13800138000", "otp", {"code": "1", "minutes": "5"})
        assert not caught.value.retryable
    finally:
        get_settings.cache_clear()
