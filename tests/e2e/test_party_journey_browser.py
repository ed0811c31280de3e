"""Issue 17's walk, in headless Chromium on a phone-sized screen against a real `jiefen serve` with its embedded
scheduler: a party applies online; the centre diverts, accepts and records the agreement; each party looks the
case up by its code with a one-time code to their own phone and signs the joint application; the window applies
on those signatures, the court confirms, the case closes; the applicant rates the handling. The parties'
messages go, after commit, to the local fake SMS provider over HTTP and to a real SMTP server (aiosmtpd), and
are checked for content and count: one per event per recipient."""

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import httpx2
import pytest
from aiosmtpd.controller import Controller

from tests.api.live import free_port, serving
from tests.e2e.conftest import JIEFEN, ROOT
from tests.e2e.test_web_browser import browser, shots  # noqa: F401
from tests.factories import ID_B, ID_C
from tests.notify.conftest import Mailbox
from workflows.notify.fake_sms import FakeSms

sync_api = pytest.importorskip("playwright.sync_api")

PHONE_A, PHONE_B, EMAIL_A = "13912345678", "13787654321", "zhao.min@example.com"
PASSWORD = "jiefen-demo-2026"
# The events that tell the parties (workflows/notify/party.py), in the order they happen here.
NOTICES = ("case_opened", "case_diverted", "mediation_accepted", "agreement_reached", "confirmation_granted")


@pytest.fixture(scope="module")
def sms() -> Iterator[FakeSms]:
    with FakeSms() as fake:
        yield fake


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory, sms: FakeSms, mailbox: tuple[Mailbox, int]) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("journey")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JIEFEN_DATABASE_URL": f"sqlite:///{tmp / 'jiefen.db'}",
        "JIEFEN_ENV": "test",
        "JIEFEN_SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789",
        "JIEFEN_SMS_PROVIDER": "fake",
        "JIEFEN_SMS_FAKE_URL": sms.url,
        "JIEFEN_SMS_QUIET_HOURS": "",  # the walk may run at night
        "JIEFEN_SMTP_HOST": "127.0.0.1",
        "JIEFEN_SMTP_PORT": str(mailbox[1]),
        "JIEFEN_SMTP_FROM": "notice@centre.example.cn",
        "JIEFEN_CENTRE_NAME": "西湖区矛盾纠纷调解中心",
        "JIEFEN_PORTAL_REGION": "330106",
        "JIEFEN_PORTAL_LOOKUP_MIN_SECONDS": "0.2",
        "JIEFEN_OTP_SEND_INTERVAL_SECONDS": "1",
        "JIEFEN_SWEEP_SECONDS": "1",  # the embedded scheduler delivers the outbox every second
    }
    seed = [str(JIEFEN), "seed", str(ROOT / "models" / "seed" / "demo.yaml")]
    subprocess.run(seed, env=env, check=True, capture_output=True, timeout=120)
    with serving([str(JIEFEN), "serve", "--port", str(free_port())], env, tmp / "serve.log") as live:
        yield live.url


def _phone(browser: Any, url: str) -> Any:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(url)
    return page


def _code_for(sms: FakeSms, phone: str, seen: int) -> str:
    codes = [m for m in sms.messages if m["template"] == "otp" and m["phone"] == phone]
    assert len(codes) == seen + 1, f"{len(codes)} codes to that phone, expected {seen + 1}"
    return str(codes[-1]["params"]["code"])


