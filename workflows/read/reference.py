"""Read side of reference data: the organizations and the mediators."""

from sqlmodel import Session, select

from models.tables import Mediator, Organization


def organizations(session: Session) -> list[Organization]:
    """Every organization, by code."""
    return list(session.exec(select(Organization).order_by(Organization.code)).all())


def mediators(session: Session, org_code: str | None = None) -> list[Mediator]:
    """The mediators by code: of one organization when `org_code` is given (even ""), else all."""
    query = select(Mediator).order_by(Mediator.code)
    if org_code is not None:
        query = query.where(Mediator.org_code == org_code)
    return list(session.exec(query).all())
