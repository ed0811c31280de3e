"""who is rendering a document, and until when (the render worker's claim)

- documents.claimed_by / claimed_until: a renderer claims a batch of pending documents before the slow
  work, so two renderers (the render worker `jiefen serve` starts, a Prefect `documents_render` flow run,
  `jiefen documents render`) never render the same one. A claim past its `claimed_until` is free again
  (the renderer died mid-render). workflows/outbox/claims.py.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("claimed_by", sa.String(length=80), nullable=True))
    op.add_column("documents", sa.Column("claimed_until", models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "claimed_until")
    op.drop_column("documents", "claimed_by")
