"""the statistics report: events counted by period, and the monthly workbook kept as a document

- case_events (at, trigger): the statistics of a period (workflows/read/statistics.py) count the events of
  the period by trigger, a range scan of this index.
- documents.case_id nullable and documents.period: a document of the centre rather than of a case — the
  monthly statistics workbook (kind `monthly_report`, period "2026-11", an .xlsx stored in `content`,
  workflows/monthly_report.py). A unique index on (kind, period) keeps one per month however often the flow runs;
  a case's documents have no period (NULL never collides).

SQLite cannot relax NOT NULL in place: the documents table is copied (batch mode).

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-02 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_case_events_at_trigger", "case_events", ["at", "trigger"], unique=False)
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("case_id", existing_type=sa.Uuid(), nullable=True)
        batch.add_column(sa.Column("period", sa.String(length=16), nullable=True))
    op.create_index("ux_documents_kind_period", "documents", ["kind", "period"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_documents_kind_period", table_name="documents")
    op.execute("DELETE FROM documents WHERE case_id IS NULL")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("period")
        batch.alter_column("case_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_index("ix_case_events_at_trigger", table_name="case_events")
