"""The monthly statistics workbook (workflows/monthly_report.py, the Prefect flow `monthly_report`, the embedded
scheduler's job): last month's workbook kept as a document of the centre, once per month however often it
runs, with November's figures of the history in tests/workflows/test_statistics_report.py."""

import hashlib
import io
import threading
import time
from datetime import date, datetime

import sqlalchemy as sa
from openpyxl import load_workbook
from sqlmodel import Session

from models.tables import Document
from tests.workflows.report_history import SH, build_and_sweep
from workflows import monthly_report as reports
from workflows.scheduler import MONTHLY_REPORT_JOB_ID, SweepScheduler

DECEMBER_1ST = datetime(2026, 12, 1, 1, 0, tzinfo=SH)


def _documents(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.select(Document.__table__).where(Document.__table__.c.kind == "monthly_report")).all()  # type: ignore[attr-defined]


def test_last_month_is_the_local_month_before():
    assert reports.last_month(DECEMBER_1ST) == (date(2026, 11, 1), date(2026, 11, 30))
    # 1 March 00:30 in Shanghai is still 28 February in UTC: the month before is February's local one
    assert reports.last_month(datetime(2027, 3, 1, 0, 30, tzinfo=SH)) == (date(2027, 2, 1), date(2027, 2, 28))
    assert reports.last_month(datetime(2027, 1, 15, tzinfo=SH)) == (date(2026, 12, 1), date(2026, 12, 31))


def test_the_flow_keeps_last_months_workbook_once(engine, session):
    from workflows.flows.definitions import FLOWS, monthly_report, using_engine

    build_and_sweep(session, engine)
    with using_engine(engine):  # the flow's database comes from settings (here: this test's), never a parameter
        first = monthly_report.fn(now=DECEMBER_1ST)
        again = monthly_report.fn(now=datetime(2026, 12, 1, 9, 0, tzinfo=SH))
    assert first["period"] == "2026-11" and first["created"] is True
    assert again == {**first, "created": False}
    assert "monthly_report" in FLOWS

    (doc,) = _documents(engine)
    assert (doc.case_id, doc.period, doc.status, doc.kind) == (None, "2026-11", "rendered", "monthly_report")
    assert doc.sha256 == hashlib.sha256(doc.content).hexdigest() == first["sha256"]
    wb = load_workbook(io.BytesIO(doc.content))
    summary = {row[0].value: row[1].value for row in wb["概况"].iter_rows(min_row=2)}
    assert summary["统计期间"] == "2026-11-01 至 2026-11-30"
    assert summary["行政区划"] == "本人可查看的全部地区"
    assert summary["受理案件"] == 10  # every region: K of 上城区 too
    assert summary["调解成功（达成协议）"] == 4 and summary["申请司法确认"] == 2
    assert [c.value for c in wb["办理天数"][4]] == ["调解中", "mediation", 7, 3.0, 21.0]

    # a month later, December's comes beside it
    with using_engine(engine):
        january = monthly_report.fn(now=datetime(2027, 1, 1, 1, 0, tzinfo=SH))
    assert january["period"] == "2026-12" and january["created"] is True
    with Session(engine) as s:
        assert [r.period for r in reports.stored_reports(s)] == ["2026-12", "2026-11"]
        assert reports.stored_content(s, "2026-11") == doc.content


def test_two_runs_at_once_store_one(engine):
    results: list[dict] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        results.append(reports.keep_monthly_report(engine, now=DECEMBER_1ST))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["created"] for r in results) == [False, True]
    assert len({r["document_id"] for r in results}) == 1
    assert len(_documents(engine)) == 1


def test_the_embedded_scheduler_runs_it_on_the_first_of_the_month_and_at_start(engine):
    scheduler = SweepScheduler(engine, seconds=3600, checkpoint_seconds=0)
    assert scheduler.start()
    try:
        job = scheduler.scheduler.get_job(MONTHLY_REPORT_JOB_ID)  # type: ignore[union-attr]
        fields = {f.name: str(f) for f in job.trigger.fields}
        assert (fields["day"], fields["hour"], fields["minute"]) == ("1", "1", "0")
        assert str(job.trigger.timezone) == "Asia/Shanghai"
        nxt = job.trigger.get_next_fire_time(None, datetime(2026, 12, 2, tzinfo=SH))
        assert nxt == datetime(2027, 1, 1, 1, 0, tzinfo=SH)
        for _ in range(600):  # the catch-up run due at start: wait for it (not a timing assertion)
            if scheduler.monthly_report is not None:
                break
            time.sleep(0.05)
    finally:
        scheduler.stop()
    # the catch-up at start stored the month before today's (the wall clock's)
    assert scheduler.monthly_report is not None and scheduler.monthly_report["created"] is True
    assert len(_documents(engine)) == 1
