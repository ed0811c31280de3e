"""intake facts for routing and the guards; a party's legal representative and agent

- cases.commercial_mediation_chosen: the parties (all natural persons) chose paid commercial
  mediation instead of free people's mediation (人民调解法 第4条); default false.
- cases.land_requisition: a dispute over land requisition or its compensation (征地补偿), outside
  land-contract arbitration (农村土地承包经营纠纷调解仲裁法 第2条第3款); default false.
- cases.domestic_violence: a family dispute with domestic violence (反家庭暴力法; 人民调解法 第25条);
  default false.
- parties.legal_representative / agent: an organization's 法定代表人 (负责人) and a party's 委托代理人,
  printed on the documents parties sign.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in ("commercial_mediation_chosen", "land_requisition", "domestic_violence"):
            batch_op.add_column(sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_representative", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("agent", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_column("agent")
        batch_op.drop_column("legal_representative")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in ("domestic_violence", "land_requisition", "commercial_mediation_chosen"):
            batch_op.drop_column(name)
