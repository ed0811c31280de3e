"""The agreement form on the case page (reach_agreement), without script: three empty obligation rows, any
row numbers the page's script made (gaps where rows were removed) read in order, a refused form given back
with every row it had, and 争议事项 carried into the payload."""

import re

from fastapi.testclient import TestClient

from tests.api.steps import case_in
from tests.api.test_web_routes import web_login

MATTERS = "维修费用的数额及由谁承担。"


def _form(client: TestClient, case_id: str) -> str:
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    start = page.text.index('data-action="reach_agreement"')
    return page.text[start : page.text.index("</form>", start)]


def _post(client: TestClient, case_id: str, csrf: str, version: int, rows: dict[int, str], **extra: str):
    data = {"csrf": csrf, "version": str(version), "facts": "楼上漏水。", "liability": "李四负全部责任。"}
    data["signed_at"] = "2026-11-02T12:00"
    for i, description in rows.items():
        data |= {f"ob{i}_obligor": "1", f"ob{i}_obligee": "0", f"ob{i}_description": description}
    return client.post(f"/cases/{case_id}/actions/reach_agreement", data={**data, **extra}, follow_redirects=False)


def test_without_script_three_rows_and_the_matters_field(client, login):
    case = case_in(client, login, "mediation")
    web_login(client, "mediator1")
    form = _form(client, case["id"])
    assert len(re.findall(r"data-ob-row(?!s)", form)) == 3
    assert 'name="matters"' in form and "争议事项" in form
    assert form.index('name="facts"') < form.index('name="matters"') < form.index('name="liability"')  # 第29条's order
    assert "hidden>增加一项义务" in form  # the script shows the buttons; without it they stay hidden
    assert 'src="/static/obligations.js"' in client.get(f"/cases/{case['id']}").text


def test_rows_numbered_with_gaps_are_read_in_order_with_the_matters(client, login):
    case = case_in(client, login, "mediation")
    csrf = web_login(client, "mediator1")
    rows = {0: "赔偿维修费", 4: "承担鉴定费", 7: "修复防水层", 12: "赔礼道歉"}  # rows 1–3, 5, 6… were removed
    r = _post(client, case["id"], csrf, case["version"], rows, matters=MATTERS)
    assert r.status_code == 303, r.text
    events = client.get(f"/api/v1/cases/{case['id']}/events", headers=login("mediator1")).json()
    (agreed,) = [e for e in events if e["trigger"] == "reach_agreement"]
    assert [o["description"] for o in agreed["payload"]["obligations"]] == list(rows.values())
    assert agreed["payload"]["matters"] == MATTERS


def test_a_refused_agreement_comes_back_with_all_its_rows(client, login):
    case = case_in(client, login, "mediation")
    csrf = web_login(client, "mediator1")
    rows = {i: f"第{i + 1}项义务" for i in range(5)}
    r = _post(client, case["id"], csrf, case["version"], rows, ob4_amount="不是金额")
    assert r.status_code == 422
    start = r.text.index('data-action="reach_agreement"')
    form = r.text[start : r.text.index("</form>", start)]
    assert len(re.findall(r"data-ob-row(?!s)", form)) == 5
    for description in rows.values():
        assert f'value="{description}"' in form
    assert 'value="不是金额"' in form


def test_the_api_still_takes_an_agreement_without_matters(client, login):
    case = case_in(client, login, "agreement")  # tests.factories.agreement_payload has no matters
    assert case["state"] == "agreement"
