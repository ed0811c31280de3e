"""Read side of users: who a username names."""

from sqlmodel import Session, select

from models.tables import User


def user_named(session: Session, username: str) -> User | None:
    """The user with this username (active or not), or None."""
    return session.exec(select(User).where(User.username == username)).first()
