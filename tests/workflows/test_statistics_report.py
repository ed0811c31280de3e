"""The centre's statistics report (workflows/read/statistics.py) on a history built through the engine
(tests/workflows/report_history.py), every figure of November 2026 worked out by hand below, on SQLite
and PostgreSQL; and the same figures in the workbook (opened back with openpyxl) and the CSV.

The history (local time, Asia/Shanghai; each case opened at the window unless said):
  A neighbour  window   2 Nov; divert +1d, accept +2d, agreement +4d (9 Nov)
  B neighbour  hotline  3 Nov; divert +½d, accept +½d, fail +6d
  C contract   window   4 Nov; divert +1d, accept +1d, agreement +2d, confirmation applied +3d, confirmed +5d
  D consumer   online   5 Nov; divert +2d, accept +1d, agreement +3d, applied +1d, rejected +10d
  E neighbour  online   6 Nov; withdrawn +1d (from intake: never diverted)
  F contract   grid     6 Nov; divert +1d, accept +1d, fail +3d, referred to arbitration +2d
  G neighbour  window   7 Nov; divert +1d, accept +1d, fail +2d, referred to court +1d
  H neighbour  window  13 Oct; divert +1d, accept +1d, agreement +21d (5 Nov): received in October
  I neighbour  window  30 Nov 23:30: the last half hour of November
  J neighbour  window   1 Dec 00:30: not November's (though still 30 November in UTC)
  K family     上城区  10 Nov: another district's window (an admin's only)
  L neighbour  window  16 Nov; divert +3h; its diversion clock runs out (swept 25 Nov) at 北山街道
All diverted cases go to 北山街道人民调解委员会 (CN-ZJ-XH-CC-RTW); the sweep escalates L to 西湖区人民调解委员会.
"""

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from models.report_schemas import StatisticsReport
from tests.factories import actor
from tests.workflows.report_history import SH, build_and_sweep
from workflows.errors import Forbidden, PayloadInvalid
from workflows.read import statistics as st
from workflows.read.statistics_files import csv_bytes, workbook

NOV = {"from_date": date(2026, 11, 1), "to_date": date(2026, 11, 30)}
AT = datetime(2026, 12, 1, 9, tzinfo=SH)
BEISHAN, XIHU = "CN-ZJ-XH-CC-RTW", "CN-ZJ-XH-RTW"


@pytest.fixture
def history(engine, session):
    return build_and_sweep(session, engine)


def counts(rows) -> dict:
    return {r.key: r.count for r in rows if r.count}


def stage(report: StatisticsReport) -> dict:
    return {s.stage: (s.runs, s.median_days, s.p90_days) for s in report.stages}


def test_every_figure_of_november_as_the_supervisor_sees_it(session, history):
    r = st.statistics(session, actor(session, "super1"), **NOV, now=AT)
    # received: A B C D E F G I L (not H: October; not J: December; not K: another district)
    assert r.received == 9
    assert counts(r.by_dispute_type) == {"neighbour": 6, "contract": 2, "consumer": 1}
    assert [x.key for x in r.by_dispute_type][:2] == ["labour", "land_contract"]  # every type listed, zeros too
    assert counts(r.by_channel) == {"window": 5, "hotline": 1, "online": 2, "grid": 1}
    assert [(x.key, x.label, x.count) for x in r.by_organization] == [
        (BEISHAN, "北山街道人民调解委员会", 6),  # A B C D F G
        (None, "尚未分流（受理窗口）", 2),  # E I
        (XIHU, "西湖区人民调解委员会", 1),  # L, after its escalation
    ]
    # outcomes: agreements A C D H; failures B F G; E withdrawn; F to arbitration; G to court
    assert r.outcomes.model_dump() == {
        "agreement": 4,
        "failed": 3,
        "withdrawn": 1,
        "arbitration": 1,
        "litigation": 1,
        "transferred_out": 0,
        "rejected": 0,
    }
    assert r.success_rate == pytest.approx(4 / 7)
    assert r.confirmations.model_dump() == {"applied": 2, "confirmed": 1, "rejected": 1, "withdrawn": 0}
    # runs that ended in November (days):
    #   intake     A1 B½ C1 D2 E1 F1 G1 L⅛      → median 1, 90th percentile (8th of 8) 2
    #   diversion  A2 B½ C1 D1 F1 G1            → median 1, 90th (6th of 6) 2   (L's still open)
    #   mediation  A4 B6 C2 D3 F3 G2 H21        → median 3, 90th (7th of 7) 21
    #   agreement  C3 D1                        → median 2, 90th (2nd of 2) 3   (A's and H's still open)
    #   judicial_confirmation  C5 D10           → median 7.5, 90th 10
    assert stage(r) == {
        "intake": (8, 1.0, 2.0),
        "diversion": (6, 1.0, 2.0),
        "mediation": (7, 3.0, 21.0),
        "agreement": (2, 2.0, 3.0),
        "judicial_confirmation": (2, 7.5, 10.0),
        "arbitration": (0, None, None),
        "litigation": (0, None, None),
    }
    # L's diversion ran out while 北山街道 held it (the case is at 西湖区 now)
    assert [(g.org_code, g.org_name, g.overdue, g.by_kind) for g in r.overdue] == [
        (BEISHAN, "北山街道人民调解委员会", 1, {"diversion_acceptance": 1})
    ]


