"""The vocabularies: the words the API, the seed file and the database hold, and their labels."""

from datetime import date

from states.enums import (
    ARBITRATION_KINDS,
    MEDIATION_KINDS,
    Channel,
    DisputeType,
    Level,
    OrgKind,
    PartyRole,
    State,
    Stationing,
    Weekday,
)
from states.labels import (
    ARBITRATION_BODY_LABELS,
    CHANNEL_LABELS,
    DISPUTE_TYPE_LABELS,
    LEVEL_LABELS,
    PARTY_ROLE_LABELS,
    STATE_LABELS,
    STATIONING_LABELS,
)
from states.remedies import REMEDIES


def test_every_word_staff_read_has_a_label():
    for labels, vocabulary in (
        (STATE_LABELS, State),
        (DISPUTE_TYPE_LABELS, DisputeType),
        (CHANNEL_LABELS, Channel),
        (LEVEL_LABELS, Level),
        (STATIONING_LABELS, Stationing),
        (PARTY_ROLE_LABELS, PartyRole),
        (ARBITRATION_BODY_LABELS, ARBITRATION_KINDS),
    ):
        assert set(labels) == set(vocabulary), vocabulary
        assert all(v.strip() for v in labels.values())


def test_labels_are_found_by_the_plain_values_the_database_holds():
    assert LEVEL_LABELS["town"] == "乡镇（街道）级" and STATIONING_LABELS["on_call"] == "随叫随驻"
    assert ARBITRATION_BODY_LABELS["labour_arbitration"] == "劳动人事争议仲裁委员会"


def test_mediation_and_arbitration_kinds_are_the_organization_kinds_named_so():
    assert {k for k in OrgKind if k.value.endswith("_mediation")} == MEDIATION_KINDS
    assert {k for k in OrgKind if k.value.endswith("_arbitration")} == ARBITRATION_KINDS


def test_arbitration_bodies_named_by_the_remedies_are_arbitration_kinds():
    assert {r.arbitration_body_kind for r in REMEDIES.values()} - {None} <= set(ARBITRATION_KINDS)


def test_levels_rank_from_village_to_city():
    assert [level.rank for level in (Level.VILLAGE, Level.TOWN, Level.COUNTY, Level.CITY)] == [0, 1, 2, 3]
    assert Level("county").rank > Level("town").rank


def test_weekday_of_a_date():
    assert Weekday.of(date(2026, 11, 30)) is Weekday.MON  # a Monday
    assert Weekday.of(date(2026, 11, 29)) is Weekday.SUN
    assert [d.value for d in Weekday] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
