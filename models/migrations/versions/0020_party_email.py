"""a party's email address, where the centre's email notices go (workflows/notify/party.py)

parties.email: optional, at most 254 characters (RFC 5321's path limit). The notices themselves are rows of
the existing notifications outbox (kinds party_sms, party_email): no table changes there.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("email")
