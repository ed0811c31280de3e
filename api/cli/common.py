"""What the commands share: a database session on a migrated database."""

from sqlmodel import Session

from models.settings import get_settings


def open_session() -> Session:
    """A session on JIEFEN_DATABASE_URL, migrated to the latest schema first."""
    from models.db import get_engine
    from models.migrate import upgrade

    upgrade(get_settings().database_url)
    return Session(get_engine(), expire_on_commit=False)
