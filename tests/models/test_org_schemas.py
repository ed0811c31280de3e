"""An organization's fields are declared once (OrganizationBase): the API's create, patch and public
schemas, the seed file's keys and the table agree, and the vocabularies are the enums."""

import pytest
from pydantic import ValidationError

from models.org_schemas import (
    OrganizationBase,
    OrganizationCreate,
    OrganizationPatch,
    OrganizationPublic,
)
from models.seed.check import ORG_FIELDS
from models.tables import Organization
from states.enums import OrgKind, Stationing

FIELDS = set(OrganizationBase.model_fields)


def test_create_patch_and_public_derive_from_the_base():
    assert set(OrganizationCreate.model_fields) == FIELDS | {"webhook_secret"}
    assert set(OrganizationPatch.model_fields) == set(OrganizationCreate.model_fields) - {"code"}
    assert set(OrganizationPublic.model_fields) == FIELDS  # the webhook secret is never returned


def test_every_field_is_a_column_of_the_table():
    assert set(OrganizationCreate.model_fields) <= set(Organization.model_fields)


def test_the_seed_file_takes_the_apis_keys_with_parent_for_parent_code():
    assert {
        "code",
        "name",
        "kind",
        "level",
        "region",
        "parent",
        "dispute_types",
        "stationing",
        "duty_days",
        "capacity",
        "invited_by",
        "court_level",
        "webhook_url",
        "webhook_secret",
    } == ORG_FIELDS


def test_vocabularies_are_enums_and_refusals_name_the_words():
    org = OrganizationCreate(
        name="调解委员会",
        kind="people_mediation",
        level="town",
        region="330106001",
        stationing="rotating",
        duty_days=["mon"],
    )
    assert (org.kind, org.stationing, org.duty_days) == (OrgKind.PEOPLE_MEDIATION, Stationing.ROTATING, ["mon"])
    with pytest.raises(ValidationError) as refused:
        OrganizationCreate(name="x", kind="mediation", level="town", region="330106001")
    assert [e["loc"] for e in refused.value.errors()] == [("kind",)]
    assert "'people_mediation'" in refused.value.errors()[0]["msg"]


def test_public_shows_a_stored_organization_as_stored():
    row = Organization(
        code="S-1",
        name="种子导入的调解组织",
        kind="people_mediation",
        level="county",
        region="330106",
        capacity=1_000_000,
        invited_by=[f"C-{i}" for i in range(60)],
    )
    shown = OrganizationPublic.model_validate(row, from_attributes=True).model_dump(mode="json")
    assert (shown["capacity"], len(shown["invited_by"]), shown["kind"]) == (1_000_000, 60, "people_mediation")
    assert list(shown)[:2] == ["code", "name"]