def test_the_admin_sees_every_district_and_a_region_narrows_it(session, history):
    admin = actor(session, "admin")
    r = st.statistics(session, admin, **NOV)
    assert r.received == 10 and counts(r.by_dispute_type)["family"] == 1  # K too
    other = st.statistics(session, admin, **NOV, region="330102")
    assert other.received == 1 and counts(other.by_dispute_type) == {"family": 1}
    assert other.outcomes.agreement == 0 and other.overdue == []
    # a supervisor narrowing to a street of its district sees the same (every case is in 北山街道)
    street = st.statistics(session, actor(session, "super1"), **NOV, region="330106001")
    assert street.received == 9 and street.outcomes.agreement == 4
    assert st.statistics(session, admin, **NOV, region="330106002").received == 0


def test_periods_are_local_days_a_quarter_and_december(session, history):
    sup = actor(session, "super1")
    december = st.statistics(session, sup, from_date=date(2026, 12, 1), to_date=date(2026, 12, 31))
    assert december.received == 1 and counts(december.by_dispute_type) == {"neighbour": 1}  # J
    assert december.outcomes.agreement == 0 and december.stages[0].runs == 0
    quarter = st.statistics(session, sup, from_date=date(2026, 10, 1), to_date=date(2026, 12, 31))
    assert quarter.received == 11  # + H (October) + J (December)
    assert stage(quarter)["intake"][0] == 9 and stage(quarter)["diversion"][0] == 7  # + H's October runs
    one_day = st.statistics(session, sup, from_date=date(2026, 11, 30), to_date=date(2026, 11, 30))
    assert one_day.received == 1  # I


def test_other_roles_a_foreign_region_and_bad_periods_are_refused(session, history):
    for who in ("window1", "mediator1", "court1"):
        with pytest.raises(Forbidden):
            st.statistics(session, actor(session, who), **NOV)
    with pytest.raises(Forbidden):
        st.statistics(session, actor(session, "super1"), **NOV, region="330102")
    with pytest.raises(PayloadInvalid) as e:
        st.statistics(session, actor(session, "super1"), from_date=date(2026, 11, 2), to_date=date(2026, 11, 1))
    assert e.value.loc == ["query", "to"]
    with pytest.raises(PayloadInvalid):
        st.statistics(
            session, actor(session, "super1"), from_date=date(2025, 1, 1), to_date=date(2026, 1, 2)
        )  # 367 days
    assert st.statistics(session, actor(session, "super1"), from_date=date(2024, 1, 1), to_date=date(2024, 12, 31))
    with pytest.raises(PayloadInvalid) as e:
        st.statistics(session, actor(session, "super1"), from_date=date(1, 1, 1), to_date=date(1, 1, 2))
    assert e.value.loc == ["query", "from"]


