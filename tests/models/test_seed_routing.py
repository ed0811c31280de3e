"""`jiefen seed` carries what routing needs: courts' invited organizations (特邀调解) and the demo
centre's hierarchy; a seed naming something that is not a court is refused, naming the entry."""

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models.seed.loader import SeedError, load_seed
from models.tables import Organization


def test_the_demo_seed_names_the_district_courts_invited_organizations(session: Session):
    invited = sorted(o.code for o in session.exec(select(Organization)).all() if "CN-ZJ-XH-FY" in o.invited_by)
    assert invited == ["CN-ZJ-XH-JTTW", "CN-ZJ-XH-RTW", "CN-ZJ-XH-SSTJ"]
    town_property = session.exec(select(Organization).where(Organization.code == "CN-ZJ-XH-CC-WYTW")).one()
    assert (town_property.kind, town_property.level, town_property.parent_code, town_property.duty_days) == (
        "property_mediation",
        "town",
        "CN-ZJ-XH-WYTW",
        ["tue", "thu"],
    )


def _org(**over):
    return {
        "code": "T5-X",
        "name": "测试特邀调解组织",
        "kind": "commercial_mediation",
        "level": "county",
        "region": "330114",
        "dispute_types": ["contract"],
        **over,
    }


@pytest.mark.parametrize(
    "org,words",
    [
        (_org(invited_by=["CN-ZJ-XH-RTW"]), "invited_by 'CN-ZJ-XH-RTW' is not a court"),
        (_org(invited_by=["CN-NOWHERE"]), "invited_by 'CN-NOWHERE' is not a court"),
        (_org(invited_by="CN-ZJ-XH-FY"), "invited_by must be a list of codes"),
        (_org(invited_by=["CN-ZJ-XH-FY", "CN-ZJ-XH-FY"]), "listed twice in invited_by"),
        (_org(kind="labour_arbitration", invited_by=["CN-ZJ-XH-FY"]), "invited_by is for mediation organizations"),
    ],
    ids=["not-a-court", "unknown", "not-a-list", "twice", "arbitration-body"],
)
def test_a_bad_invited_by_is_refused_naming_the_entry(session: Session, org, words):
    with pytest.raises(SeedError) as e:
        load_seed(session, {"organizations": [org]})
    assert str(e.value).startswith("organizations[0] (T5-X): ") and words in str(e.value)
    assert session.exec(select(Organization).where(Organization.code == "T5-X")).first() is None


def test_invited_by_loads_and_is_idempotent(session: Session, engine):
    try:
        first = load_seed(session, {"organizations": [_org(invited_by=["CN-ZJ-XH-FY"])]})
        again = load_seed(session, {"organizations": [_org(invited_by=["CN-ZJ-XH-FY"])]})
        assert (first.organizations.created, again.organizations.unchanged) == (1, 1)
        with Session(engine) as s:
            assert s.exec(select(Organization).where(Organization.code == "T5-X")).one().invited_by == ["CN-ZJ-XH-FY"]
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM organizations WHERE code = 'T5-X'"))
