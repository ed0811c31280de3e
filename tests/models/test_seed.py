"""The seed loader (the contract, docs/contract.md §2): the demo centre it ships, and loading again
(idempotent; changed entries updated, unlisted rows left alone)."""

import copy
import re

import pytest
import yaml
from sqlmodel import Session, select

from models.security import verify_password
from models.seed import DEMO_SEED
from models.seed.check import SeedError
from models.seed.loader import load_seed, load_seed_file
from models.tables import Mediator, User
from tests.models.seed_support import DEMO, DEMO_PASSWORD, orgs, row_counts, user

# The users and codes other code relies on (tests/factories.py, tests/api/conftest.py).
REQUIRED_USERS = {
    "window1": ("intake", "CN-ZJ-XH-ZZZX"),
    "mediator1": ("mediator", "CN-ZJ-XH-CC-RTW"),
    "court1": ("court", "CN-ZJ-XH-FY"),
    "super1": ("supervisor", "CN-ZJ-XH-ZZZX"),
    "admin": ("admin", "CN-ZJ-XH-ZZZX"),
}
REQUIRED_ORGS = {
    "CN-ZJ-XH-ZZZX": "agency",
    "CN-ZJ-XH-RTW": "people_mediation",
    "CN-ZJ-XH-CC-RTW": "people_mediation",
    "CN-ZJ-XH-FY": "court",
    "CN-ZJ-XH-LDZC": "labour_arbitration",
    "CN-HZ-ZCW": "commercial_arbitration",
}


# --- the demo seed ----------------------------------------------------------------------------------


def test_demo_seed_loads_a_whole_county_centre(seeded: Session) -> None:
    counts = row_counts(seeded)
    assert counts["organizations"] >= 15
    assert counts["mediators"] >= 8
    assert counts["users"] >= 8

    by_code = orgs(seeded)
    for code, kind in REQUIRED_ORGS.items():
        assert by_code[code].kind == kind, code
    centre = by_code["CN-ZJ-XH-ZZZX"]
    assert (centre.name, centre.level, centre.region) == ("西湖区社会治理中心（矛盾纠纷调解中心）", "county", "330106")
    assert by_code["CN-ZJ-XH-CC-RTW"].parent_code == "CN-ZJ-XH-RTW"
    assert by_code["CN-ZJ-XH-CC-RTW"].region == "330106001"
    assert set(by_code["CN-ZJ-XH-RTW"].dispute_types) == {
        "labour",
        "land_contract",
        "medical",
        "traffic",
        "consumer",
        "property",
        "family",
        "neighbour",
        "contract",
        "commercial",
        "other",
    }
    kinds = {o.kind for o in by_code.values()}
    assert kinds >= {
        "people_mediation",
        "labour_mediation",
        "medical_mediation",
        "traffic_mediation",
        "consumer_mediation",
        "property_mediation",
        "commercial_mediation",
        "court",
        "labour_arbitration",
        "land_arbitration",
        "commercial_arbitration",
        "agency",
    }
    assert {o.stationing for o in by_code.values()} == {"resident", "rotating", "on_call"}
    assert all(o.duty_days for o in by_code.values() if o.stationing == "rotating")
    assert {o.level for o in by_code.values()} == {"village", "town", "county", "city"}

    for o in by_code.values():
        assert o.parent_code is None or o.parent_code in by_code, f"{o.code}: parent {o.parent_code} missing"

    mediators = {m.code: m for m in seeded.exec(select(Mediator)).all()}
    assert mediators["M-0001"].org_code == "CN-ZJ-XH-CC-RTW"
    assert any(m.part_time for m in mediators.values()) and not all(m.part_time for m in mediators.values())
    assert all(m.org_code in by_code for m in mediators.values())


