"""Names in a seed file are what staff and documents show: an invisible format character (a right-to-left
override U+202E, a zero-width space, U+FEFF) in an organization's, a court's, a mediator's name or a user's
display name is refused naming the entry and the character, and nothing is written."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from models.seed.loader import SeedError, load_seed
from tests.models.seed_support import base_seed, row_counts
from tests.models.test_seed_refusals import COURT, MED, MED_USER, TOWN, edit

CASES = [
    pytest.param(edit("organizations", 1, name="测试\u202e街道人民调解委员会"), TOWN, "U+202E", id="org-rlo"),
    pytest.param(edit("courts", 0, name="测试\u200b人民法院"), COURT, "U+200B", id="court-zwsp"),
    pytest.param(edit("mediators", 0, name="测试\u2066调解员"), MED, "U+2066", id="mediator-lri"),
    pytest.param(edit("users", 0, display_name="\ufeff调解员甲"), MED_USER, "U+FEFF", id="display-name-bom"),
]


@pytest.mark.parametrize(("mutate", "entry", "char"), CASES)
def test_a_name_with_a_format_control_is_refused_naming_the_entry(
    seeded: Session, mutate: Callable[[dict[str, Any]], None], entry: str, char: str
) -> None:
    seed = base_seed()
    mutate(seed)
    before = row_counts(seeded)

    with pytest.raises(SeedError) as refused:
        load_seed(seeded, seed)

    text = str(refused.value)
    assert text.startswith(f"{entry}: "), text
    assert char in text and "不可见的格式控制字符" in text
    assert row_counts(seeded) == before
