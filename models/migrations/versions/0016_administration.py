"""administration: a password the user must change, retired mediators, the administrative change log

- users.must_change_password: set when an administrator gives a user a password (a reset, a new
  account); until the user picks their own, only the password change is served to them.
- mediators.active: a retired mediator stays on record (cases name them) but takes no new case.
- admin_changes: every change an administrator makes to users, mediators and organizations — who,
  when, what, before and after (passwords and webhook secrets never recorded).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-20 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (a batch operation would copy tables other tables refer to).
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("mediators", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        "admin_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_admin_changes_at", "admin_changes", ["at"])
    op.create_index("ix_admin_changes_entity_key", "admin_changes", ["entity", "key"])


def downgrade() -> None:
    op.drop_index("ix_admin_changes_entity_key", table_name="admin_changes")
    op.drop_index("ix_admin_changes_at", table_name="admin_changes")
    op.drop_table("admin_changes")
    op.drop_column("mediators", "active")
    op.drop_column("users", "must_change_password")
