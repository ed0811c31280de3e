"""统计报表: the centre's statistics for a period and region (workflows/read/statistics.py) with charts,
the same as a workbook or CSV, and the monthly workbooks kept (workflows/monthly_report.py). Supervisors, admins."""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from api.web.charts import hbars, stage_bars
from api.web.page import Ctx, CtxDep
from models.report_schemas import CountRow
from workflows import monthly_report as monthly
from workflows.errors import Forbidden, JiefenError, PayloadInvalid
from workflows.read import statistics as stats
from workflows.read.statistics import CONFIRMATION_LABELS, OUTCOME_LABELS, SUPERVISORS
from workflows.read.statistics_files import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_bytes, workbook

router = APIRouter(include_in_schema=False)

REGION = re.compile(r"[0-9]{6}([0-9]{3}([0-9]{3})?)?")
PERIOD = re.compile(r"[0-9]{4}-[0-9]{2}")
FIELD_LABELS = {"from": "开始日期", "to": "结束日期", "region": "行政区划"}
# Taken as text and checked here: a wrong value is shown on the form, not answered with JSON.
FromQ = Annotated[str | None, Query(alias="from", max_length=40)]
ToQ = Annotated[str | None, Query(max_length=40)]
RegionQ = Annotated[str | None, Query(max_length=40)]


