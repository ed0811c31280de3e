"""models.privacy: the one rule of who sees numbers whole, and the masking everything else receives."""

import hashlib
import uuid

import pytest

from models.privacy import WHOLE_NUMBER_ROLES, holds_whole_numbers, redact, sees_whole_numbers, shown_to
from models.schemas import EventPublic
from states.enums import Role
from tests.factories import ID_A, USCC_A


def test_the_window_the_mediator_and_the_court_see_numbers_whole_and_no_other_role_does() -> None:
    assert {Role.INTAKE, Role.MEDIATOR, Role.COURT} == WHOLE_NUMBER_ROLES
    assert [r for r in Role if sees_whole_numbers(r)] == [Role.INTAKE, Role.MEDIATOR, Role.COURT]
    assert not sees_whole_numbers("auditor")  # a role added later sees them masked until the rule says so


def test_redact_masks_number_fields_however_deep_and_numbers_in_free_text() -> None:
    body = {
        "applicants": [{"name": "张三", "id_number": ID_A, "phone": "0571-87654321", "uscc": None}],
        "org": {"uscc": USCC_A, "name": "某公司"},
        "joint_application": {"agents": [{"id_number": "330106199203150027"}]},
        "summary": "电话13700001111，身份证330105199001010011。",
        "amount": 8500,
        "pair": ("13812345678", None),
    }
    assert redact(body) == {
        "applicants": [{"name": "张三", "id_number": "110105********002X", "phone": "0571****4321", "uscc": None}],
        "org": {"uscc": USCC_A, "name": "某公司"},  # a credit code names an organization: whole
        "joint_application": {"agents": [{"id_number": "330106********0027"}]},
        "summary": "电话137****1111，身份证330105********0011。",
        "amount": 8500,
        "pair": ["138****5678", None],
    }


def test_a_number_masked_already_is_not_masked_again() -> None:
    assert redact({"phone": "138****5678", "id_number": "110105********002X"}) == {
        "phone": "138****5678",
        "id_number": "110105********002X",
    }


@pytest.mark.parametrize(
    "opaque",
    [
        "a13812345678" + "b" * 52,  # a SHA-256 with a mobile-shaped run inside
        "0" * 64,
        hashlib.sha256(b"x").hexdigest(),
        "12345678-1234-1234-1234-138123456789",  # a UUID
        f"/api/v1/documents/{uuid.UUID(int=13812345678)}/pdf",
    ],
)
def test_digests_and_ids_are_never_taken_for_numbers(opaque: str) -> None:
    assert redact({"hash": opaque, "link": opaque}) == {"hash": opaque, "link": opaque}
    assert not holds_whole_numbers(f"校验值 {opaque}")


def test_shown_to_returns_the_same_model_masked_and_leaves_whole_roles_alone() -> None:
    event = EventPublic(
        seq=1,
        at="2026-11-02T10:00:00+08:00",
        actor="window1",
        trigger="open",
        from_state=None,
        to_state="intake",
        payload={"summary": "电话13700001111", "parties": [{"phone": "138****5678"}]},
        hash="1" * 11 + "a" * 53,
        prev_hash="0" * 64,
    )
    assert shown_to(Role.COURT, event) is event
    masked = shown_to(Role.SUPERVISOR, event)
    assert isinstance(masked, EventPublic)
    assert masked.payload == {"summary": "电话137****1111", "parties": [{"phone": "138****5678"}]}
    assert (masked.hash, masked.prev_hash, masked.at) == (event.hash, event.prev_hash, event.at)
    assert shown_to(Role.ADMIN, [event])[0].payload == masked.payload
