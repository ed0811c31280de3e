"""deadlines counted in their own unit: counted_from / counted_days, paused_on / remaining_days

A clock is paused and resumed in days of its own unit (docs/contract.md §4a v2), no longer in
seconds: `counted_from`/`counted_days` say what the last day is counted from (the start, or the day
of the last resume), `paused_on`/`remaining_days` what a paused clock has left.

Existing rows:
- a running clock resumed under the old rule (its due_at is not the end of its last day) is rounded
  up to the end of that day, moved past a Saturday or Sunday, and counted from the day before
  (one day), so that the next count moves it off a holiday too: it never ends earlier than before;
- a clock paused before this revision keeps `remaining_seconds`; the engine converts it when the
  clock is resumed, to the fewest days that end no earlier than the seconds would have.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00
"""

import os
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counted_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("counted_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("paused_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("remaining_days", sa.Integer(), nullable=True))

    tz = ZoneInfo(os.environ.get("JIEFEN_TIMEZONE") or "Asia/Shanghai")
    deadlines = sa.table(
        "deadlines",
        sa.column("id", sa.Uuid()),
        sa.column("status", sa.String()),
        sa.column("last_day", sa.Date()),
        sa.column("due_at", models.types.UTCDateTime(timezone=True)),
        sa.column("counted_from", sa.Date()),
        sa.column("counted_days", sa.Integer()),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(deadlines.c.id, deadlines.c.last_day, deadlines.c.due_at).where(deadlines.c.status == "pending")
    ).all()
    for row in rows:
        if row.due_at == datetime.combine(row.last_day + timedelta(days=1), time(0), tzinfo=tz):
            continue
        last = row.due_at.astimezone(tz) - timedelta(microseconds=1)
        last_day = last.date()
        while last_day.weekday() >= 5:
            last_day += timedelta(days=1)
        conn.execute(
            deadlines.update()
            .where(deadlines.c.id == row.id)
            .values(
                last_day=last_day,
                due_at=datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz),
                counted_from=last_day - timedelta(days=1),
                counted_days=1,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_column("remaining_days")
        batch_op.drop_column("paused_on")
        batch_op.drop_column("counted_days")
        batch_op.drop_column("counted_from")
