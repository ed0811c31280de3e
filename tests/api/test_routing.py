"""Diversion over HTTP on the demo centre: divert without org_code, the routing record (scoped like
the case), possible duplicates at intake, and the `jiefen routing` commands."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.api.steps import act, open_case
from tests.factories import ID_A, ID_C, USCC_A, case_payload

ROOT = Path(__file__).resolve().parents[2]


def test_divert_without_org_code_is_explained_by_get_routing(client, login):
    window = login("window1")
    case = open_case(client, window)  # a neighbour dispute in 宝石社区 (330106001001)

    body = act(client, window, case["id"], "divert", {})

    assert (body["state"], body["org_code"]) == ("diversion", "CN-ZJ-XH-BS-RTW")
    r = client.get(f"/api/v1/cases/{case['id']}/routing", headers=window)
    assert r.status_code == 200, r.text
    routing = r.json()
    assert (routing["org_code"], routing["profile"]) == ("CN-ZJ-XH-BS-RTW", "jiefen-default@1")
    step = routing["steps"][-1]
    assert (step["trigger"], step["org_code"], step["routing"]["rule"]) == (
        "divert",
        "CN-ZJ-XH-BS-RTW",
        "neighbour_family_village",
    )
    assert step["stationing"]["mode"] == "resident"
    assert "邻里" in step["routing"]["reason"] and step["routing"]["basis"].startswith("人民调解法")


def test_the_routing_record_is_scoped_like_the_case(client, login):
    window = login("window1")
    case = open_case(client, window)
    act(client, window, case["id"], "divert", {"org_code": "CN-ZJ-XH-CC-RTW"})

    assert client.get(f"/api/v1/cases/{case['id']}/routing", headers=login("mediator1")).status_code == 200
    for outsider in ("mediator2", "court1"):
        r = client.get(f"/api/v1/cases/{case['id']}/routing", headers=login(outsider))
        assert r.status_code == 404
    assert client.get("/api/v1/cases/not-a-uuid/routing", headers=window).status_code == 404
    assert client.get(f"/api/v1/cases/{case['id']}/routing").status_code == 401


def test_a_rotating_body_off_duty_shows_its_next_duty_day_on_the_case(client, login):
    window = login("window1")
    case = open_case(client, window, dispute_type="property")  # -> 北山街道物业纠纷调解委员会, Tue/Thu
    body = act(client, window, case["id"], "divert", {})
    assert body["org_code"] == "CN-ZJ-XH-CC-WYTW"
    step = client.get(f"/api/v1/cases/{case['id']}/routing", headers=window).json()["steps"][-1]
    assert step["stationing"]["mode"] == "rotating"
    assert body["next_duty_day"] == step["stationing"].get("next_duty_day")


def test_intake_returns_possible_duplicates_from_other_channels(client, login):
    window = login("window1")
    first = open_case(client, window)
    assert first["possible_duplicates"] == []
    hotline = case_payload(channel="hotline")
    r = client.post("/api/v1/cases", json=hotline, headers=window)
    assert r.status_code == 201
    dups = r.json()["possible_duplicates"]
    assert [(d["case_no"], d["channel"], d["matched"]) for d in dups] == [
        (first["case_no"], "window", ["id_number:0", "id_number:1"])
    ]
    # Another type, or other people, is not a duplicate.
    other_type = client.post("/api/v1/cases", json=case_payload("family", status_matter=False), headers=window)
    assert other_type.json()["possible_duplicates"] == []
    strangers = case_payload(
        parties=[
            {"role": "applicant", "kind": "person", "name": "王五", "id_number": ID_C},
            {"role": "respondent", "kind": "organization", "name": "某物业公司", "uscc": USCC_A},
        ]
    )
    assert client.post("/api/v1/cases", json=strangers, headers=window).json()["possible_duplicates"] == []
    same_company = case_payload(
        parties=[
            {"role": "applicant", "kind": "person", "name": "赵六"},
            {"role": "respondent", "kind": "organization", "name": "某物业公司", "uscc": USCC_A},
        ]
    )
    dups = client.post("/api/v1/cases", json=same_company, headers=window).json()["possible_duplicates"]
    assert [d["matched"] for d in dups] == [["uscc:1"]]
    assert ID_A not in json.dumps(dups)


def test_a_closed_case_is_not_a_duplicate(client, login):
    window = login("window1")
    first = open_case(client, window)
    act(client, window, first["id"], "reject", {"reason": "不予受理"})
    r = client.post("/api/v1/cases", json=case_payload(channel="grid"), headers=window)
    assert r.json()["possible_duplicates"] == []


# --- the CLI ------------------------------------------------------------------------------------------


def _jiefen(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JIEFEN_DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_routing_check_names_the_line_of_a_bad_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "profile: x\nversion: 1\nrules:\n  - id: a\n    reason: r\n    basis: b\n"
        "    target: {kinds: [labor_mediation]}\n",
        encoding="utf-8",
    )
    r = _jiefen(tmp_path / "x.db", "routing", "check", str(bad))
    assert r.returncode == 2
    assert f"{bad}:7:" in r.stderr and "unknown kind 'labor_mediation'" in r.stderr
    ok = _jiefen(tmp_path / "x.db", "routing", "check", str(ROOT / "workflows" / "rules" / "routing.yaml"))
    assert ok.returncode == 0 and "16 rules, ok" in ok.stdout


def test_routing_replay_on_a_seeded_history_changes_nothing(tmp_path):
    from sqlmodel import Session, select

    from models.db import make_engine
    from models.tables import Case, CaseEvent
    from states.enums import State
    from tests.factories import make_case

    db = tmp_path / "replay.db"
    assert _jiefen(db, "seed", str(ROOT / "models" / "seed" / "demo.yaml")).returncode == 0
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine, expire_on_commit=False) as s:
        diverted = make_case(s, state=State.DIVERSION)  # named: 北山街道人民调解委员会
        labour = make_case(s, state=State.INTAKE, dispute_type="labour")
        from models.tables import User
        from workflows.access import actor_for
        from workflows.engine import fire

        fire(
            s,
            case_id=labour.id,
            trigger="divert",
            payload={},
            actor=actor_for(s, s.exec(select(User).where(User.username == "window1")).one()),
        )
        waiting = make_case(s, state=State.INTAKE, dispute_type="medical")
        before = (
            [(c.id, c.org_code, c.version) for c in s.exec(select(Case).order_by(Case.id))],
            len(s.exec(select(CaseEvent)).all()),
        )
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        (ROOT / "workflows" / "rules" / "routing.yaml")
        .read_text(encoding="utf-8")
        .replace("levels: [town, county]", "levels: [county]")
        .replace("kinds: [labour_mediation]\n", "kinds: [people_mediation]\n"),
        encoding="utf-8",
    )

    r = _jiefen(db, "routing", "replay", str(rules), "--json")

    assert r.returncode == 0, r.stderr
    rows = {row["case_id"]: row for row in map(json.loads, r.stdout.splitlines())}
    assert rows[str(labour.id)]["old_org"] == "CN-ZJ-XH-LDTJ"
    assert (rows[str(labour.id)]["new_org"], rows[str(labour.id)]["outcome"]) == ("CN-ZJ-XH-RTW", "differs")
    # Named by the clerk (the street committee); the rules would have chosen the community committee.
    assert (
        rows[str(diverted.id)]["old_rule"],
        rows[str(diverted.id)]["old_org"],
        rows[str(diverted.id)]["new_org"],
    ) == ("named", "CN-ZJ-XH-CC-RTW", "CN-ZJ-XH-BS-RTW")
    assert rows[str(waiting.id)]["outcome"] == "not_diverted"
    assert "0 same, 2 would go elsewhere, 1 not diverted yet" in r.stderr and "nothing was changed" in r.stderr
    table = _jiefen(db, "routing", "replay", str(rules), "--changes")
    assert table.returncode == 0 and labour.case_no in table.stdout and waiting.case_no not in table.stdout
    with Session(engine) as s:
        after = (
            [(c.id, c.org_code, c.version) for c in s.exec(select(Case).order_by(Case.id))],
            len(s.exec(select(CaseEvent)).all()),
        )
    assert after == before
    engine.dispose()


def test_supervisors_find_cases_that_came_back_from_the_top(client, login):
    window, county = login("window1"), login("mediator5")
    case = open_case(client, window)
    act(client, window, case["id"], "divert", {"org_code": "CN-ZJ-XH-RTW"})
    act(client, county, case["id"], "decline", {"reason": "不属受理范围"})
    other = open_case(client, window)

    r = client.get("/api/v1/cases", params={"flag": "escalation_exhausted"}, headers=login("super1"))

    assert r.status_code == 200
    assert [c["id"] for c in r.json()["data"]] == [case["id"]] and r.json()["count"] == 1
    assert other["id"] not in [c["id"] for c in r.json()["data"]]
    assert client.get("/api/v1/cases", params={"flag": "x%"}, headers=window).status_code == 422


def test_actions_name_the_other_destinations_of_escalation(client, login):
    window = login("window1")
    case = open_case(client, window)
    act(client, window, case["id"], "divert", {"org_code": "CN-ZJ-XH-CC-RTW"})
    data = {
        a["trigger"]: a
        for a in client.get(f"/api/v1/cases/{case['id']}/actions", headers=login("mediator1")).json()["data"]
    }
    assert data["decline"]["to_state"] == "intake"
    assert data["decline"]["alternatives"] == [{"when": "next_level_found", "to_state": "diversion"}]
    assert data["escalate"]["alternatives"] == [{"when": "escalation_exhausted", "to_state": "intake"}]
    assert data["accept"]["alternatives"] == []
