"""The statistics report as files: an Excel workbook (openpyxl: one sheet per table, Chinese headers, column
widths and number formats set, the header row frozen) and a CSV (UTF-8 with a BOM, so that Excel opens the
Chinese right), both built from the same tables (`tables`)."""

import csv
import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from models.report_schemas import StatisticsReport
from models.settings import get_settings
from states.labels import DEADLINE_KIND_LABELS
from workflows.read.statistics import CONFIRMATION_LABELS, OUTCOME_LABELS

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

COUNT = "#,##0"
PERCENT = "0.0%"
DAYS = "0.0"
TEXT = "@"


@dataclass
class Table:
    title: str  # the sheet's name (at most 31 characters)
    headers: list[str]
    formats: list[str]  # one number format per column
    rows: list[list[Any]]


def tables(report: StatisticsReport) -> list[Table]:
    period = f"{report.from_date.isoformat()} 至 {report.to_date.isoformat()}"
    o, c = report.outcomes, report.confirmations
    summary: list[list[Any]] = [
        ["统计期间", period],
        ["行政区划", report.region or "本人可查看的全部地区"],
        ["受理案件", report.received],
        *[[OUTCOME_LABELS[k], getattr(o, k)] for k in OUTCOME_LABELS],
        ["调解成功率", report.success_rate],
        *[[CONFIRMATION_LABELS[k], getattr(c, k)] for k in CONFIRMATION_LABELS],
        ["超期（时限届满）", sum(g.overdue for g in report.overdue)],
        ["生成时间", report.generated_at.astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M:%S")],
    ]
    return [
        Table("概况", ["项目", "数值"], [TEXT, COUNT], summary),
        Table(
            "受理-纠纷类型",
            ["纠纷类型", "代码", "受理数"],
            [TEXT, TEXT, COUNT],
            [[r.label, r.key, r.count] for r in report.by_dispute_type],
        ),
        Table(
            "受理-来源渠道",
            ["来源渠道", "代码", "受理数"],
            [TEXT, TEXT, COUNT],
            [[r.label, r.key, r.count] for r in report.by_channel],
        ),
        Table(
            "受理-调解组织",
            ["调解组织", "组织代码", "受理数"],
            [TEXT, TEXT, COUNT],
            [[r.label, r.key or "", r.count] for r in report.by_organization],
        ),
        Table(
            "办结情况",
            ["结果", "代码", "件数"],
            [TEXT, TEXT, COUNT],
            [[OUTCOME_LABELS[k], k, getattr(o, k)] for k in OUTCOME_LABELS],
        ),
        Table(
            "司法确认",
            ["事项", "代码", "件数"],
            [TEXT, TEXT, COUNT],
            [[CONFIRMATION_LABELS[k], k, getattr(c, k)] for k in CONFIRMATION_LABELS],
        ),
        Table(
            "办理天数",
            ["阶段", "代码", "办结次数", "中位数（天）", "第90百分位（天）"],
            [TEXT, TEXT, COUNT, DAYS, DAYS],
            [[s.label, s.stage, s.runs, s.median_days, s.p90_days] for s in report.stages],
        ),
        Table(
            "超期-组织",
            ["调解组织", "组织代码", "时限种类", "超期数"],
            [TEXT, TEXT, TEXT, COUNT],
            [
                [
                    g.org_name or ("尚未分流（受理窗口）" if g.org_code is None else g.org_code),
                    g.org_code or "",
                    DEADLINE_KIND_LABELS.get(kind, kind),
                    n,
                ]
                for g in report.overdue
                for kind, n in sorted(g.by_kind.items())
            ],
        ),
    ]


def _width(value: Any) -> int:
    """Columns wide enough for their text: a Chinese character is about two Latin ones."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def workbook(report: StatisticsReport) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for table in tables(report):
        ws = wb.create_sheet(table.title)
        ws.append(table.headers)
        for cell in ws[1]:
            cell.font, cell.fill, cell.alignment = bold, fill, Alignment(horizontal="center")
        for row in table.rows:
            ws.append(row)
        for i, fmt in enumerate(table.formats, start=1):
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = fmt
        if table.title == "概况":  # the one line that is a rate
            for row in ws.iter_rows(min_row=2):
                if row[0].value == "调解成功率":
                    row[1].number_format = PERCENT
        for i, header in enumerate(table.headers, start=1):
            widest = max([_width(header), *(_width(r[i - 1]) for r in table.rows)])
            ws.column_dimensions[get_column_letter(i)].width = min(60, widest + 4)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(report: StatisticsReport) -> bytes:
    """One long table of every figure: 表 (the sheet), 项目, 代码, 指标, 数值."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["表", "项目", "代码", "指标", "数值"])
    for table in tables(report):
        if table.title == "概况":
            for label, value in table.rows:
                w.writerow([table.title, label, "", table.headers[1], "" if value is None else value])
            continue
        label_cols = [i for i, f in enumerate(table.formats) if f == TEXT]
        for row in table.rows:
            for i, fmt in enumerate(table.formats):
                if fmt != TEXT:
                    item = " / ".join(str(row[j]) for j in label_cols if j != 1)  # column 1 is the code
                    w.writerow([table.title, item, row[1], table.headers[i], "" if row[i] is None else row[i]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
