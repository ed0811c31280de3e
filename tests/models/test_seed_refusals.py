"""A seed that breaks a rule is refused naming the entry (and the file), and writes nothing."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import Session

from models.seed.loader import SeedError, load_seed, load_seed_file
from tests.models.seed_support import base_seed, orgs, row_counts

# --- validation: every rule refused, naming the entry, writing nothing ---------------------------------


def test_the_base_seed_for_the_refusals_is_valid(seeded: Session) -> None:
    before = row_counts(seeded)
    report = load_seed(seeded, base_seed())
    assert (report.organizations.created, report.courts.created, report.mediators.created, report.users.created) == (
        2,
        1,
        1,
        2,
    )
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
    pytest.param(
        edit("organizations", 1, stationing="weekly"), TOWN, "unknown stationing 'weekly'", id="unknown-stationing"
    ),
    pytest.param(
        edit("organizations", 1, duty_days=["mon", "monday"]), TOWN, "unknown duty day 'monday'", id="unknown-duty-day"
    ),
    pytest.param(edit("organizations", 1, duty_days=["mon", "mon"]), TOWN, "listed twice", id="duty-day-twice"),
    pytest.param(
        edit("organizations", 1, duty_days=DROP),
        TOWN,
        "rotating stationing needs duty_days",
        id="rotating-without-duty-days",
    ),
    pytest.param(
        edit("organizations", 0, duty_days=["mon"]),
        VILLAGE,
        "duty_days are only for rotating",
        id="duty-days-on-on-call",
    ),
    pytest.param(
        edit("organizations", 1, dispute_types=["neighbour", "divorce"]),
        TOWN,
        "unknown dispute type 'divorce'",
        id="unknown-dispute-type",
    ),
    pytest.param(
        edit("organizations", 1, dispute_types="neighbour"),
        TOWN,
        "dispute_types must be a list",
        id="dispute-types-not-a-list",
    ),
    pytest.param(
        edit("organizations", 1, parent="CN-NOWHERE"), TOWN, "unknown parent 'CN-NOWHERE'", id="unknown-parent"
    ),
    pytest.param(edit("organizations", 1, parent="T-TOWN"), TOWN, "parent is the organization itself", id="own-parent"),
    pytest.param(edit("organizations", 1, parent="T-VILLAGE"), VILLAGE, "parent chain loops", id="parent-loop"),
    pytest.param(edit("organizations", 1, name=DROP), TOWN, "name is required", id="missing-name"),
    pytest.param(edit("organizations", 1, capacity=0), TOWN, "capacity must be a whole number", id="zero-capacity"),
    pytest.param(
        edit("organizations", 1, dispute_type=["neighbour"]), TOWN, "unknown field 'dispute_type'", id="unknown-field"
    ),
    pytest.param(edit("organizations", 1, code=1234), "organizations[1]", "code must be a string", id="numeric-code"),
    pytest.param(
        append("organizations", dict(base_seed()["organizations"][1], name="又一个")),
        "organizations[2] (T-TOWN)",
        "duplicate code 'T-TOWN'",
        id="duplicate-org-code",
    ),
    pytest.param(
        append("organizations", "CN-ZJ-XH-X"), "organizations[2]", "expected a mapping", id="entry-not-a-mapping"
    ),
    # courts
    pytest.param(
        edit("courts", 0, code="T-TOWN"),
        "courts[0] (T-TOWN)",
        "duplicate code 'T-TOWN'",
        id="court-code-used-by-an-org",
    ),
    pytest.param(edit("courts", 0, kind="agency"), COURT, "kind 'agency'", id="court-of-another-kind"),
    pytest.param(edit("courts", 0, level="national"), COURT, "unknown level 'national'", id="court-unknown-level"),
    # mediators
    pytest.param(
        edit("mediators", 0, specialties=["divorce"]), MED, "unknown dispute type 'divorce'", id="unknown-specialty"
    ),
    pytest.param(
        edit("mediators", 0, org="CN-NOWHERE"), MED, "unknown organization 'CN-NOWHERE'", id="mediator-unknown-org"
    ),
    pytest.param(
        edit("mediators", 0, part_time="yes"), MED, "part_time must be true or false", id="part-time-not-a-boolean"
    ),
    pytest.param(
        append("mediators", {"code": "T-M1", "name": "重复", "org": "T-TOWN"}),
        "mediators[1] (T-M1)",
        "duplicate code 'T-M1'",
        id="duplicate-mediator-code",
    ),
    # users
    pytest.param(edit("users", 0, role="judge"), MED_USER, "unknown role 'judge'", id="unknown-role"),
    pytest.param(edit("users", 0, password=DROP), MED_USER, "password is required", id="missing-password"),
    pytest.param(edit("users", 0, password=123456), MED_USER, "password must be a string", id="numeric-password"),
    pytest.param(edit("users", 0, mediator=DROP), MED_USER, "must name its mediator", id="mediator-user-no-mediator"),
    pytest.param(
        edit("users", 0, mediator="M-9999"), MED_USER, "unknown mediator 'M-9999'", id="mediator-user-unknown-mediator"
    ),
    pytest.param(
        edit("users", 0, mediator="M-0001"),
        MED_USER,
        "belongs to 'CN-ZJ-XH-CC-RTW'",
        id="mediator-user-mediator-of-another-org",
    ),
    pytest.param(
        edit("users", 1, role="intake", mediator="T-M1"),
        COURT_USER,
        "mediator is for mediator users only",
        id="mediator-on-a-non-mediator-user",
    ),
    pytest.param(edit("users", 1, org="CN-ZJ-XH-ZZZX"), COURT_USER, "must be a court", id="court-user-not-a-court"),
    pytest.param(edit("users", 1, org="T-VILLAGE"), COURT_USER, "must be a court", id="court-user-org-in-file"),
    pytest.param(
        edit("users", 1, org="CN-NOWHERE"), COURT_USER, "unknown organization 'CN-NOWHERE'", id="user-unknown-org"
    ),
    pytest.param(edit("users", 1, role="intake", org=DROP), COURT_USER, "org is required", id="user-without-org"),
    pytest.param(
        append("users", {"username": "t-court", "password": "x", "role": "admin"}),
        "users[2] (t-court)",
        "duplicate username 't-court'",
        id="duplicate-username",
    ),
    # the file as a whole
    pytest.param(lambda seed: seed.update(judges=[]), None, "unknown section 'judges'", id="unknown-section"),
    pytest.param(
        lambda seed: seed.update(users={"username": "x"}), "users", "expected a list", id="section-not-a-list"
    ),
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


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("- code: CN-X\n", "a seed is a mapping"),
    ],
)
def test_a_file_that_is_not_a_seed_is_refused(empty: Session, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SeedError, match=message):
        load_seed_file(empty, path)


def test_a_missing_file_is_a_seed_error(empty: Session, tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot read"):
        load_seed_file(empty, tmp_path / "nowhere.yaml")
