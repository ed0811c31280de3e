"""The rules profile as data: the shipped file loads; a bad file is refused at load with its line and
the reason; the decision itself is a pure function (no database) checked rule by rule."""

from decimal import Decimal

import pytest

from workflows.routing.decide import Facts, choose_mediator, next_level, route
from workflows.routing.directory import Directory, MediatorInfo, OrgInfo
from workflows.routing.rules import DEFAULT_RULES, RulesError, active_rules, load_rules_file, parse_rules

SHIPPED = load_rules_file(DEFAULT_RULES)


def test_the_shipped_profile_covers_every_rule_of_the_issue_with_reason_and_basis():
    ids = [r.id for r in SHIPPED.rules]
    assert ids == [
        "court_referral",
        "land_requisition_county",
        "medical_committee",
        "domestic_violence_town_county",
        "group_dispute_persons",
        "group_dispute",
        "neighbour_family_village",
        "property_community_town",
        "property_community_town_other",
        "labour_town_else_county",
        "traffic_county",
        "consumer_association",
        "contract_persons_people_mediation",
        "contract_commercial",
        "land_contract_village_town",
        "people_mediation_nearest",
    ]
    assert all(r.reason and r.basis for r in SHIPPED.rules)
    group = SHIPPED.rules[5].when.any_of
    assert (group[0].min_parties, group[1].claim_above) == (10, Decimal("1000000.00"))
    assert SHIPPED.settings.duplicate_window_days == 90


def test_the_operator_can_replace_the_profile(tmp_path, monkeypatch):
    path = tmp_path / "mine.yaml"
    path.write_text(
        DEFAULT_RULES.read_text(encoding="utf-8").replace("profile: jiefen-default", "profile: mine"), encoding="utf-8"
    )
    monkeypatch.setenv("JIEFEN_ROUTING_RULES", str(path))
    assert active_rules().profile == "mine"
    monkeypatch.delenv("JIEFEN_ROUTING_RULES")
    assert active_rules().profile == "jiefen-default"


GOOD = """\
profile: t
version: 1
rules:
  - id: a
    reason: 原因
    basis: 依据
    when:
      dispute_types: [neighbour]
    target:
      kinds: [people_mediation]
      levels: [village]
"""

BAD = [
    # id, how the good file is spoiled (old -> new), line, words the reason must contain
    ("unknown-kind", ("kinds: [people_mediation]", "kinds: [labor_mediation]"), 10, "unknown kind 'labor_mediation'"),
    ("unknown-level", ("levels: [village]", "levels: [province]"), 11, "unknown level 'province'"),
    ("unknown-dispute-type", ("[neighbour]", "[neighbor]"), 8, "unknown dispute type 'neighbor'"),
    ("unknown-key-in-rule", ("    basis: 依据\n", "    basis: 依据\n    priority: 1\n"), 7, "unknown key 'priority'"),
    ("missing-reason", ("    reason: 原因\n", ""), 4, "reason is required"),
    (
        "missing-target",
        ("    target:\n      kinds: [people_mediation]\n      levels: [village]\n", ""),
        4,
        "target is required",
    ),
    ("bad-id", ("id: a", "id: A B"), 4, "id must be"),
    (
        "duplicate-id",
        (
            "      levels: [village]\n",
            "      levels: [village]\n  - id: a\n    reason: r\n    basis: b\n    target: {}\n",
        ),
        12,
        "duplicate id 'a' (first used at line 4)",
    ),
    ("duplicate-key", ("    basis: 依据\n", "    basis: 依据\n    basis: again\n"), 7, "duplicate key 'basis'"),
    ("no-rules", (GOOD[GOOD.index("rules:") :], "rules: []\n"), 3, "rules must be a non-empty list"),
    (
        "bad-claim",
        ("      dispute_types: [neighbour]\n", "      claim_above: lots\n"),
        8,
        "claim_above must be an amount",
    ),
    (
        "parties-below-two",
        ("      dispute_types: [neighbour]\n", "      min_parties: 1\n"),
        8,
        "min_parties must be a whole number of at least 2",
    ),
    (
        "bad-region",
        ("      dispute_types: [neighbour]\n", "      regions: ['3301']\n"),
        8,
        "administrative code of 6, 9 or 12 digits",
    ),
    (
        "invited-without-court-channel",
        ("      levels: [village]\n", "      levels: [village]\n      invited_by: referring_court\n"),
        9,
        "needs when.channels: [court_referral]",
    ),
    ("yaml-syntax", ("      levels: [village]\n", "      levels: [village\n"), 12, "YAML syntax error"),
    ("no-version", ("version: 1\n", ""), 1, "version is required"),
    ("unknown-top-key", ("profile: t\n", "profile: t\nrulez: []\n"), 2, "unknown key 'rulez'"),
]


