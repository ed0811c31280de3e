"""The web interface in headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against
a real `jiefen serve`: one traffic case from the window to the court, screenshots of every screen.

Screenshots go to $JIEFEN_SCREENSHOTS when set, else under the test's tmp_path."""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("JIEFEN_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "jiefen-demo-2026"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator["sync_api.Browser"]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: `make test` installs Debian's chromium"
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    out = Path(os.environ["JIEFEN_SCREENSHOTS"]) if os.environ.get("JIEFEN_SCREENSHOTS") else tmp_path / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


class Screen:
    """A signed-in browser tab for one demo user."""

    def __init__(self, browser, server: str, shots: Path, username: str, *, width: int = 1280, height: int = 900):
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.server, self.shots, self.username = server, shots, username
        self.page.goto(f"{server}/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(re.compile(r".*/(cases|workbench|court|supervision)$"))

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def action(self, label: str) -> "sync_api.Locator":
        """Open one of the case page's action forms; returns the form."""
        details = self.page.locator("details.action", has=self.page.locator("summary", has_text=label))
        details.locator("summary").click()
        return details.locator("form")

    def close(self) -> None:
        self.context.close()


def kpis(screen: Screen) -> dict[str, str]:
    screen.page.goto(f"{screen.server}/supervision")
    return {k: screen.page.locator(f'[data-kpi="{k}"]').inner_text() for k in ("total", "resolved", "overdue")}


def test_one_traffic_case_through_every_screen(browser, server, shots):
    supervisor = Screen(browser, server, shots, "super1")
    before = kpis(supervisor)

    # 1. The window clerk: intake form, identity numbers checked as typed, a third party added inline.
    clerk = Screen(browser, server, shots, "window1")
    page = clerk.page
    page.goto(f"{server}/cases/new")
    page.get_by_label("纠纷类型").select_option("traffic")
    page.get_by_label("纠纷发生地行政区划代码").fill("330106001001")
    page.get_by_label("标的金额（元）").fill("85000.00")
    page.get_by_label("纠纷简要情况").fill("电动自行车与轿车相撞，双方就医疗费、误工费赔偿协商未果")
    page.locator("#p0_name").fill("王芳")
    page.locator("#p0_ident").fill("110105194912310021")  # wrong check digit
    sync_api.expect(page.locator("#p0_ident_msg")).to_contain_text("校验码错误")
    sync_api.expect(page.locator("#p0_ident")).to_have_attribute("aria-invalid", "true")
    page.locator("#p0_phone").fill("13812345678")
    sync_api.expect(page.locator("#p0_phone_msg")).to_have_text("格式正确")
    page.locator("#p1_name").fill("陈明")
    page.locator("#p1_ident").fill("110105198001010016")
    sync_api.expect(page.locator("#p1_ident_msg")).to_have_text("格式正确")
    page.get_by_role("button", name="＋ 添加当事人").click()
    sync_api.expect(page.locator("#p2_name")).to_be_focused()
    page.locator("#p2_kind").select_option("organization")
    page.locator("#p2_name").fill("某某财产保险股份有限公司")
    page.locator("#p2_ident").fill("9111000071093465")
    sync_api.expect(page.locator("#p2_ident_msg")).to_contain_text("统一社会信用代码")
    clerk.shot("01-intake-form-checked-as-typed")
    page.locator("[data-party]").nth(2).get_by_role("button", name="移除此当事人").click()
    sync_api.expect(page.locator("[data-party]")).to_have_count(2)
    page.locator("#p0_ident").fill("11010519491231002X")
    sync_api.expect(page.locator("#p0_ident_msg")).to_have_text("格式正确")
    page.get_by_role("button", name="保存并受理").click()
    page.wait_for_url(re.compile(r".*/cases/[0-9a-f-]{36}\?new=1$"))
    case_url = page.url.split("?")[0]
    case_no = page.locator("h1").inner_text()
    assert re.fullmatch(r"（\d{4}）330106调\d{4}号", case_no)
    sync_api.expect(page.locator("#route-h")).to_have_text("分流建议")
    sync_api.expect(page.locator(".card.info")).to_contain_text("道路交通事故纠纷人民调解委员会")
    sync_api.expect(page.get_by_text("11010519491231002X")).to_be_visible()  # the window checks identity: full number
    clerk.shot("02-case-accepted-routing-suggestion")

    # Diverted as suggested.
    form = clerk.action("分流")
    form.get_by_role("button").click()
    sync_api.expect(page.locator(".sub .state")).to_have_text("分流交办")
    sync_api.expect(page.locator(".deadlines")).to_contain_text("分流受理时限")
    clerk.shot("03-case-diverted")

    # A second intake with the same applicant: the possible duplicate is shown.
    page.goto(f"{server}/cases/new")
    page.get_by_label("纠纷类型").select_option("traffic")
    page.get_by_label("纠纷发生地行政区划代码").fill("330106001001")
    page.get_by_label("纠纷简要情况").fill("同一事故，申请人又通过窗口来访")
    page.locator("#p0_name").fill("王芳")
    page.locator("#p0_ident").fill("11010519491231002X")
    page.locator("#p1_name").fill("陈明")
    sync_api.expect(page.locator("#pre-dup-h")).to_have_text("可能重复的案件")  # before saving
    sync_api.expect(page.locator("#pre-duplicates")).to_contain_text(case_no)
    clerk.shot("04a-possible-duplicate-before-saving")
    page.get_by_role("button", name="保存并受理").click()
    sync_api.expect(page.locator("#dup-h")).to_have_text("可能重复的案件")
    sync_api.expect(page.locator(".card.warn")).to_contain_text(case_no)
    clerk.shot("04-possible-duplicate")

    # 2. The traffic committee's mediator: workbench, accept, a refused action, the agreement.
    mediator = Screen(browser, server, shots, "mediator4")
    page = mediator.page
    sync_api.expect(page.locator("table")).to_contain_text(case_no)
    mediator.shot("05-mediator-workbench")
    page.get_by_role("link", name=case_no).click()
    mediator.action("受理").get_by_role("button").click()
    sync_api.expect(page.locator(".sub .state")).to_have_text("调解中")

    form = mediator.action("恢复计时")
    form.get_by_label("理由").fill("当事人已返回")
    form.get_by_role("button").click()
    refusal = page.locator("#refusal")
    sync_api.expect(refusal).to_be_visible()
    sync_api.expect(refusal).to_contain_text("“恢复计时”未执行")
    sync_api.expect(refusal).to_contain_text("暂停")
    mediator.shot("06-refused-action-reason")

    form = mediator.action("达成调解协议")
    form.get_by_label("纠纷事实").fill("陈明驾车与王芳驾驶的电动自行车相撞，王芳受伤。")
    form.get_by_label("责任认定").fill("陈明负事故全部责任。")
    form.locator("[name=ob0_description]").fill("赔偿医疗费、误工费")
    form.locator("[name=ob0_amount]").fill("85000.00")
    form.locator("[name=ob0_due_date]").fill("2026-12-31")
    mediator.shot("07-agreement-form")
    form.get_by_role("button", name="达成调解协议").click()
    sync_api.expect(page.locator(".sub .state")).to_have_text("达成协议")

    # The render worker renders the PDF a moment after the transition: the page, not reloaded, shows its link
    # when it is there (app.js swaps in the documents section) — the wait ends as soon as it appears.
    link = page.locator('a[data-doc="mediation_agreement"]')
    try:
        sync_api.expect(link).to_be_visible(timeout=180_000)  # a busy 2-core CI machine renders slowly
    except AssertionError:
        mediator.shot("08-agreement-pdf-missing")
        raise
    mediator.shot("08-agreement-with-pdf")
    pdf = mediator.context.request.get(f"{server}{link.get_attribute('href')}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    with mediator.context.expect_page() as opened:
        link.click()
    opened.value.wait_for_load_state()
    assert opened.value.url.endswith("/pdf")
    opened.value.close()

    form = mediator.action("申请司法确认")
    form.get_by_label("人民法院").select_option("CN-ZJ-XH-FY")
    form.get_by_role("button").click()
    sync_api.expect(page.locator(".sub .state")).to_have_text("司法确认中")
    mediator.shot("09-confirmation-requested")

    # 3. The court clerk: the inbox with the package and the PDFs; confirm with the ruling number.
    court = Screen(browser, server, shots, "court1")
    page = court.page
    item = page.locator("section.card", has=page.get_by_role("link", name=case_no))
    sync_api.expect(item).to_contain_text("调解协议书")
    court.shot("10-court-inbox")
    item.get_by_label("裁定书文号").first.fill("（2026）浙0106民特1号")
    item.get_by_role("button", name="裁定确认有效").click()
    sync_api.expect(page.locator(".sub .state")).to_have_text("已司法确认")
    court.shot("11-court-confirmed")

    # 4. The supervisor sees the counts change.
    after = kpis(supervisor)
    assert int(after["total"]) == int(before["total"]) + 2
    assert int(after["resolved"]) == int(before["resolved"]) + 1
    supervisor.shot("12-supervisor-dashboard")
    supervisor.page.get_by_role("link", name=case_no).count()  # listed only while a clock is due

    # The window at tablet width.
    tablet = Screen(browser, server, shots, "window1", width=768, height=1024)
    tablet.page.goto(case_url)
    tablet.shot("13-case-page-tablet")
    tablet.page.goto(f"{server}/cases/new")
    tablet.shot("14-intake-form-tablet")
    for s in (supervisor, clerk, mediator, court, tablet):
        s.close()


def test_keyboard_only_login(browser, server, shots):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{server}/login")
    # The user name field takes focus on load (autofocus); wait for it rather than type into nothing.
    page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
    page.keyboard.type("court1")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/court$"), timeout=90_000)
    page.screenshot(path=str(shots / "00-court-inbox-after-keyboard-login.png"), full_page=True)
    context.close()
