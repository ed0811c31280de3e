"""What the seed tests share: the demo seed as data, row counts and look-ups, and a small valid seed
the refusals spoil one rule at a time."""

from typing import Any

import yaml
from sqlalchemy import func
from sqlmodel import Session, select

from models.seed import DEMO_SEED
from models.tables import Mediator, Organization, User

DEMO: dict[str, Any] = yaml.safe_load(DEMO_SEED.read_text(encoding="utf-8"))
DEMO_PASSWORD = "jiefen-demo-2026"


def row_counts(session: Session) -> dict[str, int]:
    return {
        t.__tablename__: session.exec(select(func.count()).select_from(t)).one()  # type: ignore[attr-defined]
        for t in (Organization, Mediator, User)
    }


def orgs(session: Session) -> dict[str, Organization]:
    return {o.code: o for o in session.exec(select(Organization)).all()}


def user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def base_seed() -> dict[str, Any]:
    """A small valid seed on top of the demo: its first org names a parent defined after it,
    the town names a parent only in the database."""
    return {
        "organizations": [
            {
                "code": "T-VILLAGE",
                "name": "测试社区人民调解委员会",
                "kind": "people_mediation",
                "level": "village",
                "region": "330106003001",
                "parent": "T-TOWN",
                "dispute_types": ["neighbour", "family"],
                "stationing": "on_call",
            },
            {
                "code": "T-TOWN",
                "name": "测试街道人民调解委员会",
                "kind": "people_mediation",
                "level": "town",
                "region": 330106003,
                "parent": "CN-ZJ-XH-RTW",
                "dispute_types": ["neighbour"],
                "stationing": "rotating",
                "duty_days": ["tue"],
                "capacity": 10,
            },
        ],
        "courts": [{"code": "T-COURT", "name": "测试人民法院", "level": "county", "region": "330106"}],
        "mediators": [{"code": "T-M1", "name": "测试调解员", "org": "T-TOWN", "specialties": ["neighbour"]}],
        "users": [
            {"username": "t-mediator", "password": "pw-0001", "role": "mediator", "org": "T-TOWN", "mediator": "T-M1"},
            {"username": "t-court", "password": "pw-0002", "role": "court", "org": "T-COURT"},
        ],
    }
