"""Migration 0007 (clocks counted in days): clocks paused or resumed under the old rule (seconds)
never end earlier than they would have before, and end at the end of a day from then on.

A real SQLite file goes down to 0006 with rows shaped as the old code left them, and up again.
"""

from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from models.db import make_engine
from models.migrate import alembic_config, upgrade
from models.tables import Deadline
from states.enums import State, Trigger as T
from tests.conftest import _seed
from tests.factories import make_case
from tests.workflows.support import fire_as, local, one_deadline

DEADLINES = Deadline.__table__


def test_old_paused_and_resumed_clocks_survive_the_migration_and_never_end_earlier(tmp_path):
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url)
    engine = make_engine(url)
    _seed(engine)
    with Session(engine, expire_on_commit=False) as session:
        paused = make_case(session, state=State.MEDIATION)  # accepted Mon 2 Nov: last day Wed 2 Dec
        resumed = make_case(session, state=State.MEDIATION)
        on_saturday = make_case(session, state=State.MEDIATION)
        fire_as(session, paused, T.PAUSE_CLOCK, "mediator1", {"reason": "委托鉴定"}, now=local(2026, 11, 3, 10))
    engine.dispose()

    command.downgrade(alembic_config(url), "0006")
    engine = make_engine(url)
    # As the old code left them: the paused clock kept 29 days 14 hours (10:00 3 Nov → 00:00 3 Dec);
    # two clocks resumed under the old rule ended at a time of day, one of them on Saturday 19 Dec.
    old_paused_remaining = 29 * 86400 + 14 * 3600
    with engine.begin() as conn:
        cols = {c["name"] for c in sa.inspect(conn).get_columns("deadlines")}
        assert "remaining_days" not in cols and "remaining_seconds" in cols
        mediation = DEADLINES.c.kind == "mediation"
        conn.execute(
            DEADLINES.update()
            .where(DEADLINES.c.case_id == paused.id, mediation)
            .values(remaining_seconds=old_paused_remaining)
        )
        for case, due, last in (
            (resumed, local(2026, 12, 17, 5, 27, 41), date(2026, 12, 17)),
            (on_saturday, local(2026, 12, 19, 22, 59), date(2026, 12, 19)),
        ):
            conn.execute(
                DEADLINES.update().where(DEADLINES.c.case_id == case.id, mediation).values(due_at=due, last_day=last)
            )
    engine.dispose()

    upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        old = one_deadline(session, paused.id, "mediation", status="paused")
        assert (old.remaining_seconds, old.remaining_days) == (old_paused_remaining, None)

        # Resumed at 15:27:41 on Tue 17 Nov: the seconds would have run to 05:27:41 on Thu 17 Dec; the
        # fewest days from 17 Nov ending no earlier: 30 days, Thu 17 Dec, ending at 24:00.
        resumed_at = local(2026, 11, 17, 15, 27, 41)
        fire_as(session, paused, T.RESUME_CLOCK, "mediator1", {"reason": "鉴定意见送达"}, now=resumed_at)
        d = one_deadline(session, paused.id, "mediation")
        assert d.due_at >= resumed_at + timedelta(seconds=old_paused_remaining)
        assert (d.last_day, d.due_at, d.counted_from, d.counted_days) == (
            date(2026, 12, 17),
            local(2026, 12, 18),
            date(2026, 11, 17),
            30,
        )
        assert (d.remaining_seconds, d.remaining_days, d.paused_on) == (None, None, None)

        # A clock resumed under the old rule ends at the end of its last day ...
        r = one_deadline(session, resumed.id, "mediation")
        assert (r.last_day, r.due_at, r.counted_from, r.counted_days) == (
            date(2026, 12, 17),
            local(2026, 12, 18),
            date(2026, 12, 16),
            1,
        )
        # ... and one that ended on a Saturday moves to the Monday.
        s = one_deadline(session, on_saturday.id, "mediation")
        assert (s.last_day, s.due_at) == (date(2026, 12, 21), local(2026, 12, 22))
        # An untouched clock is left as it was.
        never_paused = session.exec(
            sa.select(DEADLINES.c.last_day, DEADLINES.c.counted_from).where(
                DEADLINES.c.kind == "diversion_acceptance", DEADLINES.c.case_id == resumed.id
            )
        ).one()
        assert never_paused == (date(2026, 11, 5), None)  # NULL: counted from its start day

        # An extension of a migrated clock counts on from where it counts from.
        fire_as(
            session,
            resumed,
            T.EXTEND,
            "mediator1",
            {"days": 3, "reason": "双方同意延长", "consent": True},
            now=local(2026, 11, 20, 10),
        )
        assert one_deadline(session, resumed.id, "mediation").last_day == date(
            2026, 12, 21
        )  # 16 Dec + 4 = Sun 20: Mon 21
    engine.dispose()
