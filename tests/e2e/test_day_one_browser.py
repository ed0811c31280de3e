"""The day-one screens in Chromium, each as the role that uses it (issue 16 item 2): the court clerk presses
接收; the window sees the case sent back from the top of escalation, with why; the timeline names people,
not codes; a failed document says why, the window retries it and the PDF appears without a reload; a
wrong password keeps the username. No Content-Security-Policy violation on the way."""

import os
import re
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.api.live import free_port, serving
from tests.api.steps import act, case_in, open_case
from tests.e2e.conftest import JIEFEN, ROOT
from tests.e2e.test_csp_browser import Watched
from tests.e2e.test_web_browser import PASSWORD, Screen, browser, shots  # noqa: F401

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`jiefen serve` (with its render worker) on its own SQLite database, and that database's path."""
    tmp = tmp_path_factory.mktemp("day-one")
    db = tmp / "jiefen.db"
    env = {
        **os.environ,
        "JIEFEN_DATABASE_URL": f"sqlite:///{db}",
        "JIEFEN_ENV": "test",
        "JIEFEN_SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789",
    }
    seed = ROOT / "models" / "seed" / "demo.yaml"
    subprocess.run([str(JIEFEN), "seed", str(seed)], env=env, check=True, capture_output=True, timeout=120)
    command = [str(JIEFEN), "serve", "--port", str(free_port()), "--no-scheduler"]
    with serving(command, env, tmp / "serve.log") as server:
        yield server.url, db


def test_day_one_screens(browser, live, shots):  # noqa: F811
    server, db = live
    tokens: dict[str, dict[str, str]] = {}

    def login(username: str) -> dict[str, str]:
        if username not in tokens:
            r = httpx2.post(
                f"{server}/api/v1/auth/token", data={"username": username, "password": PASSWORD}, timeout=30
            )
            tokens[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return tokens[username]

    with httpx2.Client(base_url=server, timeout=60) as api:
        # A case the county body declines with no body above it: back at the window.
        back = open_case(api, login("window1"))
        act(api, login("window1"), back["id"], "divert", {"org_code": "CN-ZJ-XH-RTW"})
        act(api, login("mediator5"), back["id"], "decline", {"reason": "不属本委受理范围，请转劳动仲裁"})
        # A case filed with the court.
        filed = case_in(api, login, "judicial_confirmation")

    # 1. The court clerk presses 接收.
    clerk = Screen(browser, server, shots, "court1")
    watched = [Watched(clerk, server)]
    page = clerk.page
    page.goto(f"{server}/court")
    card = page.locator("section.card", has=page.get_by_role("link", name=filed["case_no"]))
    sync_api.expect(card).to_contain_text("待接收")
    sync_api.expect(card).to_contain_text("北山街道人民调解委员会")  # the body by name
    sync_api.expect(card).to_contain_text("王丽")
    card.get_by_role("button", name="接收").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("已接收")
    sync_api.expect(card).to_contain_text("已接收（")
    sync_api.expect(card.get_by_role("button", name="接收")).to_have_count(0)
    clerk.shot("day1-court-received")
    clerk.close()

    # 2. The window sees the case sent back from the top, with why.
    window = Screen(browser, server, shots, "window1")
    watched.append(Watched(window, server))
    page = window.page
    page.goto(f"{server}/cases")
    queue = page.locator("#returned")
    sync_api.expect(queue).to_contain_text(back["case_no"])
    sync_api.expect(queue).to_contain_text("不属本委受理范围，请转劳动仲裁")
    sync_api.expect(queue).to_contain_text("黄建华")
    sync_api.expect(queue).not_to_contain_text(filed["case_no"])
    window.shot("day1-window-returned-queue")

    # 3. The timeline names people: 陈静 and 王丽, the court's clerk by name; no usernames.
    page.goto(f"{server}/cases/{filed['id']}")
    timeline = page.locator("ol.timeline")
    sync_api.expect(timeline).to_contain_text("操作人：陈静")
    sync_api.expect(timeline).to_contain_text("操作人：王丽")
    sync_api.expect(timeline).to_contain_text("操作人：西湖法院立案庭")
    sync_api.expect(timeline.locator("li", has_text="法院已接收")).to_contain_text("操作人：西湖法院立案庭")
    for code in ("window1", "mediator1", "court1"):
        sync_api.expect(timeline).not_to_contain_text(f"操作人：{code}")
    sync_api.expect(page.locator("dl.facts")).to_contain_text("王丽")
    window.shot("day1-timeline-names")

    # 4. A document whose rendering failed (made to fail here in the database, as a missing key would):
    #    the reason in words, 重试, then the PDF appears by itself once the worker has rendered it.
    sync_api.expect(page.locator('a[data-doc="mediation_agreement"]')).to_be_visible(timeout=180_000)
    with sqlite3.connect(db) as conn:
        doc_id = conn.execute(
            "SELECT id FROM documents WHERE case_id = ? AND kind = 'mediation_agreement'",
            (uuid.UUID(filed["id"]).hex,),
        ).fetchone()[0]
        conn.execute(
            "UPDATE documents SET status = 'failed', attempts = 5, last_error = ?, content = NULL, sha256 = NULL,"
            " verify_code = NULL, rendered_at = NULL WHERE id = ?",
            ("SigningKeyMissing: /srv/keys/CN-ZJ-XH-CC-RTW.pem 不存在", doc_id),
        )
    page.reload()
    failed = page.locator("#documents li", has=page.locator("[data-doc-failed]"))
    sync_api.expect(failed).to_contain_text("生成失败")
    sync_api.expect(failed).to_contain_text("承办组织尚未配置电子签名证书")
    sync_api.expect(failed).not_to_contain_text("SigningKeyMissing")
    sync_api.expect(failed).not_to_contain_text("/srv/keys")
    window.shot("day1-document-failed")
    failed.get_by_role("button", name="重试").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("已重新排队生成")
    sync_api.expect(page.locator('a[data-doc="mediation_agreement"]')).to_be_visible(timeout=180_000)
    sync_api.expect(page.locator("[data-doc-failed]")).to_have_count(0)
    window.shot("day1-document-retried")
    window.close()

    # The supervisor's board: the same queue, months read 2026年7月.
    supervisor = Screen(browser, server, shots, "super1")
    watched.append(Watched(supervisor, server))
    supervisor.page.goto(f"{server}/supervision")
    sync_api.expect(supervisor.page.locator("#returned")).to_contain_text(back["case_no"])
    axis = supervisor.page.locator("svg.chart text.ax", has_text="月")
    sync_api.expect(axis.first).to_have_text(re.compile(r"^20\d\d年\d{1,2}月$"))
    supervisor.shot("day1-supervision")
    supervisor.close()

    # 5. A wrong password keeps the username.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    guest = context.new_page()
    guest.goto(f"{server}/login")
    guest.get_by_label("用户名").fill("window1")
    guest.get_by_label("密码").fill("not-the-password")
    guest.get_by_role("button", name="登录").click()
    sync_api.expect(guest.get_by_role("alert")).to_contain_text("用户名或密码错误")
    sync_api.expect(guest.get_by_label("用户名")).to_have_value("window1")
    sync_api.expect(guest.get_by_label("密码")).to_have_value("")
    sync_api.expect(guest.get_by_label("密码")).to_be_focused()
    guest.screenshot(path=str(shots / "day1-login-kept.png"), full_page=True)
    context.close()

    assert [v for w in watched for v in w.violations] == []
    assert [f for w in watched for f in w.foreign] == []
