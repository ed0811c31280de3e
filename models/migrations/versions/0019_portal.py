"""the parties' portal: one case one code, one-time codes, the portal's throttles

- cases.public_code: 一案一码, 8 random characters without look-alikes (models/public_codes.py), unique;
  given at intake, and here to every case that has none (backfill).
- one_time_codes: 验证码 sent by SMS (workflows/portal/otp.py); the phone and the code as keyed hashes only.
- portal_hits: the portal's fixed-window throttles (workflows/portal/throttle.py), keys as keyed hashes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 04:00:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import UTCDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # as models/public_codes.py, frozen here


def _backfill() -> None:
    conn = op.get_bind()
    cases = sa.table("cases", sa.column("id", sa.Uuid()), sa.column("public_code", sa.String(8)))
    ids = [row[0] for row in conn.execute(sa.select(cases.c.id).where(cases.c.public_code.is_(None)))]
    used: set[str] = set()
    for case_id in ids:
        code = ""
        while not code or code in used:
            code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        used.add(code)
        conn.execute(sa.update(cases).where(cases.c.id == case_id).values(public_code=code))


def upgrade() -> None:
    op.add_column("cases", sa.Column("public_code", sa.String(length=8), nullable=True))
    _backfill()
    op.create_index("ux_cases_public_code", "cases", ["public_code"], unique=True)
    op.create_table(
        "one_time_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_one_time_codes_phone", "one_time_codes", ["phone_hash", "purpose", "created_at"])
    op.create_index("ix_one_time_codes_case_id", "one_time_codes", ["case_id"])
    op.create_index("ix_one_time_codes_expires_at", "one_time_codes", ["expires_at"])
    op.create_table(
        "portal_hits",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    op.create_index("ix_portal_hits_window_start", "portal_hits", ["window_start"])


def downgrade() -> None:
    op.drop_index("ix_portal_hits_window_start", table_name="portal_hits")
    op.drop_table("portal_hits")
    op.drop_index("ix_one_time_codes_expires_at", table_name="one_time_codes")
    op.drop_index("ix_one_time_codes_case_id", table_name="one_time_codes")
    op.drop_index("ix_one_time_codes_phone", table_name="one_time_codes")
    op.drop_table("one_time_codes")
    op.drop_index("ux_cases_public_code", table_name="cases")
    # Dropped in place (SQLite ≥ 3.35 too): a batch copy of `cases` would break the foreign keys to it.
    op.drop_column("cases", "public_code")
