"""directory stamps: a token that changes with every write to organizations, kept by the database

- directory_stamps (name, stamp): one row per cached table ("organizations"). A trigger on organizations
  sets its row's stamp to a fresh random token after every INSERT, UPDATE or DELETE (and TRUNCATE on
  PostgreSQL), in the writer's own transaction, whoever writes (the API, the CLI, a seed, plain SQL).
  A process caches the organizations and reads the stamp first in each transaction that needs them: the
  same stamp means the same rows (workflows/organizations.py). A random token rather than a counter: a
  rolled-back write or a restored backup never brings back a value that named other rows.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TOKEN = "lower(hex(randomblob(16)))"
PG_TOKEN = "md5(random()::text || clock_timestamp()::text)"
PG_FUNCTION = f"""
CREATE FUNCTION bump_directory_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE directory_stamps SET stamp = {PG_TOKEN} WHERE name = TG_ARGV[0];
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "directory_stamps",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    pg = op.get_bind().dialect.name == "postgresql"
    op.execute(
        f"INSERT INTO directory_stamps (name, stamp) VALUES ('organizations', {PG_TOKEN if pg else SQLITE_TOKEN})"
    )
    if pg:
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER organizations_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organizations "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_stamp('organizations')"
        )
        return
    for what in ("INSERT", "UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER organizations_stamp_{what.lower()} AFTER {what} ON organizations BEGIN "
            f"UPDATE directory_stamps SET stamp = {SQLITE_TOKEN} WHERE name = 'organizations'; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS organizations_stamp ON organizations")
        op.execute("DROP FUNCTION IF EXISTS bump_directory_stamp()")
    else:
        for what in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS organizations_stamp_{what}")
    op.drop_table("directory_stamps")
