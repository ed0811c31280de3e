"""The command line of the statutory clocks: `jiefen sweep`, `jiefen calendar load|show|recount`,
`jiefen deploy`, and `jiefen deadline` on the database's calendar — each run as a real process against a
SQLite file."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models.db import make_engine
from models.migrate import upgrade
from models.tables import Case, CaseEvent
from states.enums import State
from tests.conftest import _seed
from tests.factories import make_case
from tests.workflows.clock_support import SCHEDULE_2027_YAML
from tests.workflows.support import SHANGHAI, local

JIEFEN = Path(sys.executable).with_name("jiefen")


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{folder / 'cli.db'}"
    upgrade(url)
    engine = make_engine(url)
    _seed(engine)
    engine.dispose()
    yield url, folder


def jiefen(url: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JIEFEN_DATABASE_URL": url, "PYTHONIOENCODING": "utf-8"}
    env.pop("PREFECT_API_URL", None)
    return subprocess.run(
        [str(JIEFEN), *args], env=env, capture_output=True, text=True, timeout=120, check=False, cwd=cwd
    )


def test_jiefen_sweep_as_of_twice_fires_nothing_twice(cli_db):
    url, _ = cli_db
    engine = make_engine(url)
    real = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:  # both clocks ran out about two months ago
        mediating = make_case(session, state=State.MEDIATION, channel="court_referral", now=real - timedelta(days=90))
        make_case(session, state=State.MEDIATION, now=real - timedelta(days=90))  # people's: flagged overdue
    as_of = (real - timedelta(days=1)).astimezone(SHANGHAI).replace(microsecond=0)  # as of yesterday
    first = jiefen(url, "sweep", "--as-of", as_of.isoformat())
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("sweep: 2 timers fired (2 transitions, 0 expired without one)"), first.stdout
    assert f"as of {as_of.isoformat()} (events written at " in first.stdout, first.stdout
    second = jiefen(url, "sweep", "--as-of", as_of.isoformat())
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("sweep: 0 timers fired"), second.stdout
    with Session(engine) as s:
        assert s.get(Case, mediating.id).state == "failed"
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == mediating.id).order_by(CaseEvent.seq)).all()
        last = events[-1]
        # written now, after the case's earlier events; the time it was swept as of is in the payload
        assert (last.actor, last.trigger, last.payload["as_of"]) == (
            "system:timeout",
            "mediation_timeout",
            as_of.astimezone(UTC).isoformat(),
        )
        assert last.at >= real and [e.at for e in events] == sorted(e.at for e in events)
    engine.dispose()


def test_jiefen_sweep_refuses_an_as_of_later_than_now_naming_it(cli_db):
    url, _ = cli_db
    engine = make_engine(url)
    real = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:  # 委派: its 30 days end in a day or two
        soon = make_case(session, state=State.MEDIATION, channel="court_referral", now=real - timedelta(days=29))
    for later in (real + timedelta(days=5), (real + timedelta(days=5)).astimezone(SHANGHAI).replace(tzinfo=None)):
        done = jiefen(url, "sweep", "--as-of", later.isoformat())
        assert done.returncode == 2, done.stdout
        assert "--as-of" in done.stderr and "晚于当前时间" in done.stderr and "later than now" in done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""
    with Session(engine) as s:
        assert s.get(Case, soon.id).state == "mediation"
        assert (
            s.exec(select(CaseEvent).where(CaseEvent.case_id == soon.id, CaseEvent.actor == "system:timeout")).all()
            == []
        )
    engine.dispose()


def test_jiefen_sweep_refuses_a_bad_as_of(cli_db):
    done = jiefen(cli_db[0], "sweep", "--as-of", "next tuesday")
    assert done.returncode == 2 and "--as-of" in done.stderr


def test_jiefen_calendar_load_changes_the_deadline_calculator(cli_db):
    url, folder = cli_db
    # Tue 29 Dec: 30 (1), 31 (2), [Fri 1 Jan 2027 元旦 on the statutory days, weekend], Mon 4 Jan (3).
    before = jiefen(url, "deadline", "--from", "2026-12-29", "--days", "3", "--working-days")
    assert before.stdout.strip() == "2027-01-04 2027-01-05T00:00:00+08:00 provisional", before.stderr
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        diverted = make_case(session, state=State.DIVERSION, now=local(2026, 12, 29, 6))
    schedule = folder / "2027.yaml"
    schedule.write_text(SCHEDULE_2027_YAML, encoding="utf-8")
    done = jiefen(url, "calendar", "load", str(schedule))
    assert done.returncode == 0, done.stderr
    assert "2027 loaded (1 days off, 1 make-up working days)" in done.stdout
    assert "1 provisional deadlines counted again on 1 cases" in done.stdout  # final now, same last day
    after = jiefen(url, "deadline", "--from", "2026-12-29", "--days", "3", "--working-days")
    assert after.stdout.strip() == "2027-01-04 2027-01-05T00:00:00+08:00"
    with Session(engine) as s:
        last = s.exec(select(CaseEvent).where(CaseEvent.case_id == diverted.id).order_by(CaseEvent.seq.desc())).first()
        assert (last.trigger, last.actor) == ("calendar_recount", "system:calendar")
    engine.dispose()


def test_jiefen_deadline_skips_new_years_day_2027(cli_db):
    # Mon 28 Dec: 29 (1), 30 (2), 31 (3), [Fri 1 Jan 元旦, 2–3 weekend], Mon 4 (4), Tue 5 Jan (5).
    done = jiefen(cli_db[0], "deadline", "--from", "2026-12-28", "--days", "5", "--working-days")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("2027-01-05 2027-01-06T00:00:00+08:00")


def test_jiefen_calendar_show_says_where_each_day_comes_from(tmp_path):
    url = f"sqlite:///{tmp_path / 'show.db'}"
    upgrade(url)
    unpublished = jiefen(url, "calendar", "show", "2028")
    assert unpublished.returncode == 0, unpublished.stderr
    lines = unpublished.stdout.splitlines()
    assert lines[0].startswith("2028: provisional")
    assert "2028-01-01 周六 day off 元旦 — statutory 第2条 — provisional" in lines
    assert "2028-01-03 周一 day off 元旦补假（补 2028-01-01） — make-up 第6条 — provisional" in lines
    assert "2028-10-03 周二 day off 中秋节、国庆节 — statutory 第2条 — provisional" in lines
    assert len(lines) == 1 + 12 + 4  # 12 dates hold the 13 statutory days (3 Oct twice); 4 make-up days
    official = jiefen(url, "calendar", "show", "2026").stdout.splitlines()
    assert official[0] == "2026: published, final"
    assert "2026-09-20 周日 workday 国庆节调休上班 — official package (chinese-calendar 1.11.0)" in official
    assert "2026-10-10 周六 workday 国庆节调休上班 — official package (chinese-calendar 1.11.0)" in official
    assert "2026-09-25 周五 day off 中秋 — official package (chinese-calendar 1.11.0)" in official
    schedule = tmp_path / "2028.yaml"
    schedule.write_text(
        "year: 2028\nsource: 国务院办公厅关于2028年部分节假日安排的通知（测试）\n"
        'holidays: ["2028-01-01..2028-01-03"]\nworkdays: [2028-01-08]\n',
        encoding="utf-8",
    )
    assert jiefen(url, "calendar", "load", str(schedule)).returncode == 0
    loaded = jiefen(url, "calendar", "show", "2028").stdout.splitlines()
    assert loaded == [
        "2028: published, final",
        "2028-01-01 周六 day off 放假 — loaded schedule (国务院办公厅关于2028年部分节假日安排的通知（测试）)",
        "2028-01-02 周日 day off 放假 — loaded schedule (国务院办公厅关于2028年部分节假日安排的通知（测试）)",
        "2028-01-03 周一 day off 放假 — loaded schedule (国务院办公厅关于2028年部分节假日安排的通知（测试）)",
        "2028-01-08 周六 workday 调休上班 — loaded schedule (国务院办公厅关于2028年部分节假日安排的通知（测试）)",
    ]
    recount = jiefen(url, "calendar", "recount")
    assert recount.returncode == 0, recount.stderr
    assert recount.stdout.strip() == "calendar: 0 provisional deadlines counted again on 0 cases"


def test_jiefen_calendar_show_refuses_a_year_out_of_range(cli_db):
    done = jiefen(cli_db[0], "calendar", "show", "1999")
    assert done.returncode == 2


@pytest.mark.parametrize(
    "content,field",
    [
        ("year: 2027\nholidays: [2027-13-01]\n", "holidays[0]"),
        ("year: 2027\nholidays: [2028-01-01]\n", "holidays[0]"),
        ("year: 2027\nholidays: [2027-01-01]\nworkdays: [2027-01-04]\n", "workdays"),
        ("year: 27\nholidays: [2027-01-01]\n", "year"),
        ("year: 2027\nholiday: [2027-01-01]\n", "holiday"),
        ("- just a list\n", "文件内容"),
    ],
)
def test_jiefen_calendar_load_refuses_a_bad_file_naming_the_field(cli_db, tmp_path, content, field):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content, encoding="utf-8")
    done = jiefen(cli_db[0], "calendar", "load", str(bad))
    assert done.returncode == 2, done.stdout
    assert field in done.stderr and "Traceback" not in done.stderr


def test_jiefen_deploy_dry_run_prints_the_deployment(cli_db, tmp_path):
    done = jiefen(cli_db[0], "deploy", "--dry-run", "--interval", "60", "--limit", "1", "--work-pool", "jiefen")
    assert done.returncode == 0, done.stderr
    spec = json.loads(done.stdout)
    assert (spec["flow"], spec["name"], spec["interval_seconds"], spec["work_pool"]) == (
        "sweep_deadlines",
        "sweep-deadlines",
        60,
        "jiefen",
    )
    # a colliding run waits for the slot (ENQUEUE), never silently cancelled
    assert spec["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}
    # registered with its source: a worker anywhere changes into this checkout before it loads the flow
    root = Path(__file__).resolve().parents[2]
    assert spec["source"] == str(root) and (root / spec["entrypoint"].split(":")[0]).is_file()
    assert spec["pull_steps"] == [{"prefect.deployments.steps.set_working_directory": {"directory": str(root)}}]


def test_jiefen_deploy_all_registers_every_flow_without_a_limit_by_default(cli_db, tmp_path):
    done = jiefen(cli_db[0], "deploy", "--all", "--dry-run", "--interval", "20", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    specs = json.loads(done.stdout)
    assert [s["flow"] for s in specs] == [
        "sweep_deadlines",
        "handoffs_deliver",
        "documents_render",
        "audit_checkpoint",
        "monthly_report",
        "notifications_deliver",
    ]
    assert {s["work_pool"] for s in specs} == {"jiefen"} and all(s["concurrency_limit"] is None for s in specs)
    # the checkpoint and the monthly report keep their own intervals
    assert [s["interval_seconds"] for s in specs] == [20, 20, 20, 3600, 86_400, 20]
    assert all(s["parameters"] == {} for s in specs)  # nothing secret, nothing at all, in the run parameters


def test_jiefen_deploy_serve_is_refused_pointing_at_jiefen_worker(cli_db):
    done = jiefen(cli_db[0], "deploy", "--serve")
    assert done.returncode == 2 and "jiefen worker" in done.stderr and "Traceback" not in done.stderr


def test_jiefen_worker_without_a_prefect_server_says_what_to_set(cli_db):
    done = jiefen(cli_db[0], "worker")
    assert done.returncode == 2 and "PREFECT_API_URL" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("flow", "name", "tag"),
    [("handoffs_deliver", "handoffs-deliver", "court"), ("documents_render", "documents-render", "documents")],
)
def test_jiefen_deploy_registers_the_other_flows_of_distributed_mode(cli_db, flow, name, tag):
    # with --no-scheduler nothing else would push court webhooks or render what a sweep produced
    done = jiefen(cli_db[0], "deploy", "--dry-run", "--flow", flow, "--interval", "45", "--work-pool", "jiefen")
    assert done.returncode == 0, done.stderr
    spec = json.loads(done.stdout)
    assert (spec["flow"], spec["entrypoint"], spec["name"], spec["interval_seconds"]) == (
        flow,
        f"workflows/flows/definitions.py:{flow}",
        name,
        45,
    )
    assert spec["tags"] == ["jiefen", tag] and spec["description"]


def test_jiefen_deploy_refuses_an_unknown_flow_naming_the_known_ones(cli_db):
    done = jiefen(cli_db[0], "deploy", "--dry-run", "--flow", "sweep_everything")
    assert done.returncode == 2 and "sweep_deadlines, handoffs_deliver, documents_render" in done.stderr
    assert "Traceback" not in done.stderr


def test_jiefen_deploy_without_a_prefect_server_says_what_to_set(cli_db):
    done = jiefen(cli_db[0], "deploy", "--work-pool", "jiefen")
    assert done.returncode == 2 and "PREFECT_API_URL" in done.stderr


def test_jiefen_worker_says_which_server_it_cannot_reach(cli_db, tmp_path):
    from tests.api.live import free_port

    env = {**os.environ, "JIEFEN_DATABASE_URL": cli_db[0], "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    done = subprocess.run(
        [str(JIEFEN), "worker"], env=env, capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr
    assert "cannot reach the Prefect server" in done.stderr and "Traceback" not in done.stderr
    unreachable = {**env, "JIEFEN_DATABASE_URL": f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/jiefen"}
    done = subprocess.run(
        [str(JIEFEN), "worker"], env=unreachable, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2 and "cannot reach the database 127.0.0.1:" in done.stderr, done.stderr
