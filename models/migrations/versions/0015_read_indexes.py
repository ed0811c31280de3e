"""indexes the case lists and the 督办 dashboard read through

- cases (updated_at, id): every list's order (most recently updated first, id breaking ties), and the
  keyset seek of a page after a cursor, (updated_at, id) < (…, …).
- cases (org_code, updated_at, id): a mediator's list (its organization's cases), in that order.
- cases (created_at, region, dispute_type): the statistics of the last months, cases by type and month
  counted from the index alone, and the cases whose events the stage spans read.
- deadlines (case_id, kind, created_at): whether a fired clock is still a case's latest of its kind
  (the overdue board's `newer` test).

Only indexes: nothing is rewritten, so SQLite needs no table copy.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-12 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_cases_updated_id", "cases", ["updated_at", "id"]),
    ("ix_cases_org_updated", "cases", ["org_code", "updated_at", "id"]),
    ("ix_cases_created_scope", "cases", ["created_at", "region", "dispute_type"]),
    ("ix_deadlines_case_kind_created", "deadlines", ["case_id", "kind", "created_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
