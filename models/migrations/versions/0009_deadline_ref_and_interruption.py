"""deadlines: what a clock belongs to, and when a limitation period was interrupted

- deadlines.ref: the obligation an enforcement clock counts for ("obligations[0]"): one clock per
  obligation, each from its own due date (民事诉讼法 第250条); NULL for a case's single clock of a kind.
- deadlines.interrupted_on: the day a limitation period (时效) was interrupted by the mediation request
  (民法典 第195条; 劳动争议调解仲裁法 第27条第2款).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ref", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("interrupted_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_column("interrupted_on")
        batch_op.drop_column("ref")
