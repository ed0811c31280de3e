"""arbitration and judicial confirmation records on the case

- cases.arbitration: the application's receipt by the arbitration body, its acceptance or refusal,
  extensions of the award period and the award (劳动争议调解仲裁法 第29条、第43条、第47条至第50条).
- cases.confirmation: the joint applications for judicial confirmation with their signatories and
  agents (民诉法解释 第351条), the court's 立案 and extensions (民事诉讼法 第187条), a refusal and its
  kind, a withdrawal (第357条).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE (SQLite ≥ 3.35 drops a column in place): a batch operation would copy `cases`, which
# every case table refers to, and SQLite's foreign keys refuse to drop the original.


def upgrade() -> None:
    op.add_column("cases", sa.Column("arbitration", sa.JSON(), nullable=True))
    op.add_column("cases", sa.Column("confirmation", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "confirmation")
    op.drop_column("cases", "arbitration")
