"""The 督办 statistics (workflows/read/reports.py): cases by type and month, mediations ended with and
without agreement, and the median days per stage, counted by the database on hand-made audit logs, on
SQLite and PostgreSQL; scoped like every list."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import actor
from workflows.errors import Forbidden
from workflows.read import reports

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 10, 0, 0, tzinfo=SH)
CENTRE, ELSEWHERE = "330106001001", "330102001001"
DAY = timedelta(days=1)

# (label, region, type, created (local), [(trigger, to_state, days after created)])
LOGS = [
    (  # an extension does not restart mediation
        "A", CENTRE, "neighbour", datetime(2026, 11, 5, 9, 0, tzinfo=SH),
        [("divert", "diversion", 1), ("accept", "mediation", 3), ("extend", "mediation", 10),
         ("reach_agreement", "agreement", 20)],
    ),
    (  # a decline leaves the case in diversion: one run of four days
        "B", CENTRE, "labour", datetime(2026, 12, 1, 9, 0, tzinfo=SH),
        [("divert", "diversion", 2), ("decline", "diversion", 3), ("accept", "mediation", 6), ("fail", "failed", 8)],
    ),
    (  # the first hour of the oldest month; mediation entered twice, the second run still open
        "C", CENTRE, "neighbour", datetime(2026, 7, 1, 0, 30, tzinfo=SH),
        [("divert", "diversion", 0.5), ("accept", "mediation", 1.5), ("reach_agreement", "agreement", 3.5),
         ("resume_mediation", "mediation", 5)],
    ),
    (  # another district: an admin's only
        "D", ELSEWHERE, "family", datetime(2026, 11, 10, 9, 0, tzinfo=SH), [("divert", "diversion", 3)],
    ),
    (  # the month before the six: not counted by month, its events still within the 186 days looked at
        "E", CENTRE, "neighbour", datetime(2026, 6, 30, 23, 30, tzinfo=SH),
        [("divert", "diversion", 1), ("accept", "mediation", 2), ("fail", "failed", 3)],
    ),
    ("F", CENTRE, "neighbour", datetime(2026, 5, 1, 9, 0, tzinfo=SH), [("divert", "diversion", 1)]),  # too old
]  # fmt: skip


@pytest.fixture
def logs(engine) -> None:
    cases, events = reports.CASES, reports.EVENTS
    with engine.begin() as conn:
        for label, region, dispute_type, created, steps in LOGS:
            cid = uuid.uuid4()
            conn.execute(
                cases.insert().values(
                    id=cid, case_no=f"（2026）330106调S{label}号", region=region, dispute_type=dispute_type,
                    channel="window", summary="统计", state=steps[-1][1], created_by="test", created_at=created,
                    updated_at=created + steps[-1][2] * DAY,
                )
            )  # fmt: skip
            for seq, (trigger, to_state, days) in enumerate([("open", "intake", 0), *steps], start=1):
                conn.execute(
                    events.insert().values(
                        case_id=cid, seq=seq, at=created + days * DAY, actor="test", trigger=trigger,
                        from_state=None, to_state=to_state, payload={}, prev_hash="0" * 64, hash=f"{seq:064x}",
                    )
                )  # fmt: skip


def test_a_supervisor_sees_its_region_counted_by_type_month_outcome_and_stage(session, logs):
    stats = reports.statistics_for(session, actor(session, "super1"), now=NOW)

    assert stats.months == ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
    assert stats.by_type_month == {"neighbour": {"2026-11": 1, "2026-07": 1}, "labour": {"2026-12": 1}}
    assert stats.total == 3
    assert (stats.resolved, stats.unresolved, stats.resolution_rate) == (2, 2, 0.5)
    # intake 1, 2, 0.5, 1 · diversion 2, 4, 1, 1 · mediation 17, 2, 2, 1 · agreement 1.5 (C)
    assert stats.median_days == {
        "intake": 1.0,
        "diversion": 1.5,
        "mediation": 2.0,
        "agreement": 1.5,
        "judicial_confirmation": None,
    }
    assert stats.stage_samples == {
        "intake": 4,
        "diversion": 4,
        "mediation": 4,
        "agreement": 1,
        "judicial_confirmation": 0,
    }


def test_an_admin_sees_every_region_and_an_odd_number_of_runs_has_a_middle_one(session, logs):
    stats = reports.statistics_for(session, actor(session, "admin"), now=NOW)

    assert stats.by_type_month["family"] == {"2026-11": 1} and stats.total == 4
    assert (stats.median_days["intake"], stats.stage_samples["intake"]) == (1.0, 5)  # 0.5, 1, 1, 2, 3


def test_other_roles_are_refused(session):
    for username in ("window1", "mediator1", "court1"):
        with pytest.raises(Forbidden):
            reports.statistics_for(session, actor(session, username), now=NOW)


def test_no_cases_no_medians(session):
    stats = reports.statistics_for(session, actor(session, "super1"), now=NOW)

    assert (stats.by_type_month, stats.total, stats.resolution_rate) == ({}, 0, None)
    assert set(stats.median_days.values()) == {None} and set(stats.stage_samples.values()) == {0}
