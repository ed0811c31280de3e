"""The seed loader (CONTRACT §2) and password hashing, against a real migrated SQLite file.

Migrating and loading the demo seed costs about two seconds (Argon2 hashes ten users), so it is done
once per module into template files; each test works on its own copy in tmp_path.
"""

import copy
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from argon2 import PasswordHasher
from sqlalchemy import func
from sqlmodel import Session, select

from models.db import make_engine
from models.migrate import upgrade
from models.security import hash_password, needs_rehash, verify_password
from models.seed import DEMO_SEED
from models.seed.loader import SeedError, load_seed, load_seed_file
from models.tables import Mediator, Organization, User

DEMO: dict[str, Any] = yaml.safe_load(DEMO_SEED.read_text(encoding="utf-8"))
DEMO_PASSWORD = "jiefen-demo-2026"

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


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal"):
        if Path(f"{src}{suffix}").exists():
            shutil.copy(f"{src}{suffix}", f"{dst}{suffix}")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("seed-templates")
    empty = base / "empty.db"
    upgrade(_url(empty))
    seeded = base / "seeded.db"
    _copy_db(empty, seeded)
    engine = make_engine(_url(seeded))
    with Session(engine, expire_on_commit=False) as session:
        load_seed_file(session, DEMO_SEED)
    engine.dispose()
    return {"empty": empty, "seeded": seeded}


def _session_on_copy(template: Path, tmp_path: Path) -> Iterator[Session]:
    db = tmp_path / "jiefen.db"
    _copy_db(template, db)
    engine = make_engine(_url(db))
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture
def seeded(templates: dict[str, Path], tmp_path: Path) -> Iterator[Session]:
    """A migrated database holding the demo seed."""
    yield from _session_on_copy(templates["seeded"], tmp_path)


@pytest.fixture
def empty(templates: dict[str, Path], tmp_path: Path) -> Iterator[Session]:
    """A migrated database with nothing in it."""
    yield from _session_on_copy(templates["empty"], tmp_path)


def row_counts(session: Session) -> dict[str, int]:
    return {t.__tablename__: session.exec(select(func.count()).select_from(t)).one()  # type: ignore[attr-defined]
            for t in (Organization, Mediator, User)}


def orgs(session: Session) -> dict[str, Organization]:
    return {o.code: o for o in session.exec(select(Organization)).all()}


def user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


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
        "labour", "land_contract", "medical", "traffic", "consumer", "property", "family", "neighbour", "contract",
        "commercial", "other"}
    kinds = {o.kind for o in by_code.values()}
    assert kinds >= {"people_mediation", "labour_mediation", "medical_mediation", "traffic_mediation",
                     "consumer_mediation", "property_mediation", "commercial_mediation", "court",
                     "labour_arbitration", "land_arbitration", "commercial_arbitration", "agency"}
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
    assert (new.name, new.stationing, new.duty_days, new.capacity) == ("西溪街道人民调解委员会（新址）", "resident", [], None)
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


# --- validation: every rule refused, naming the entry, writing nothing ---------------------------------


def base_seed() -> dict[str, Any]:
    """A small valid seed on top of the demo: its first org names a parent defined after it,
    the town names a parent only in the database."""
    return {
        "organizations": [
            {"code": "T-VILLAGE", "name": "测试社区人民调解委员会", "kind": "people_mediation", "level": "village",
             "region": "330106003001", "parent": "T-TOWN", "dispute_types": ["neighbour", "family"],
             "stationing": "on_call"},
            {"code": "T-TOWN", "name": "测试街道人民调解委员会", "kind": "people_mediation", "level": "town",
             "region": 330106003, "parent": "CN-ZJ-XH-RTW", "dispute_types": ["neighbour"],
             "stationing": "rotating", "duty_days": ["tue"], "capacity": 10},
        ],
        "courts": [{"code": "T-COURT", "name": "测试人民法院", "level": "county", "region": "330106"}],
        "mediators": [{"code": "T-M1", "name": "测试调解员", "org": "T-TOWN", "specialties": ["neighbour"]}],
        "users": [
            {"username": "t-mediator", "password": "pw-0001", "role": "mediator", "org": "T-TOWN",
             "mediator": "T-M1"},
            {"username": "t-court", "password": "pw-0002", "role": "court", "org": "T-COURT"},
        ],
    }


