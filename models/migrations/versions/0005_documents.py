"""documents: versions, the rendering outbox's attempts and error, verification code

A document row is registered `pending` in the transaction of its transition and rendered after
commit; `attempts`/`last_error`/`next_attempt_at` drive the retries, `verify_code` is what the QR
code prints, `version` counts corrections (a correction is a new row naming the one it replaces).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rendered_at", models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("verify_code", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_documents_status_next", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_documents_verify_code", ["verify_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_verify_code")
        batch_op.drop_index("ix_documents_status_next")
        batch_op.drop_column("verify_code")
        batch_op.drop_column("rendered_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")
        batch_op.drop_column("version")
