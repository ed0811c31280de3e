"""staff messages in the app (消息): a case assigned, a deadline within its reminder lead, the court's ruling,
a push that failed (workflows/notify/inbox.py)

- staff_messages: one row per message and recipient (username); `dedupe_key` unique, so the same event
  written twice (a flow run again) gives one message; the index (username, read_at, created_at) serves the
  unread count in every page's navigation and the newest-first list.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(length=1000), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("ix_staff_messages_case_id", "staff_messages", ["case_id"], unique=False)
    op.create_index("ix_staff_messages_inbox", "staff_messages", ["username", "read_at", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_staff_messages_inbox", table_name="staff_messages")
    op.drop_index("ix_staff_messages_case_id", table_name="staff_messages")
    op.drop_table("staff_messages")
