from alembic import context
from sqlalchemy import pool
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers the tables)
from models.db import is_postgresql, is_sqlite, make_engine

target_metadata = SQLModel.metadata
MIGRATION_LOCK_ID = 0x6A696566  # "jief"


def run_migrations_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None, "sqlalchemy.url is set by models.migrate"
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=is_sqlite(connection))
        with context.begin_transaction():
            if is_postgresql(connection):
                # Several API processes may start at once: one migrates, the others wait and find
                # the schema current.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
