"""API schemas of the centre's statistics report (GET /api/v1/reports/statistics, CONTRACT §5 v2).

Field names are English; the labels staff read are Chinese (`label`)."""

from datetime import date

from pydantic import BaseModel

from models.fields import LocalDateTime


class CountRow(BaseModel):
    """One line of a breakdown: the code (None: no organization yet), its Chinese label, the count."""

    key: str | None
    label: str
    count: int


class Outcomes(BaseModel):
    """Events in the period that end (or hand on) a mediation, counted from the audit log."""

    agreement: int  # reach_agreement
    failed: int  # fail, mediation_timeout
    withdrawn: int  # withdraw
    arbitration: int  # refer_arbitration
    litigation: int  # refer_litigation
    transferred_out: int  # transfer_out (导入其他法定途径)
    rejected: int  # reject (不予受理)


class Confirmations(BaseModel):
    """Judicial confirmation (司法确认) in the period."""

    applied: int  # request_confirmation, reapply_confirmation
    confirmed: int  # court_confirm
    rejected: int  # court_reject
    withdrawn: int  # withdraw_confirmation


class StageDays(BaseModel):
    """Days spent in a stage, over the runs of the stage that ended in the period."""

    stage: str
    label: str
    runs: int
    median_days: float | None
    p90_days: float | None


class OrganizationOverdue(BaseModel):
    """Clocks that ran out in the period on the cases of an organization (None: not yet diverted)."""

    org_code: str | None
    org_name: str | None
    overdue: int
    by_kind: dict[str, int]


class StatisticsReport(BaseModel):
    from_date: date
    to_date: date
    region: str | None  # the area asked for; None: every region the caller may see
    generated_at: LocalDateTime
    received: int
    by_dispute_type: list[CountRow]
    by_channel: list[CountRow]
    by_organization: list[CountRow]
    outcomes: Outcomes
    success_rate: float | None  # agreement / (agreement + failed); None when neither happened
    confirmations: Confirmations
    stages: list[StageDays]
    overdue: list[OrganizationOverdue]