def test_the_base_seed_for_the_refusals_is_valid(seeded: Session) -> None:
    before = row_counts(seeded)
    report = load_seed(seeded, base_seed())
    assert (report.organizations.created, report.courts.created, report.mediators.created,
            report.users.created) == (2, 1, 1, 2)
    assert row_counts(seeded) == {k: v + n for (k, v), n in zip(before.items(), (3, 1, 2), strict=True)}


DROP = object()


def edit(section: str, index: int, **changes: Any) -> Callable[[dict[str, Any]], None]:
    def apply(seed: dict[str, Any]) -> None:
        entry = seed[section][index]
        for key, value in changes.items():
            if value is DROP:
                entry.pop(key, None)
            else:
                entry[key] = value
    return apply


def append(section: str, entry: Any) -> Callable[[dict[str, Any]], None]:
    return lambda seed: seed.setdefault(section, []).append(entry)


VILLAGE, TOWN, COURT = "organizations[0] (T-VILLAGE)", "organizations[1] (T-TOWN)", "courts[0] (T-COURT)"
MED, MED_USER, COURT_USER = "mediators[0] (T-M1)", "users[0] (t-mediator)", "users[1] (t-court)"

REFUSALS = [
    # organizations
    pytest.param(edit("organizations", 1, kind="foo"), TOWN, "unknown kind 'foo'", id="unknown-kind"),
    pytest.param(edit("organizations", 1, kind=DROP), TOWN, "kind is required", id="missing-kind"),
    pytest.param(edit("organizations", 1, level="province"), TOWN, "unknown level 'province'", id="unknown-level"),
    pytest.param(edit("organizations", 1, region="33010600"), TOWN, "6, 9 or 12 digits", id="region-8-digits"),
    pytest.param(edit("organizations", 1, region=3301060), TOWN, "6, 9 or 12 digits", id="region-7-digit-number"),
    pytest.param(edit("organizations", 1, region="33010600X"), TOWN, "6, 9 or 12 digits", id="region-not-digits"),
    pytest.param(edit("organizations", 1, region=DROP), TOWN, "region is required", id="missing-region"),
    pytest.param(edit("organizations", 1, stationing="weekly"), TOWN, "unknown stationing 'weekly'",
                 id="unknown-stationing"),
    pytest.param(edit("organizations", 1, duty_days=["mon", "monday"]), TOWN, "unknown duty day 'monday'",
                 id="unknown-duty-day"),
    pytest.param(edit("organizations", 1, duty_days=["mon", "mon"]), TOWN, "listed twice", id="duty-day-twice"),
    pytest.param(edit("organizations", 1, duty_days=DROP), TOWN, "rotating stationing needs duty_days",
                 id="rotating-without-duty-days"),
    pytest.param(edit("organizations", 0, duty_days=["mon"]), VILLAGE, "duty_days are only for rotating",
                 id="duty-days-on-on-call"),
    pytest.param(edit("organizations", 1, dispute_types=["neighbour", "divorce"]), TOWN,
                 "unknown dispute type 'divorce'", id="unknown-dispute-type"),
    pytest.param(edit("organizations", 1, dispute_types="neighbour"), TOWN, "dispute_types must be a list",
                 id="dispute-types-not-a-list"),
    pytest.param(edit("organizations", 1, parent="CN-NOWHERE"), TOWN, "unknown parent 'CN-NOWHERE'",
                 id="unknown-parent"),
    pytest.param(edit("organizations", 1, parent="T-TOWN"), TOWN, "parent is the organization itself",
                 id="own-parent"),
    pytest.param(edit("organizations", 1, parent="T-VILLAGE"), VILLAGE, "parent chain loops", id="parent-loop"),
    pytest.param(edit("organizations", 1, name=DROP), TOWN, "name is required", id="missing-name"),
    pytest.param(edit("organizations", 1, capacity=0), TOWN, "capacity must be a whole number", id="zero-capacity"),
    pytest.param(edit("organizations", 1, dispute_type=["neighbour"]), TOWN, "unknown field 'dispute_type'",
                 id="unknown-field"),
    pytest.param(edit("organizations", 1, code=1234), "organizations[1]", "code must be a string",
                 id="numeric-code"),
    pytest.param(append("organizations", dict(base_seed()["organizations"][1], name="又一个")),
                 "organizations[2] (T-TOWN)", "duplicate code 'T-TOWN'", id="duplicate-org-code"),
    pytest.param(append("organizations", "CN-ZJ-XH-X"), "organizations[2]", "expected a mapping",
                 id="entry-not-a-mapping"),
    # courts
    pytest.param(edit("courts", 0, code="T-TOWN"), "courts[0] (T-TOWN)", "duplicate code 'T-TOWN'",
                 id="court-code-used-by-an-org"),
    pytest.param(edit("courts", 0, kind="agency"), COURT, "kind 'agency'", id="court-of-another-kind"),
    pytest.param(edit("courts", 0, level="national"), COURT, "unknown level 'national'", id="court-unknown-level"),
    # mediators
    pytest.param(edit("mediators", 0, specialties=["divorce"]), MED, "unknown dispute type 'divorce'",
                 id="unknown-specialty"),
    pytest.param(edit("mediators", 0, org="CN-NOWHERE"), MED, "unknown organization 'CN-NOWHERE'",
                 id="mediator-unknown-org"),
    pytest.param(edit("mediators", 0, part_time="yes"), MED, "part_time must be true or false",
                 id="part-time-not-a-boolean"),
    pytest.param(append("mediators", {"code": "T-M1", "name": "重复", "org": "T-TOWN"}), "mediators[1] (T-M1)",
                 "duplicate code 'T-M1'", id="duplicate-mediator-code"),
    # users
    pytest.param(edit("users", 0, role="judge"), MED_USER, "unknown role 'judge'", id="unknown-role"),
    pytest.param(edit("users", 0, password=DROP), MED_USER, "password is required", id="missing-password"),
    pytest.param(edit("users", 0, password=123456), MED_USER, "password must be a string", id="numeric-password"),
    pytest.param(edit("users", 0, mediator=DROP), MED_USER, "must name its mediator", id="mediator-user-no-mediator"),
    pytest.param(edit("users", 0, mediator="M-9999"), MED_USER, "unknown mediator 'M-9999'",
                 id="mediator-user-unknown-mediator"),
    pytest.param(edit("users", 0, mediator="M-0001"), MED_USER, "belongs to 'CN-ZJ-XH-CC-RTW'",
                 id="mediator-user-mediator-of-another-org"),
    pytest.param(edit("users", 1, role="intake", mediator="T-M1"), COURT_USER, "mediator is for mediator users only",
                 id="mediator-on-a-non-mediator-user"),
    pytest.param(edit("users", 1, org="CN-ZJ-XH-ZZZX"), COURT_USER, "must be a court", id="court-user-not-a-court"),
    pytest.param(edit("users", 1, org="T-VILLAGE"), COURT_USER, "must be a court", id="court-user-org-in-file"),
    pytest.param(edit("users", 1, org="CN-NOWHERE"), COURT_USER, "unknown organization 'CN-NOWHERE'",
                 id="user-unknown-org"),
    pytest.param(edit("users", 1, role="intake", org=DROP), COURT_USER, "org is required", id="user-without-org"),
    pytest.param(append("users", {"username": "t-court", "password": "x", "role": "admin"}), "users[2] (t-court)",
                 "duplicate username 't-court'", id="duplicate-username"),
    # the file as a whole
    pytest.param(lambda seed: seed.update(judges=[]), None, "unknown section 'judges'", id="unknown-section"),
    pytest.param(lambda seed: seed.update(users={"username": "x"}), "users", "expected a list", id="section-not-a-list"),
]


