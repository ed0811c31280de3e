"""The Alibaba Cloud SMS adapter against a local HTTP server that checks each request as Alibaba Cloud
would: the V3 signature (ACS3-HMAC-SHA256) recomputed here from the documented algorithm — itself first
checked against the documentation's worked example — and the SendSms parameters; it answers like
dysmsapi (Code "OK" with a BizId, or an error code)."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from models.settings import SMS_TEMPLATE_NAMES, SettingsError, get_settings
from workflows.notify.aliyun import AliyunSms
from workflows.notify.errors import SmsError
from workflows.notify.sms import send_sms

KEY_ID, SECRET = "LTAI5tTestKeyId0001", "test-access-key-secret-0123456789"
SIGN = "西湖区调解中心"
TEMPLATES = {"otp": "SMS_100000001", "case_opened": "SMS_100000002"}
PHONE = "13812345678"
ALL_TEMPLATES = {t: f"SMS_2000000{i:02d}" for i, t in enumerate(SMS_TEMPLATE_NAMES)}  # one code per template


def _enc(s: str) -> str:
    return quote(s, safe="-_.~")


def expected_signature(method: str, query: dict[str, str], headers: dict[str, str], secret: str) -> str:
    """The V3 signature as the documentation describes it, written here independently of the adapter."""
    cq = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(query.items()))
    signed = sorted(headers)
    canonical = (
        f"{method}\n/\n{cq}\n"
        + "".join(f"{h}:{headers[h].strip()}\n" for h in signed)
        + "\n"
        + ";".join(signed)
        + "\n"
        + headers["x-acs-content-sha256"]
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def test_the_verifier_reproduces_the_documentations_worked_example() -> None:
    # help.aliyun.com "V3版本请求体&签名机制": RunInstances on ecs.cn-shanghai with these headers, an empty
    # body, AccessKey secret "YourAccessKeySecret" -> Signature=e521358f…4804 (the documented Authorization)
    headers = {
        "host": "ecs.cn-shanghai.aliyuncs.com",
        "x-acs-action": "RunInstances",
        "x-acs-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "x-acs-date": "2023-10-26T09:01:01Z",
        "x-acs-signature-nonce": "d410180a5abf7fe235dd9b74aca91fc0",
        "x-acs-version": "2014-05-26",
    }
    query = {"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"}
    assert (
        expected_signature("POST", query, headers, "YourAccessKeySecret")
        == "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"
    )


@dataclass
class Dysms:
    """What the local dysmsapi received, and what it answers next."""

    accepted: list[dict[str, str]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    answer_next: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    url: str = ""


def _handler(state: Dysms) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            split = urlsplit(self.path)
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            auth = self.headers.get("Authorization", "")
            algorithm, _, rest = auth.partition(" ")
            parts = dict(p.split("=", 1) for p in rest.split(",")) if rest else {}
            names = parts.get("SignedHeaders", "").split(";")
            headers = {n: self.headers.get(n, "") for n in names}
            problems = []
            if algorithm != "ACS3-HMAC-SHA256" or parts.get("Credential") != KEY_ID:
                problems.append("InvalidAccessKeyId.NotFound")
            if not {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce"} <= set(names):
                problems.append("MissingSignedHeader")
            if headers.get("x-acs-content-sha256") != hashlib.sha256(body).hexdigest():
                problems.append("ContentSha256Mismatch")
            if split.path != "/" or parts.get("Signature") != expected_signature("POST", query, headers, SECRET):
                problems.append("SignatureDoesNotMatch")
            if (headers.get("x-acs-action"), headers.get("x-acs-version")) != ("SendSms", "2017-05-25"):
                problems.append("InvalidAction.NotFound")
            if problems:
                state.refusals += problems
                return self._answer(400, {"Code": problems[0], "Message": "refused", "RequestId": "r-1"})
            if state.answer_next:
                status, answer = state.answer_next.pop(0)
                return self._answer(status, answer)
            state.accepted.append(query)
            self._answer(200, {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(state.accepted)}", "RequestId": "r"})

    return Handler


@pytest.fixture
def dysms() -> Iterator[Dysms]:
    state = Dysms()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def _sms(url: str, secret: str = SECRET) -> AliyunSms:
    return AliyunSms(access_key_id=KEY_ID, access_key_secret=secret, sign_name=SIGN, templates=TEMPLATES, endpoint=url)


def test_a_message_is_signed_and_accepted_with_its_parameters(dysms: Dysms) -> None:
    params = {"centre": "西湖区矛盾纠纷调解中心", "case_no": "（2026）330106调0001号"}
    assert _sms(dysms.url).send(PHONE, "case_opened", params) == "biz-1"
    assert dysms.refusals == []
    [q] = dysms.accepted
    assert (q["PhoneNumbers"], q["SignName"], q["TemplateCode"]) == (PHONE, SIGN, "SMS_100000002")
    assert json.loads(q["TemplateParam"]) == params


def test_a_wrong_secret_is_refused_by_the_signature_check_and_not_retried(dysms: Dysms) -> None:
    with pytest.raises(SmsError) as caught:
        _sms(dysms.url, secret="another-secret").send(PHONE, "otp", {"code": "123456", "minutes": "5"})
    assert dysms.refusals == ["SignatureDoesNotMatch"] and dysms.accepted == []
    assert not caught.value.retryable and "SignatureDoesNotMatch" in caught.value.reason
    assert PHONE not in caught.value.reason and "another-secret" not in caught.value.reason


@pytest.mark.parametrize(
    ("status", "answer", "retryable"),
    [
        (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}, True),
        (200, {"Code": "isp.SYSTEM_ERROR", "Message": "isp.SYSTEM_ERROR"}, True),
        (503, {"Code": "ServiceUnavailable", "Message": "busy"}, True),
        (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": f"非法手机号 {PHONE}"}, False),
        (200, {"Code": "isv.AMOUNT_NOT_ENOUGH", "Message": "账户余额不足"}, False),
    ],
)
def test_error_codes_are_retryable_or_not_and_never_name_the_phone(
    dysms: Dysms, status: int, answer: dict[str, Any], retryable: bool
) -> None:
    dysms.answer_next.append((status, answer))
    with pytest.raises(SmsError) as caught:
        _sms(dysms.url).send(PHONE, "otp", {"code": "1", "minutes": "5"})
    assert caught.value.retryable is retryable
    assert answer["Code"] in caught.value.reason and PHONE not in caught.value.reason


def test_no_server_is_retryable_and_an_unknown_template_is_refused_before_sending(dysms: Dysms) -> None:
    with pytest.raises(SmsError) as caught:
        _sms("http://127.0.0.1:9").send(PHONE, "otp", {"code": "1", "minutes": "5"})
    assert caught.value.retryable
    with pytest.raises(SmsError) as caught:
        _sms(dysms.url).send(PHONE, "mediation_ended", {})
    assert not caught.value.retryable and "mediation_ended" in caught.value.reason and dysms.accepted == []


def test_the_provider_setting_sends_through_the_adapter(dysms: Dysms, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIEFEN_SMS_PROVIDER", "aliyun")
    monkeypatch.setenv("JIEFEN_SMS_ALIYUN_ENDPOINT", dysms.url)
    monkeypatch.setenv("JIEFEN_SMS_ALIYUN_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("JIEFEN_SMS_ALIYUN_ACCESS_KEY_SECRET", SECRET)
    monkeypatch.setenv("JIEFEN_SMS_SIGN_NAME", SIGN)
    monkeypatch.setenv("JIEFEN_SMS_TEMPLATES", json.dumps({**ALL_TEMPLATES, **TEMPLATES}))
    get_settings.cache_clear()
    try:
        assert send_sms(PHONE, "otp", {"code": "482913", "minutes": "5"}) == "biz-1"
    finally:
        get_settings.cache_clear()
    assert json.loads(dysms.accepted[0]["TemplateParam"]) == {"code": "482913", "minutes": "5"}


def test_outside_development_an_incomplete_aliyun_configuration_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JIEFEN_ENV", "production")
    monkeypatch.setenv("JIEFEN_SMS_PROVIDER", "aliyun")
    monkeypatch.setenv("JIEFEN_SMS_ALIYUN_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("JIEFEN_SMS_SIGN_NAME", SIGN)
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError) as caught:
            get_settings()
        assert "JIEFEN_SMS_ALIYUN_ACCESS_KEY_SECRET" in str(caught.value) and KEY_ID not in str(caught.value)
        monkeypatch.setenv("JIEFEN_SMS_ALIYUN_ACCESS_KEY_SECRET", SECRET)
        monkeypatch.setenv("JIEFEN_SMS_TEMPLATES", json.dumps(TEMPLATES))
        get_settings.cache_clear()
        with pytest.raises(SettingsError) as caught:
            get_settings()
        assert "JIEFEN_SMS_TEMPLATES" in str(caught.value) and "mediation_ended" in str(caught.value)
        assert SECRET not in str(caught.value)
        monkeypatch.setenv("JIEFEN_SMS_TEMPLATES", json.dumps(ALL_TEMPLATES))
        get_settings.cache_clear()
        assert get_settings().sms_templates == ALL_TEMPLATES  # complete: accepted
    finally:
        get_settings.cache_clear()


def test_outside_development_smtp_without_a_sender_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIEFEN_SMTP_HOST", "smtp.example.cn")
    monkeypatch.setenv("JIEFEN_SMTP_PASSWORD", "smtp-password-never-printed")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError) as caught:
            get_settings()  # JIEFEN_ENV=test
        assert "JIEFEN_SMTP_FROM" in str(caught.value) and "smtp-password-never-printed" not in str(caught.value)
        monkeypatch.setenv("JIEFEN_SMTP_FROM", "notice@centre.example.cn")
        get_settings.cache_clear()
        assert get_settings().smtp_password is not None
        assert "smtp-password-never-printed" not in repr(get_settings())
    finally:
        get_settings.cache_clear()