def presets(today: date) -> list[tuple[str, date, date]]:
    """The periods offered as links: this and last month, quarter and year (local dates)."""
    month = today.replace(day=1)
    last_month_end = month - timedelta(days=1)
    q_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_q_end = q_start - timedelta(days=1)
    last_q_start = date(last_q_end.year, 3 * ((last_q_end.month - 1) // 3) + 1, 1)
    q_end = (date(q_start.year + (q_start.month + 3 > 12), (q_start.month + 2) % 12 + 1, 1)) - timedelta(days=1)
    return [
        ("本月", month, today),
        ("上月", last_month_end.replace(day=1), last_month_end),
        ("本季度", q_start, min(q_end, today)),
        ("上季度", last_q_start, last_q_end),
        ("今年", date(today.year, 1, 1), today),
        ("去年", date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    ]


def _parse(raw: str | None, name: str, default: date) -> date:
    if raw is None or raw == "":
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise PayloadInvalid(["query", name], "日期格式应为 YYYY-MM-DD") from None


def _inputs(ctx: Ctx, from_: str | None, to: str | None, region: str | None) -> tuple[date, date, str | None]:
    today = datetime.now(UTC).astimezone(ctx.settings.tz).date()
    _, first, last = presets(today)[1]  # last month by default
    start, end = _parse(from_, "from", first), _parse(to, "to", last)
    region = (region or "").strip() or None
    if region is not None and not REGION.fullmatch(region):
        raise PayloadInvalid(["query", "region"], "行政区划代码应为6位（县级）、9位（乡镇级）或12位（村级）数字")
    stats.check_period(start, end)
    return start, end, region


def _refused(ctx: Ctx, exc: JiefenError) -> HTMLResponse:
    if isinstance(exc, PayloadInvalid):
        field = FIELD_LABELS.get(str(exc.loc[-1]), str(exc.loc[-1]))
        return ctx.render("error.html", status_code=422, title="统计条件有误", message=f"{field}：{exc.msg}")
    return ctx.refused(exc, "无权访问")


@router.get("/reports", response_class=HTMLResponse)
def report_page(ctx: CtxDep, from_: FromQ = None, to: ToQ = None, region: RegionQ = None) -> HTMLResponse:
    if ctx.actor.role not in SUPERVISORS:
        return ctx.refused(Forbidden("只有督办人员（supervisor）或管理员（admin）可以查看统计报表"), "无权访问")
    today = datetime.now(UTC).astimezone(ctx.settings.tz).date()
    try:
        start, end, area = _inputs(ctx, from_, to, region)
        report = stats.statistics(ctx.session, ctx.actor, from_date=start, to_date=end, region=area)
    except PayloadInvalid as exc:
        return _form_error(ctx, exc, today, from_, to, region)
    except JiefenError as exc:
        return _refused(ctx, exc)
    query = urlencode({"from": start.isoformat(), "to": end.isoformat(), **({"region": area} if area else {})})
    o, c = report.outcomes, report.confirmations
    return ctx.render(
        "reports.html",
        report=report,
        form={"from": start.isoformat(), "to": end.isoformat(), "region": area or ""},
        presets=[(label, a.isoformat(), b.isoformat()) for label, a, b in presets(today)],
        query=query,
        error=None,
        rate=report.success_rate,
        types_chart=hbars(_largest_first(report.by_dispute_type)),
        channel_chart=hbars(_largest_first(report.by_channel)),
        outcome_chart=hbars([(OUTCOME_LABELS[k], getattr(o, k)) for k in OUTCOME_LABELS]),
        confirmation_rows=[(CONFIRMATION_LABELS[k], getattr(c, k)) for k in CONFIRMATION_LABELS],
        stage_chart=stage_bars(report.stages),
        overdue_total=sum(g.overdue for g in report.overdue),
        kept=monthly.stored_reports(ctx.session),
    )


def _largest_first(rows: list[CountRow]) -> list[tuple[str, float | None]]:
    """The rows that have any, the largest first (the table below keeps every row in its order)."""
    return [(r.label, r.count) for r in sorted((r for r in rows if r.count), key=lambda r: -r.count)]


def _form_error(
    ctx: Ctx, exc: PayloadInvalid, today: date, from_: str | None, to: str | None, region: str | None
) -> HTMLResponse:
    field = str(exc.loc[-1])
    return ctx.render(
        "reports.html",
        status_code=422,
        report=None,
        form={"from": from_ or "", "to": to or "", "region": region or ""},
        presets=[(label, a.isoformat(), b.isoformat()) for label, a, b in presets(today)],
        error={"field": field, "label": FIELD_LABELS.get(field, field), "msg": exc.msg},
        kept=monthly.stored_reports(ctx.session),
    )


def _file(ctx: Ctx, from_: str | None, to: str | None, region: str | None, ext: str) -> Response:
    try:
        start, end, area = _inputs(ctx, from_, to, region)
        report = stats.statistics(ctx.session, ctx.actor, from_date=start, to_date=end, region=area)
    except JiefenError as exc:
        return _refused(ctx, exc)
    name = f"statistics-{start.isoformat()}-{end.isoformat()}{'-' + area if area else ''}.{ext}"
    content, media = (workbook(report), XLSX_MEDIA_TYPE) if ext == "xlsx" else (csv_bytes(report), CSV_MEDIA_TYPE)
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/reports/statistics.xlsx")
def report_xlsx(ctx: CtxDep, from_: FromQ = None, to: ToQ = None, region: RegionQ = None) -> Response:
    return _file(ctx, from_, to, region, "xlsx")


@router.get("/reports/statistics.csv")
def report_csv(ctx: CtxDep, from_: FromQ = None, to: ToQ = None, region: RegionQ = None) -> Response:
    return _file(ctx, from_, to, region, "csv")


@router.get("/reports/monthly/{period}.xlsx")
def kept_workbook(ctx: CtxDep, period: str) -> Response:
    """A monthly workbook kept by the `monthly_report` flow, as it was made."""
    if ctx.actor.role not in SUPERVISORS:
        return ctx.refused(Forbidden("只有督办人员（supervisor）或管理员（admin）可以查看统计报表"), "无权访问")
    content = monthly.stored_content(ctx.session, period) if PERIOD.fullmatch(period) else None
    if content is None:
        return ctx.render(
            "error.html", status_code=404, title="没有该月报表", message=f"没有保存 {period} 的月度统计报表"
        )
    return Response(
        content,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="monthly-report-{period}.xlsx"'},
    )