@pytest.mark.parametrize("spoil,line,words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_rules_file_is_refused_at_load_with_its_line_and_reason(tmp_path, spoil, line, words):
    old, new = spoil
    assert old in GOOD
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulesError) as e:
        load_rules_file(path)
    assert e.value.line == line, str(e.value)
    assert words in str(e.value)
    assert str(e.value).startswith(f"{path}:{line}: ")


def test_the_good_file_itself_loads():
    assert [r.id for r in parse_rules(GOOD).rules] == ["a"]


def test_an_unreadable_or_empty_file_is_refused(tmp_path):
    with pytest.raises(RulesError, match="cannot read"):
        load_rules_file(tmp_path / "missing.yaml")
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    with pytest.raises(RulesError, match="empty"):
        load_rules_file(tmp_path / "empty.yaml")


# --- the decision as a pure function ---------------------------------------------------------------


def org(code, kind, level, region, types, *, parent=None, capacity=None, invited=(), stationing="resident"):
    return OrgInfo(
        code, code, kind, level, region, parent, frozenset(types), stationing, (), capacity, frozenset(invited)
    )


DIR = Directory(
    [
        org("V", "people_mediation", "village", "440303001001", ["neighbour", "family"], parent="T"),
        org("T", "people_mediation", "town", "440303001", ["neighbour", "family", "other", "property"], parent="C"),
        org(
            "C",
            "people_mediation",
            "county",
            "440303",
            ["neighbour", "family", "other", "property", "labour"],
            invited=["COURT"],
        ),
        org("TP", "property_mediation", "town", "440303001", ["property"]),
        org("CL", "labour_mediation", "county", "440303", ["labour"], capacity=2),
        org("FAR", "people_mediation", "village", "440304001001", ["neighbour"]),
    ]
)


@pytest.mark.parametrize(
    "facts,load,rule,code",
    [
        (Facts("neighbour", "window", "440303001001", 2), {}, "neighbour_family_village", "V"),
        (Facts("neighbour", "window", "440303001002", 2), {}, "people_mediation_nearest", "T"),
        (Facts("property", "window", "440303001001", 2), {}, "property_community_town_other", "TP"),
        (Facts("labour", "window", "440303001001", 2), {}, "labour_town_else_county", "CL"),
        (Facts("labour", "window", "440303001001", 2), {"CL": 2}, "people_mediation_nearest", "C"),
        (Facts("neighbour", "window", "440303001001", 12), {}, "group_dispute", "C"),
        (Facts("other", "window", "440303001001", 2, Decimal("2000000")), {}, "group_dispute", "C"),
        (Facts("neighbour", "court_referral", "440303001001", 2, referral_court="COURT"), {}, "court_referral", "C"),
        (Facts("neighbour", "window", "440303001001", 2, passed=frozenset({"V"})), {}, "people_mediation_nearest", "T"),
        (Facts("medical", "window", "440303001001", 2), {}, "medical_committee", None),
        (Facts("consumer", "window", "440304009001", 2), {}, "none", None),
    ],
    ids=[
        "village",
        "no-village",
        "property",
        "labour-county",
        "labour-full",
        "group-parties",
        "group-claim",
        "court-referral",
        "passed-on",
        "medical-without-committee-stops",
        "nobody",
    ],
)
def test_route_is_a_pure_function_of_facts_directory_rules_and_load(facts, load, rule, code):
    d = route(facts, DIR, SHIPPED, load)
    assert (d.rule, d.org_code) == (rule, code)
    assert all(c["org_code"] != "FAR" for c in d.explanation["candidates"]), "outside the case's area"


def test_next_level_climbs_past_parents_that_cannot_take_the_case():
    f = Facts("neighbour", "window", "440303001001", 2, passed=frozenset({"V", "T"}))
    up, passed = next_level("V", f, DIR, {})
    assert up.code == "C" and [p["org_code"] for p in passed] == ["T"]
    assert next_level("C", f, DIR, {}) == (None, [])


def test_part_time_mediators_never_exceed_their_cap():
    meds = [
        MediatorInfo("A", "甲", frozenset({"family"}), True, None),
        MediatorInfo("B", "乙", frozenset({"family"}), False, None),
    ]
    best, why = choose_mediator(meds, "family", {"A": 0, "B": 7}, part_time_capacity=3)
    assert best.code == "A"
    best, why = choose_mediator(meds, "family", {"A": 3, "B": 7}, part_time_capacity=3)
    assert best.code == "B" and why["considered"][0]["passed_over"].startswith("兼职调解员已达上限")