def test_demo_seed_has_the_five_required_users_with_their_roles(seeded: Session) -> None:
    for username, (role, org_code) in REQUIRED_USERS.items():
        rows = seeded.exec(select(User).where(User.username == username)).all()
        assert len(rows) == 1, username
        assert (rows[0].role, rows[0].org_code) == (role, org_code), username
    assert user(seeded, "mediator1").mediator_code == "M-0001"

    by_code = orgs(seeded)
    mediators = {m.code: m for m in seeded.exec(select(Mediator)).all()}
    for u in seeded.exec(select(User)).all():
        if u.role == "mediator":
            assert mediators[u.mediator_code].org_code == u.org_code, u.username
        else:
            assert u.mediator_code is None, u.username
        if u.role == "court":
            assert by_code[u.org_code].kind == "court", u.username
    # The labour, medical and traffic committees have a mediator who can log in.
    staffed = {u.org_code for u in seeded.exec(select(User).where(User.role == "mediator")).all()}
    assert {by_code[c].kind for c in staffed} >= {"labour_mediation", "medical_mediation", "traffic_mediation"}


def test_demo_passwords_are_argon2_hashes_that_verify(seeded: Session) -> None:
    users = seeded.exec(select(User)).all()
    plain = {u["username"]: u["password"] for u in DEMO["users"]}
    for u in users:
        assert u.password_hash.startswith("$argon2id$"), u.username
        assert plain[u.username] not in u.password_hash
    assert len({u.password_hash for u in users}) == len(users)  # salted
    for username in REQUIRED_USERS:
        assert verify_password(user(seeded, username).password_hash, DEMO_PASSWORD), username
    assert not verify_password(user(seeded, "admin").password_hash, DEMO_PASSWORD + "x")


def test_demo_seed_lists_its_users_at_the_top() -> None:
    header = DEMO_SEED.read_text(encoding="utf-8").split("\norganizations:")[0]
    for u in DEMO["users"]:
        assert u["username"] in header and u["role"] in header


# --- idempotence --------------------------------------------------------------------------------------


def test_loading_the_demo_twice_creates_nothing_new(seeded: Session) -> None:
    before = row_counts(seeded)
    hashes = {u.username: u.password_hash for u in seeded.exec(select(User)).all()}

    report = load_seed_file(seeded, DEMO_SEED)

    assert not report.changed
    assert report.organizations.unchanged == len(DEMO["organizations"])
    assert report.courts.unchanged == len(DEMO["courts"])
    assert report.mediators.unchanged == len(DEMO["mediators"])
    assert report.users.unchanged == len(DEMO["users"])
    assert row_counts(seeded) == before
    assert {u.username: u.password_hash for u in seeded.exec(select(User)).all()} == hashes  # not re-hashed


def test_changed_entries_are_updated_and_unlisted_rows_left_alone(seeded: Session) -> None:
    before = row_counts(seeded)
    old = orgs(seeded)["CN-ZJ-XH-XX-RTW"]
    old_id, old_updated_at = old.id, old.updated_at
    org = copy.deepcopy(next(o for o in DEMO["organizations"] if o["code"] == "CN-ZJ-XH-XX-RTW"))
    org.update(name="西溪街道人民调解委员会（新址）", stationing="resident")
    del org["duty_days"], org["capacity"]  # left out: back to the defaults
    same = next(o for o in DEMO["organizations"] if o["code"] == "CN-ZJ-XH-CC-RTW")
    mediator = dict(next(m for m in DEMO["mediators"] if m["code"] == "M-0002"), part_time=True)
    window1 = dict(next(u for u in DEMO["users"] if u["username"] == "window1"), display_name="窗口二号")

    report = load_seed(seeded, {"organizations": [org, same], "mediators": [mediator], "users": [window1]})

    assert (report.organizations.created, report.organizations.updated, report.organizations.unchanged) == (0, 1, 1)
    assert (report.mediators.created, report.mediators.updated) == (0, 1)
    assert (report.users.created, report.users.updated) == (0, 1)
    assert report.courts.total == 0
    assert row_counts(seeded) == before
    seeded.expire_all()
    new = orgs(seeded)["CN-ZJ-XH-XX-RTW"]
    assert (new.name, new.stationing, new.duty_days, new.capacity) == (
        "西溪街道人民调解委员会（新址）",
        "resident",
        [],
        None,
    )
    assert new.updated_at > old_updated_at and new.id == old_id
    assert seeded.exec(select(Mediator).where(Mediator.code == "M-0002")).one().part_time is True
    assert user(seeded, "window1").display_name == "窗口二号"
    assert user(seeded, "mediator1").display_name == "王丽"  # not in this file: untouched


