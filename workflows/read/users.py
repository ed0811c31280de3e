"""Read side of users: who a username names, who a token names, every account."""

from sqlmodel import Session, col, select

from models.tables import RevokedToken, User


def user_named(session: Session, username: str) -> User | None:
    """The user with this username (active or not), or None."""
    return session.exec(select(User).where(User.username == username)).first()


def user_for_token(session: Session, *, username: str, jti: str) -> tuple[User | None, bool]:
    """The user a token names and whether the token was revoked, in one query (two primary-key lookups)."""
    row = session.exec(
        select(User, RevokedToken.jti)
        .outerjoin(RevokedToken, col(RevokedToken.jti) == jti)
        .where(User.username == username)
    ).first()
    if row is None:
        return None, False
    user, revoked = row
    return user, revoked is not None


def all_users(session: Session) -> list[User]:
    """Every account, by username."""
    return list(session.exec(select(User).order_by(col(User.username))).all())