@pytest.mark.parametrize(("mutate", "entry", "message"), REFUSALS)
def test_an_invalid_seed_is_refused_naming_the_entry_and_writes_nothing(
    seeded: Session, mutate: Callable[[dict[str, Any]], None], entry: str | None, message: str
) -> None:
    seed = base_seed()
    mutate(seed)
    before = row_counts(seeded)

    with pytest.raises(SeedError) as refused:
        load_seed(seeded, seed)

    text = str(refused.value)
    assert message in text
    if entry is not None:
        assert text.startswith(f"{entry}: "), text
    assert row_counts(seeded) == before
    assert not {"T-VILLAGE", "T-TOWN", "T-COURT"} & set(orgs(seeded))


def test_a_failure_while_writing_rolls_everything_back(seeded: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from models.seed import loader

    calls = []

    def failing_hash(pw: str) -> str:
        calls.append(pw)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return "$argon2id$fake"

    monkeypatch.setattr(loader, "hash_password", failing_hash)
    before = row_counts(seeded)
    with pytest.raises(RuntimeError, match="disk full"):
        load_seed(seeded, base_seed())
    assert row_counts(seeded) == before
    assert "T-TOWN" not in orgs(seeded)


# --- the file ----------------------------------------------------------------------------------------


def test_a_yaml_syntax_error_names_the_line(empty: Session, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("organizations:\n  - code: CN-X\n    name: 城厢: 街道\n    kind: agency\n", encoding="utf-8")
    with pytest.raises(SeedError, match=r"line 3\b") as refused:
        load_seed_file(empty, path)
    assert str(path) in str(refused.value)
    assert row_counts(empty) == {"organizations": 0, "mediators": 0, "users": 0}


def test_a_file_error_names_the_file_and_the_entry(empty: Session, tmp_path: Path) -> None:
    seed = base_seed()
    seed["organizations"][1]["kind"] = "foo"
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SeedError) as refused:
        load_seed_file(empty, path)
    assert str(refused.value).startswith(f"{path}: organizations[1] (T-TOWN): unknown kind 'foo'")
    assert refused.value.entry == "organizations[1] (T-TOWN)"


@pytest.mark.parametrize(("content", "message"), [
    ("", "empty"),
    ("- code: CN-X\n", "a seed is a mapping"),
])
def test_a_file_that_is_not_a_seed_is_refused(empty: Session, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SeedError, match=message):
        load_seed_file(empty, path)


def test_a_missing_file_is_a_seed_error(empty: Session, tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot read"):
        load_seed_file(empty, tmp_path / "nowhere.yaml")


# --- password hashing ----------------------------------------------------------------------------------


def test_hash_password_is_salted_argon2id() -> None:
    a, b = hash_password("秘密-secret"), hash_password("秘密-secret")
    assert a != b and a.startswith("$argon2id$") and "秘密" not in a
    assert verify_password(a, "秘密-secret") and verify_password(b, "秘密-secret")
    assert not verify_password(a, "秘密-Secret")
    assert not needs_rehash(a)


@pytest.mark.parametrize("bad_hash", ["", "plain-text", "$argon2id$v=19$m=1,t=1,p=1$zz$zz", "密码", None, 42])
def test_verify_password_is_false_on_anything_that_is_not_a_hash(bad_hash: Any) -> None:
    assert verify_password(bad_hash, "plain-text") is False
    assert needs_rehash(bad_hash) is True


def test_a_hash_made_with_weaker_parameters_needs_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw")
    assert verify_password(weak, "pw")
    assert needs_rehash(weak)