def test_a_changed_password_is_rehashed_an_unchanged_one_is_not(seeded: Session) -> None:
    entry = next(u for u in DEMO["users"] if u["username"] == "super1")
    old_hash = user(seeded, "super1").password_hash

    assert load_seed(seeded, {"users": [entry]}).users.unchanged == 1
    assert user(seeded, "super1").password_hash == old_hash

    assert load_seed(seeded, {"users": [dict(entry, password="a-new-secret")]}).users.updated == 1
    new_hash = user(seeded, "super1").password_hash
    assert verify_password(new_hash, "a-new-secret")
    assert not verify_password(new_hash, DEMO_PASSWORD)


def test_the_contract_example_shape_loads_on_an_empty_database(empty: Session) -> None:
    """Unquoted numeric regions, a parent defined later in the file, courts without a kind."""
    text = """
organizations:
  - code: CN-ZJ-XH-CC-RTW
    name: 城厢街道人民调解委员会
    kind: people_mediation
    level: town
    region: 330106001
    parent: CN-ZJ-XH-RTW
    dispute_types: [neighbour, family, property, contract, other]
    stationing: rotating
    duty_days: [mon, wed]
  - code: CN-ZJ-XH-RTW
    name: 西湖区人民调解委员会
    kind: people_mediation
    level: county
    region: 330106
courts:
  - {code: CN-ZJ-XH-FY, name: 杭州市西湖区人民法院, level: county, region: 330106}
mediators:
  - {code: M-0001, name: 王丽, org: CN-ZJ-XH-CC-RTW, specialties: [family, neighbour], part_time: true}
"""
    report = load_seed(empty, yaml.safe_load(text))
    assert (report.organizations.created, report.courts.created, report.mediators.created) == (2, 1, 1)
    by_code = orgs(empty)
    assert by_code["CN-ZJ-XH-CC-RTW"].region == "330106001"
    assert by_code["CN-ZJ-XH-CC-RTW"].parent_code == "CN-ZJ-XH-RTW"
    assert by_code["CN-ZJ-XH-FY"].kind == "court"
    assert by_code["CN-ZJ-XH-RTW"].stationing == "resident"


def test_a_court_entry_sets_its_level_and_webhook_and_a_reload_without_them_keeps_them(empty: Session) -> None:
    court = {"code": "CN-ZJ-HZ-ZY", "name": "杭州市中级人民法院", "level": "city", "region": "330100"}
    hooked = {
        **court,
        "court_level": "intermediate",
        "webhook_url": "https://court.example.cn/jiefen",
        "webhook_secret": "a-long-enough-court-secret",
    }
    from workflows.outbox.webhook_address import configured_refusal

    load_seed(empty, {"courts": [hooked]}, webhook_refusal=configured_refusal)  # as `jiefen seed` loads it
    row = orgs(empty)["CN-ZJ-HZ-ZY"]
    assert (row.court_level, row.webhook_url, row.webhook_secret) == (
        "intermediate",
        "https://court.example.cn/jiefen",
        "a-long-enough-court-secret",
    )
    load_seed(empty, {"courts": [court]})
    empty.expire_all()
    assert orgs(empty)["CN-ZJ-HZ-ZY"].court_level == "intermediate"


@pytest.mark.parametrize(
    "over, rule",
    [
        ({"court_level": "supreme"}, "court_level"),
        ({"webhook_url": "https://court.example.cn/x"}, "webhook_secret is required"),
        ({"webhook_url": "ftp://x", "webhook_secret": "a-long-enough-court-secret"}, "http(s) URL"),
        ({"webhook_url": "https://court.example.cn/x", "webhook_secret": "short"}, "at least 16"),
    ],
)
def test_a_court_entrys_bad_level_or_webhook_is_refused_naming_it(empty: Session, over, rule) -> None:
    court = {"code": "CN-ZJ-HZ-ZY", "name": "杭州市中级人民法院", "level": "city", "region": "330100", **over}
    with pytest.raises(SeedError, match=re.escape(rule)):
        load_seed(empty, {"courts": [court]})


def test_only_courts_have_a_level_or_a_webhook(empty: Session) -> None:
    body = {"code": "X-1", "name": "调委会", "kind": "people_mediation", "level": "town", "region": "330106001"}
    with pytest.raises(SeedError, match="for courts only"):
        load_seed(empty, {"organizations": [{**body, "court_level": "basic"}]})
