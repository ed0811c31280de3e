"""Reports (统计报表, CONTRACT §5 v2): the centre's statistics for a period, as JSON, a workbook or a CSV."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import ActorDep, SessionDep
from api.responses import errors
from models.fields import DueDate
from models.report_schemas import StatisticsReport
from workflows.read import statistics as stats
from workflows.read.statistics_files import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_bytes, workbook

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

REGION = r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$"
FromQ = Annotated[DueDate, Query(alias="from", description="第一天（含），YYYY-MM-DD，按 JIEFEN_TIMEZONE")]
ToQ = Annotated[DueDate, Query(description=f"最后一天（含），不早于 from，期间最长 {stats.MAX_DAYS} 天")]
RegionQ = Annotated[str | None, Query(pattern=REGION, description="行政区划代码（6、9 或 12 位）：只统计该地区的案件")]
# 403: not a supervisor or admin, or a region outside the caller's area; 422: from/to/region invalid.
ERRORS = errors(403, 422)


def _report(session: SessionDep, actor: ActorDep, from_: date, to: date, region: str | None) -> StatisticsReport:
    return stats.statistics(session, actor, from_date=from_, to_date=to, region=region)


def _filename(report: StatisticsReport, ext: str) -> str:
    area = f"-{report.region}" if report.region else ""
    return f"statistics-{report.from_date.isoformat()}-{report.to_date.isoformat()}{area}.{ext}"


@router.get("/statistics", response_model=StatisticsReport, responses=ERRORS)
def statistics(session: SessionDep, actor: ActorDep, from_: FromQ, to: ToQ, region: RegionQ = None) -> StatisticsReport:
    """Cases received (by dispute type, channel, organization), outcomes, success rate, judicial
    confirmations, days per stage (median, 90th percentile) and overdue clocks by organization, counted
    from the audit log for the period and the regions the caller may see."""
    return _report(session, actor, from_, to, region)


@router.get(
    "/statistics.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}, **ERRORS},
)
def statistics_xlsx(session: SessionDep, actor: ActorDep, from_: FromQ, to: ToQ, region: RegionQ = None) -> Response:
    """The same statistics as an Excel workbook: one sheet per table, the header row frozen."""
    report = _report(session, actor, from_, to, region)
    return Response(
        workbook(report),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{_filename(report, "xlsx")}"'},
    )


@router.get(
    "/statistics.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **ERRORS},
)
def statistics_csv(session: SessionDep, actor: ActorDep, from_: FromQ, to: ToQ, region: RegionQ = None) -> Response:
    """The same statistics as one CSV table (UTF-8 with a byte-order mark, for Excel)."""
    report = _report(session, actor, from_, to, region)
    return Response(
        csv_bytes(report),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{_filename(report, "csv")}"'},
    )
