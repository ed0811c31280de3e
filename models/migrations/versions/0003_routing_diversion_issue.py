"""routing (diversion)

Organizations invited by courts (特邀调解), the next duty day of a rotating organization on a case,
and the organizations that have passed a case on (a case never bounces between the same two bodies).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 21:12:33.008160
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invited_by", sa.JSON(), server_default="[]", nullable=False))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_duty_day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("passed_org_codes", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("passed_org_codes")
        batch_op.drop_column("next_duty_day")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("invited_by")
