"""The administration screens in Chromium, as the administrator uses them: a new account is made, its
password reset; the user logs in with it and is made to choose their own before anything else; the
change log shows both changes. No Content-Security-Policy violation on any screen on the way."""

import uuid

import pytest

from tests.e2e.test_csp_browser import Watched
from tests.e2e.test_web_browser import Screen, browser, shots  # noqa: F401

sync_api = pytest.importorskip("playwright.sync_api")

FIRST = "first-given-password-31"
RESET = "reset-given-password-47"
OWN = "chosen-by-herself-2027"


def test_an_admin_makes_an_account_resets_it_and_the_user_must_change_it(browser, server, shots):  # noqa: F811
    username = f"clerk{uuid.uuid4().hex[:6]}"
    admin = Screen(browser, server, shots, "admin")
    watched = Watched(admin, server)
    page = admin.page

    page.get_by_role("link", name="用户管理").click()
    sync_api.expect(page.get_by_role("heading", name="用户管理")).to_be_visible()
    page.get_by_role("link", name="＋ 新建账号").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("初始密码").fill(FIRST)
    page.get_by_label("姓名").fill("林小雨")
    page.get_by_label("角色").select_option("intake")
    page.get_by_label("所属组织").select_option("CN-ZJ-XH-ZZZX")
    page.get_by_role("button", name="建立账号").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("账号已建立")
    admin.shot("admin-user-created")

    page.get_by_label("新的临时密码").fill(RESET)
    page.get_by_role("button", name="重置密码").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("密码已重置")

    page.get_by_role("link", name="用户管理", exact=True).click()
    row = page.locator(f'tr[data-user="{username}"]')
    sync_api.expect(row).to_contain_text("林小雨")
    sync_api.expect(row).to_contain_text("窗口受理")
    sync_api.expect(row).to_contain_text("待改密码")
    admin.shot("admin-users")
    for path in (
        "/admin/mediators",
        "/admin/mediators/M-0001",
        "/admin/organizations",
        "/admin/organizations/CN-ZJ-XH-FY",
        "/admin/system",
        "/account/password",
    ):
        page.goto(f"{server}{path}")
        page.wait_for_load_state("networkidle")
        admin.shot("admin" + path.replace("/", "-"))
    page.goto(f"{server}/admin/changes")
    sync_api.expect(page.locator("table")).to_contain_text(username)
    sync_api.expect(page.locator("table")).to_contain_text("重置密码")
    admin.shot("admin-changes")
    assert watched.violations == [], watched.violations
    assert watched.foreign == [], watched.foreign
    admin.close()

    # The user: the first password no longer works; the reset one leads to 修改密码 and nowhere else.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    user_page = context.new_page()
    user_page.goto(f"{server}/login")
    user_page.get_by_label("用户名").fill(username)
    user_page.get_by_label("密码").fill(FIRST)
    user_page.get_by_role("button", name="登录").click()
    sync_api.expect(user_page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    user_page.get_by_label("用户名").fill(username)
    user_page.get_by_label("密码").fill(RESET)
    user_page.get_by_role("button", name="登录").click()
    user_page.wait_for_url(f"{server}/account/password")
    sync_api.expect(user_page.locator(".card.warn")).to_contain_text("系统管理员设置")
    user_page.goto(f"{server}/cases")
    user_page.wait_for_url(f"{server}/account/password")
    user_page.screenshot(path=str(shots / "forced-password-change.png"), full_page=True)

    user_page.get_by_label("原密码").fill(RESET)
    user_page.get_by_label("新密码", exact=True).fill(OWN)
    user_page.get_by_label("再次输入新密码").fill(OWN)
    user_page.get_by_role("button", name="修改密码").click()
    sync_api.expect(user_page.get_by_role("status")).to_contain_text("密码已修改")
    user_page.goto(f"{server}/cases")
    sync_api.expect(user_page.get_by_role("heading", name="案件查询")).to_be_visible()
    context.close()
