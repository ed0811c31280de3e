"""keyed audit chain and its checkpoints

- case_events.key_id: the audit key whose HMAC-SHA256 is the event's hash; NULL for the events written
  before (plain SHA-256), which verification trusts only as far as a signed checkpoint pins them.
- audit_checkpoints: each checkpoint written to the append-only checkpoint file, so a file cut short
  by its last lines is told from one that never had them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("case_events", sa.Column("key_id", sa.String(length=32), nullable=True))
    op.create_table(
        "audit_checkpoints",
        sa.Column("n", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("line_hash", sa.String(length=64), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("n"),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_column("case_events", "key_id")
