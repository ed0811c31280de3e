"""The parties' portal in headless Chromium on a phone-sized screen, against a real `jiefen serve` whose SMS go to
the local fake provider over HTTP: a party applies online, then follows the case by its code with a one-time
code, and leaves. Screenshots as in test_web_browser."""

import os
import re
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.api.live import free_port, serving
from tests.e2e.conftest import JIEFEN, ROOT
from tests.e2e.test_web_browser import browser, shots  # noqa: F401
from tests.factories import ID_B, ID_C
from workflows.notify.fake_sms import FakeSms

sync_api = pytest.importorskip("playwright.sync_api")
PHONE = "13912345678"


@pytest.fixture(scope="module")
def sms() -> Iterator[FakeSms]:
    with FakeSms() as fake:
        yield fake


@pytest.fixture(scope="module")
def portal_server(tmp_path_factory: pytest.TempPathFactory, sms: FakeSms) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("portal")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JIEFEN_DATABASE_URL": f"sqlite:///{tmp / 'jiefen.db'}",
        "JIEFEN_ENV": "test",
        "JIEFEN_SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789",
        "JIEFEN_SMS_PROVIDER": "fake",
        "JIEFEN_SMS_FAKE_URL": sms.url,
        "JIEFEN_PORTAL_REGION": "330106",
        "JIEFEN_PORTAL_LOOKUP_MIN_SECONDS": "0.2",
        "JIEFEN_OTP_SEND_INTERVAL_SECONDS": "1",  # the lookup follows the application at once
    }
    seed = [str(JIEFEN), "seed", str(ROOT / "models" / "seed" / "demo.yaml")]
    subprocess.run(seed, env=env, check=True, capture_output=True, timeout=120)
    command = [str(JIEFEN), "serve", "--port", str(free_port()), "--no-scheduler"]
    with serving(command, env, tmp / "serve.log") as live:
        yield live.url


def _phone_page(browser, server: str) -> "sync_api.Page":  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{server}/p/")
    return page


def test_a_party_applies_online_then_follows_the_case_by_its_code(browser, portal_server, sms, shots):  # noqa: F811
    page = _phone_page(browser, portal_server)
    page.get_by_role("link", name="我要申请调解").click()
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("短信验证码").fill(sms.messages[-1]["params"]["code"])
    page.get_by_label("纠纷类型").select_option("neighbour")
    page.get_by_label("发生了什么").fill("邻居装修噪音持续三个月，协商未果，请求调解")
    page.get_by_label("姓名", exact=True).fill("赵敏")
    page.get_by_label("身份证号", exact=True).fill(ID_C)
    page.get_by_label("姓名或单位名称").fill("李四")
    page.get_by_label("身份证号或统一社会信用代码").fill(ID_B)
    page.screenshot(path=str(shots / "portal-apply.png"), full_page=True)
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_selector("[data-applied]")
    page.screenshot(path=str(shots / "portal-applied.png"), full_page=True)
    case_no = page.locator("[data-case-no]").inner_text()
    code = page.locator("[data-code]").inner_text().replace(" ", "")
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{8}", code)
    assert PHONE not in page.content() and ID_C not in page.content()
    page.context.close()

    time.sleep(1.1)  # one code a phone per JIEFEN_OTP_SEND_INTERVAL_SECONDS
    # Another phone later: the code typed on the home page, the phone on record, the code from the SMS.
    page = _phone_page(browser, portal_server)
    page.get_by_label("案件查询码").fill(f"{code[:4].lower()} {code[4:]}")
    page.get_by_role("button", name="查询").click()
    page.get_by_label("登记的手机号码").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    assert "如信息无误，验证码已发送" in page.content()
    page.get_by_label("短信验证码").fill(sms.messages[-1]["params"]["code"])
    page.get_by_role("button", name="查看案件").click()
    page.wait_for_selector("[data-case]")
    page.screenshot(path=str(shots / "portal-case.png"), full_page=True)
    assert case_no in page.content()
    assert page.locator("[data-state]").inner_text() == "受理登记"
    assert "赵敏（您）" in page.locator("main").inner_text()
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{portal_server}/p/")
    page.goto(f"{portal_server}/p/case")
    assert page.url == f"{portal_server}/p/"
    assert len(sms.messages) == 2
    page.context.close()
