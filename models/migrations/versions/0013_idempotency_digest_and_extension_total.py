"""the request an idempotency key was used with; the days a clock was extended by

- idempotency_keys.request_digest: SHA-256 of the canonical body of the intake the key opened, so the same
  key with another body can be refused (docs/contract.md §5). Keys stored before this revision have none
  and keep replaying their case for any body.
- deadlines.extended_days: the days of its unit a clock was extended by, the total a profile caps
  (workflows/clocks/profiles.py). Open mediation clocks get what their case's `extend` events since the
  clock was opened add up to; other rows start at 0 (their extensions are kept on the case).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 10:00:00
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("idempotency_keys", sa.Column("request_digest", sa.String(length=64), nullable=True))
    op.add_column("deadlines", sa.Column("extended_days", sa.Integer(), nullable=False, server_default="0"))

    deadlines = sa.table(
        "deadlines",
        sa.column("id", sa.Uuid()),
        sa.column("case_id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("status", sa.String()),
        sa.column("created_at", models.types.UTCDateTime(timezone=True)),
        sa.column("extended_days", sa.Integer()),
    )
    events = sa.table(
        "case_events",
        sa.column("case_id", sa.Uuid()),
        sa.column("trigger", sa.String()),
        sa.column("at", models.types.UTCDateTime(timezone=True)),
        sa.column("payload", sa.JSON()),
    )
    conn = op.get_bind()
    clocks = conn.execute(
        sa.select(deadlines.c.id, deadlines.c.case_id, deadlines.c.created_at).where(
            deadlines.c.kind == "mediation", deadlines.c.status.in_(["pending", "paused"])
        )
    ).all()
    if not clocks:
        return
    extends: dict[object, list[tuple[object, int]]] = defaultdict(list)
    for ev in conn.execute(
        sa.select(events.c.case_id, events.c.at, events.c.payload).where(
            events.c.trigger == "extend", events.c.case_id.in_({c.case_id for c in clocks})
        )
    ):
        days = (ev.payload or {}).get("days")
        if isinstance(days, int) and not isinstance(days, bool):
            extends[ev.case_id].append((ev.at, days))
    for clock in clocks:
        total = sum(days for at, days in extends.get(clock.case_id, []) if at >= clock.created_at)
        if total:
            conn.execute(deadlines.update().where(deadlines.c.id == clock.id).values(extended_days=total))


def downgrade() -> None:
    op.drop_column("deadlines", "extended_days")
    op.drop_column("idempotency_keys", "request_digest")
