"""court hand-off: court level and webhook of a court; the ruling on a hand-off

- organizations.court_level: basic | intermediate (民事诉讼法 第205条: the court level that hears
  the application); default basic.
- organizations.webhook_url / webhook_secret: where a court that prefers push receives its
  hand-offs, and the HMAC-SHA256 key it checks them with (stored; never returned by the API).
- court_handoffs.ruling_no / outcome: the court's ruling number and confirmed | rejected.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("court_level", sa.String(length=16), server_default="basic", nullable=False))
        batch_op.add_column(sa.Column("webhook_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("webhook_secret", sa.String(length=200), nullable=True))
    with op.batch_alter_table("court_handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ruling_no", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("court_handoffs", schema=None) as batch_op:
        batch_op.drop_column("outcome")
        batch_op.drop_column("ruling_no")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("webhook_secret")
        batch_op.drop_column("webhook_url")
        batch_op.drop_column("court_level")