def test_the_workbook_holds_the_same_figures_with_headers_formats_and_frozen_rows(session, history):
    r = st.statistics(session, actor(session, "super1"), **NOV, now=AT)
    wb = load_workbook(io.BytesIO(workbook(r)))
    assert wb.sheetnames == [
        "概况",
        "受理-纠纷类型",
        "受理-来源渠道",
        "受理-调解组织",
        "办结情况",
        "司法确认",
        "办理天数",
        "超期-组织",
    ]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(ws.column_dimensions[c].width >= 8 for c in "AB"), ws.title
        assert all(cell.font.bold for cell in ws[1]), ws.title

    def rows(name: str) -> list[tuple]:
        return [tuple(c.value for c in row) for row in wb[name].iter_rows(min_row=1)]

    summary = {label: value for label, value in rows("概况")[1:]}
    assert summary["统计期间"] == "2026-11-01 至 2026-11-30"
    assert summary["受理案件"] == 9 and summary["调解成功（达成协议）"] == 4 and summary["当事人撤回"] == 1
    assert summary["调解成功率"] == pytest.approx(4 / 7) and summary["申请司法确认"] == 2
    assert summary["生成时间"] == "2026-12-01 09:00:00"
    rate = next(row[1] for row in wb["概况"].iter_rows(min_row=2) if row[0].value == "调解成功率")
    assert rate.number_format == "0.0%"
    assert wb["概况"]["B4"].number_format == "#,##0"

    types = rows("受理-纠纷类型")
    assert types[0] == ("纠纷类型", "代码", "受理数")
    assert {code: n for _, code, n in types[1:] if n} == {"neighbour": 6, "contract": 2, "consumer": 1}
    assert ("邻里纠纷", "neighbour", 6) in types
    assert rows("受理-来源渠道")[1] == ("窗口来访", "window", 5)
    assert rows("受理-调解组织")[1:] == [
        ("北山街道人民调解委员会", BEISHAN, 6),
        ("尚未分流（受理窗口）", None, 2),
        ("西湖区人民调解委员会", XIHU, 1),
    ]
    assert rows("办结情况")[1:4] == [
        ("调解成功（达成协议）", "agreement", 4),
        ("调解不成（含期满视为不成）", "failed", 3),
        ("当事人撤回", "withdrawn", 1),
    ]
    assert rows("司法确认")[1:] == [
        ("申请司法确认", "applied", 2),
        ("裁定确认有效", "confirmed", 1),
        ("裁定驳回", "rejected", 1),
        ("撤回申请", "withdrawn", 0),
    ]
    days = wb["办理天数"]
    assert [c.value for c in days[1]] == ["阶段", "代码", "办结次数", "中位数（天）", "第90百分位（天）"]
    assert [c.value for c in days[4]] == ["调解中", "mediation", 7, 3.0, 21.0]
    assert days["D4"].number_format == "0.0" and days["C4"].number_format == "#,##0"
    assert [c.value for c in days[7]] == ["仲裁中", "arbitration", 0, None, None]
    assert rows("超期-组织")[1:] == [("北山街道人民调解委员会", BEISHAN, "分流受理时限", 1)]
    assert wb["受理-调解组织"].column_dimensions["A"].width >= len("北山街道人民调解委员会") * 2


def test_the_csv_has_a_bom_and_parses_back_to_the_same_figures(session, history):
    r = st.statistics(session, actor(session, "super1"), **NOV, now=AT)
    raw = csv_bytes(r)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["表", "项目", "代码", "指标", "数值"]
    table = {(t, code or item, measure): value for t, item, code, measure, value in rows[1:]}
    assert table[("概况", "受理案件", "数值")] == "9"
    assert table[("受理-纠纷类型", "neighbour", "受理数")] == "6"
    assert table[("受理-来源渠道", "hotline", "受理数")] == "1"
    assert table[("受理-调解组织", BEISHAN, "受理数")] == "6"
    assert table[("受理-调解组织", "尚未分流（受理窗口）", "受理数")] == "2"
    assert table[("办结情况", "failed", "件数")] == "3"
    assert table[("司法确认", "rejected", "件数")] == "1"
    assert table[("办理天数", "mediation", "第90百分位（天）")] == "21.0"
    assert table[("办理天数", "litigation", "中位数（天）")] == ""
    assert table[("超期-组织", BEISHAN, "超期数")] == "1"
    assert ("超期-组织", "北山街道人民调解委员会 / 分流受理时限", BEISHAN, "超期数", "1") in [tuple(x) for x in rows]


def test_every_query_reads_the_period_through_the_index(sqlite_only):
    """SQLite's plans: each query of the report finds the period's events by ix_case_events_at_trigger
    and never scans the audit log."""
    import sqlalchemy as sa
    from sqlmodel import Session

    with Session(sqlite_only, expire_on_commit=False) as s:
        build_and_sweep(s, sqlite_only)
    statements: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, params, context, executemany) -> None:  # noqa: ANN001
        if "case_events" in statement and not statement.startswith("EXPLAIN"):
            statements.append((statement, params))

    sa.event.listen(sqlite_only, "before_cursor_execute", grab)
    try:
        with Session(sqlite_only) as s:
            st.statistics(s, actor(s, "super1"), **NOV)
            plans = [
                [row[-1] for row in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + stmt, params).all()]
                for stmt, params in statements
            ]
    finally:
        sa.event.remove(sqlite_only, "before_cursor_execute", grab)
    assert len(plans) == 4  # received, outcomes and confirmations, overdue, stage runs
    for plan in plans:
        assert any("USING INDEX ix_case_events_at_trigger (at>? AND at<?)" in step for step in plan), plan
        assert not any(step.startswith("SCAN case_events") for step in plan), plan