def _look_up(browser: Any, url: str, code: str, phone: str, sms: FakeSms, seen: int) -> Any:  # noqa: F811
    time.sleep(1.1)  # one code to a phone per JIEFEN_OTP_SEND_INTERVAL_SECONDS
    page = _phone(browser, f"{url}/p/c/{code}")
    page.get_by_label("登记的手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("短信验证码").fill(_code_for(sms, phone, seen))
    page.get_by_role("button", name="查看案件").click()
    page.wait_for_selector("[data-case]")
    return page


def _staff(url: str) -> Callable[[str, str, str, dict[str, Any]], dict[str, Any]]:
    tokens: dict[str, str] = {}

    def fire(user: str, case_id: str, trigger: str, payload: dict[str, Any]) -> dict[str, Any]:
        if user not in tokens:
            r = httpx2.post(f"{url}/api/v1/auth/token", data={"username": user, "password": PASSWORD})
            tokens[user] = r.json()["access_token"]
        r = httpx2.post(
            f"{url}/api/v1/cases/{case_id}/actions/{trigger}",
            json=payload,
            headers={"Authorization": f"Bearer {tokens[user]}"},
            timeout=30,
        )
        assert r.status_code == 200, (trigger, r.text)
        return dict(r.json())

    return fire


def _wait_for(what: Callable[[], bool], seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < end, "the outbox was not delivered in time"
        time.sleep(0.3)


def test_a_party_applies_signs_with_the_other_side_and_rates_the_handling(
    browser,  # noqa: F811
    centre: str,
    sms: FakeSms,
    mailbox: tuple[Mailbox, int],
    shots,  # noqa: F811
) -> None:
    box = mailbox[0]
    # 1. 赵敏 applies online: her phone proved by a code, the other side 李四 with his phone.
    page = _phone(browser, f"{centre}/p/")
    page.get_by_role("link", name="我要申请调解").click()
    page.get_by_label("手机号码").fill(PHONE_A)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("短信验证码").fill(_code_for(sms, PHONE_A, 0))
    page.get_by_label("纠纷类型").select_option("neighbour")
    page.get_by_label("发生了什么").fill("楼上李四家卫生间漏水致我家天花板受损，协商维修赔偿未果，请求调解")
    page.get_by_label("姓名", exact=True).fill("赵敏")
    page.get_by_label("身份证号", exact=True).fill(ID_C)
    page.get_by_label("电子邮箱").fill(EMAIL_A)
    page.get_by_label("姓名或单位名称").fill("李四")
    page.get_by_label("身份证号或统一社会信用代码").fill(ID_B)
    page.get_by_label("联系电话").fill(PHONE_B)
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_selector("[data-applied]")
    page.screenshot(path=str(shots / "journey-applied.png"), full_page=True)
    case_no = page.locator("[data-case-no]").inner_text()
    code = page.locator("[data-code]").inner_text().replace(" ", "")
    page.context.close()

    # 2. The centre: the window diverts, the committee accepts, the agreement is signed there.
    fire = _staff(centre)
    found = httpx2.get(
        f"{centre}/api/v1/cases",
        params={"q": case_no},
        headers={"Authorization": "Bearer " + _token(centre, "window1")},
    ).json()["data"]
    [case_id] = [c["id"] for c in found if c["case_no"] == case_no]
    fire("window1", case_id, "divert", {"org_code": "CN-ZJ-XH-CC-RTW"})
    fire("mediator1", case_id, "accept", {"mediator_code": "M-0001"})
    fire(
        "mediator1",
        case_id,
        "reach_agreement",
        {
            "facts": "李四家卫生间防水层老化漏水，致赵敏家客厅天花板受损。",
            "liability": "李四承担全部维修责任。",
            "signed_at": datetime.now(UTC).isoformat(),
            "obligations": [
                {"obligor": 1, "obligee": 0, "description": "赔偿天花板维修费用", "amount": "8500.00"},
            ],
        },
    )

    # 3. Each party, on their own phone, reads the agreement and signs the joint application.
    for phone, name, seen in ((PHONE_A, "赵敏", 1), (PHONE_B, "李四", 0)):
        page = _look_up(browser, centre, code, phone, sms, seen)
        assert page.locator("[data-state]").inner_text() == "达成协议"
        page.screenshot(path=str(shots / f"journey-case-{phone[-4:]}.png"), full_page=True)
        page.get_by_role("link", name="阅读协议并签署申请").click()
        assert "人民币捌仟伍佰元整" in page.content()
        page.screenshot(path=str(shots / f"journey-sign-{seen}.png"), full_page=True)
        page.get_by_role("checkbox").check()
        page.get_by_role("button", name="确认签署").click()
        assert f"{name}：已于" in page.locator("main").inner_text()
        page.context.close()

    # 4. The window applies on those signatures; the court confirms; performed, the case closes.
    applied = fire("window1", case_id, "request_confirmation", {"court_code": "CN-ZJ-XH-FY"})
    assert applied["state"] == "judicial_confirmation"
    fire("court1", case_id, "court_confirm", {"ruling_no": "（2026）浙0106民特88号"})
    closed = fire("mediator1", case_id, "record_fulfilment", {"note": "已足额支付"})
    assert closed["state"] == "closed"

    # 5. 赵敏 rates the handling.
    page = _look_up(browser, centre, code, PHONE_A, sms, 2)
    assert page.locator("[data-state]").inner_text() == "已结案"
    agreement = '[data-doc="mediation_agreement"]'

    def rendered() -> bool:  # by the server's render worker, after commit
        page.reload()
        return page.locator(agreement).count() == 1

    _wait_for(rendered, 90)
    page.screenshot(path=str(shots / "journey-closed.png"), full_page=True)
    pdf = page.request.get(centre + str(page.locator(agreement).get_attribute("href")))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert "人民调解协议书" in _pdf_text(pdf.body())
    page.get_by_role("link", name="填写回访评价").click()
    page.locator('input[name="satisfaction"][value="5"]').check()
    page.locator('input[name="performed"][value="yes"]').check()
    page.get_by_role("button", name="提交评价").click()
    assert "评价已提交" in page.content()
    page.screenshot(path=str(shots / "journey-rated.png"), full_page=True)
    page.context.close()

    events = httpx2.get(
        f"{centre}/api/v1/cases/{case_id}/events", headers={"Authorization": "Bearer " + _token(centre, "window1")}
    ).json()
    by = [(e["trigger"], e["actor"]) for e in events]
    assert ("sign_joint_application", "party:0") in by and ("sign_joint_application", "party:1") in by
    assert ("record_followup", "party:0") in by
    confirmation = next(e for e in events if e["trigger"] == "request_confirmation")["payload"]
    assert sorted(confirmation["joint_application"]["applicants"]) == [0, 1]

    # 6. The messages: one SMS per event to each phone, one email per event to the address given.
    def notices(phone: str) -> list[dict[str, Any]]:
        return [m for m in sms.messages if m["phone"] == phone and m["template"] != "otp"]

    _wait_for(lambda: len(notices(PHONE_A)) == len(NOTICES) and len(notices(PHONE_B)) == len(NOTICES))
    _wait_for(lambda: len(box.received) == len(NOTICES))
    for phone in (PHONE_A, PHONE_B):
        assert [m["template"] for m in notices(phone)] == list(NOTICES)
        for m in notices(phone):
            assert case_no in m["text"] and "西湖区矛盾纠纷调解中心" in m["text"]
            assert ID_B not in m["text"] and ID_C not in m["text"] and PHONE_A not in m["text"]
    texts = {m["template"]: m["text"] for m in notices(PHONE_B)}
    assert "30日内" in texts["agreement_reached"] or "三十日" in texts["agreement_reached"]
    mails: list[EmailMessage] = [message for rcpt, message in box.received if rcpt == [EMAIL_A]]
    assert len(mails) == len(NOTICES)
    assert all(case_no in str(m.get_content()) for m in mails)
    # the one-time codes: the application, two lookups by 赵敏, one by 李四 — and nothing more to anyone
    assert sorted(m["phone"] for m in sms.messages if m["template"] == "otp") == [PHONE_B, *[PHONE_A] * 3]
    time.sleep(2.5)  # two more scheduler ticks: nothing is sent twice
    assert len(sms.messages) == 4 + 2 * len(NOTICES) and len(box.received) == len(NOTICES)


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _token(url: str, user: str) -> str:
    r = httpx2.post(f"{url}/api/v1/auth/token", data={"username": user, "password": PASSWORD})
    return str(r.json()["access_token"])
