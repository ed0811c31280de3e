"""intake facts for routing and the guards; a party's legal representative and agent

- cases.commercial_mediation_chosen: the parties (all natural persons) chose paid commercial
  mediation instead of free people's mediation (人民调解法 第4条); default false.
- cases.land_requisition: a dispute over land requisition or its compensation (征地补偿), outside
  land-contract arbitration (农村土地承包经营纠纷调解仲裁法 第2条第3款); default false.
- cases.domestic_violence: a family dispute with domestic violence (反家庭暴力法; 人民调解法 第25条);
  default false.
- parties.legal_representative / agent: an organization's 法定代表人 (负责人) and a party's 委托代理人,
  printed on the documents parties sign.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: a batch copy of `cases` on SQLite would fail the foreign keys
    # that point at it once it holds cases.
    for name in ("commercial_mediation_chosen", "land_requisition", "domestic_violence"):
        op.add_column("cases", sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("parties", sa.Column("legal_representative", sa.String(length=100), nullable=True))
    op.add_column("parties", sa.Column("agent", sa.String(length=200), nullable=True))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, names in (
        ("parties", ("agent", "legal_representative")),
        ("cases", ("domestic_violence", "land_requisition", "commercial_mediation_chosen")),
    ):
        for name in names:
            if sqlite:  # SQLite's own DROP COLUMN: a batch copy of `cases` would break the foreign keys to it
                op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
            else:
                op.drop_column(table, name)
