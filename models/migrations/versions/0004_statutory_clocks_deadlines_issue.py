"""statutory clocks: reminder columns on deadlines

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 21:12:33.013864
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import models.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_lead_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("remind_at", models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_deadlines_status_remind", ["status", "remind_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_index("ix_deadlines_status_remind")
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("remind_at")
        batch_op.drop_column("reminder_lead_seconds")
