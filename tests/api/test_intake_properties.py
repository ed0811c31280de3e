"""Property: whatever a client posts to intake, the answer is 201 or 422 (never 5xx), and a case is
stored whole or not at all — one more case with all its parties and its opening event iff 201."""

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy.engine import Engine

from api.app import create_app
from models.settings import get_settings
from tests.api.conftest import demo_password
from tests.api.steps import ID_D
from tests.factories import ID_A, ID_B, USCC_A, case_payload

VALID_IDS = [ID_A, ID_B, ID_D, "11010519491231002x"]
INVALID_IDS = ["110105194912310021", "110105199902300015", "11010519491231002", "ABCDEFGHIJKLMNOPQR", ""]
VALID_PHONES = ["13812345678", "+86 139 8765 4321", "0571-87654321"]
INVALID_PHONES = ["1381234567", "+1 202 555 0143", "phone", "0" * 30]

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a valid value, sometimes junk."""
    return st.one_of(valid, valid, valid, junk)


party = st.fixed_dictionaries(
    {
        "role": maybe(st.sampled_from(["applicant", "respondent", "third_party"])),
        "kind": maybe(st.just("person")),
        "name": maybe(st.sampled_from(["张三", "李四", "王五", "杭州某有限公司"])),
    },
    optional={
        "id_number": maybe(st.sampled_from(VALID_IDS + INVALID_IDS)),
        "phone": maybe(st.sampled_from(VALID_PHONES + INVALID_PHONES)),
        "address": maybe(st.text(max_size=40)),
    },
)
organization = st.fixed_dictionaries(
    {
        "role": maybe(st.sampled_from(["applicant", "respondent"])),
        "kind": st.just("organization"),
        "name": st.just("杭州某物业管理有限公司"),
    },
    optional={"uscc": maybe(st.sampled_from([USCC_A, USCC_A.lower(), "91110000600037341M", "123"]))},
)
parties = maybe(st.lists(st.one_of(party, party, organization), min_size=0, max_size=5))

OPTIONAL_FIELDS = {
    "claim_amount": st.one_of(
        st.decimals(min_value=-10, max_value=10**14, places=3, allow_nan=False).map(str),
        st.integers(min_value=0, max_value=10**6),
    ),
    "occurred_on": st.sampled_from(["2026-01-15", "2025-02-29", "2999-01-01", "yesterday"]),
    "arbitration_agreement": st.booleans(),
    "status_matter": st.booleans(),
    "referral": st.fixed_dictionaries(
        {},
        optional={
            "kind": maybe(st.sampled_from(["pre_filing", "post_filing"])),
            "received_on": maybe(st.just("2026-10-01")),
        },
    ),
}

# Anything goes: each field mostly plausible, sometimes junk; parties in any number and mix.
mixed_intake = st.fixed_dictionaries(
    {
        "dispute_type": maybe(st.sampled_from(["neighbour", "family", "labour", "contract", "medical", "divorce"])),
        "summary": maybe(st.text(min_size=1, max_size=60)),
        "channel": maybe(st.sampled_from(["window", "hotline", "court_referral", "fax"])),
        "region": maybe(st.sampled_from(["330106", "330106001", "330106001001", "330105", "3301060", "33010a"])),
        "parties": parties,
    },
    optional={name: maybe(strategy) for name, strategy in OPTIONAL_FIELDS.items()},
)

# Well-formed: an applicant and a respondent with valid identities, plus any third parties.
valid_person = st.fixed_dictionaries(
    {"kind": st.just("person"), "name": st.sampled_from(["张三", "李四", "王五"])},
    optional={
        "id_number": st.sampled_from(VALID_IDS),
        "phone": st.sampled_from(VALID_PHONES),
        "address": st.text(max_size=40),
    },
)
valid_company = st.fixed_dictionaries(
    {"kind": st.just("organization"), "name": st.just("杭州某物业管理有限公司")},
    optional={"uscc": st.sampled_from([USCC_A, USCC_A.lower()])},
)
valid_party = st.one_of(valid_person, valid_company)


@st.composite
def valid_parties(draw: st.DrawFn) -> list[dict[str, Any]]:
    sides = [{**draw(valid_party), "role": "applicant"}, {**draw(valid_party), "role": "respondent"}]
    sides += [
        {**p, "role": draw(st.sampled_from(["applicant", "respondent", "third_party"]))}
        for p in draw(st.lists(valid_party, max_size=3))
    ]
    return draw(st.permutations(sides))


valid_intake = st.fixed_dictionaries(
    {
        "dispute_type": st.sampled_from(["neighbour", "family", "labour", "contract", "medical", "other"]),
        "summary": st.text(min_size=1, max_size=60).filter(str.strip),
        "channel": st.sampled_from(["window", "hotline", "court_referral", "online"]),
        "region": st.sampled_from(["330106", "330106001", "330106001001"]),
        "parties": valid_parties(),
    },
    optional={
        "arbitration_agreement": st.booleans(),
        "status_matter": st.booleans(),
        "claim_amount": st.decimals(min_value=0, max_value=10**6, places=2).map(str),
    },
)

intake = st.one_of(valid_intake, mixed_intake)


@pytest.fixture
def sqlite_client(sqlite_only: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(get_settings(), engine=sqlite_only), raise_server_exceptions=False) as c:
        yield c


def _census(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        q = conn.exec_driver_sql
        return {
            "cases": q("SELECT count(*) FROM cases").scalar_one(),
            "parties": q("SELECT count(*) FROM parties").scalar_one(),
            "orphan_parties": q(
                "SELECT count(*) FROM parties p WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = p.case_id)"
            ).scalar_one(),
            "cases_without_two_sides": q(
                "SELECT count(*) FROM cases c WHERE "
                "NOT EXISTS (SELECT 1 FROM parties p WHERE p.case_id = c.id AND p.role = 'applicant') OR "
                "NOT EXISTS (SELECT 1 FROM parties p WHERE p.case_id = c.id AND p.role = 'respondent')"
            ).scalar_one(),
            "cases_without_opening_event": q(
                "SELECT count(*) FROM cases c WHERE NOT EXISTS "
                "(SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.seq = 1 AND e.trigger = 'open')"
            ).scalar_one(),
        }


def test_intake_answers_201_or_422_and_stores_a_case_whole_or_not_at_all(sqlite_client, sqlite_only):
    r = sqlite_client.post("/api/v1/auth/token", data={"username": "window1", "password": demo_password("window1")})
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    seen: set[int] = set()

    # derandomize: the same 150 examples every run (failures must be repeatable).
    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
        derandomize=True,
        database=None,
    )
    @given(body=intake)
    def post(body: dict[str, Any]) -> None:
        before = _census(sqlite_only)
        r = sqlite_client.post("/api/v1/cases", json=body, headers=headers)
        after = _census(sqlite_only)
        seen.add(r.status_code)

        assert r.status_code in (201, 422), f"{r.status_code} {r.text[:300]}"
        assert "detail" in r.json() if r.status_code == 422 else r.json()["state"] == "intake"
        created = r.status_code == 201
        assert after["cases"] == before["cases"] + int(created)
        assert after["parties"] == before["parties"] + (len(body["parties"]) if created else 0)
        assert after["orphan_parties"] == 0
        assert after["cases_without_two_sides"] == 0
        assert after["cases_without_opening_event"] == 0
        for raw in (ID_A, ID_B, ID_D, "13812345678"):
            assert raw not in r.text

    post()
    assert seen == {201, 422}, "the strategy should produce both valid and invalid intakes"


def test_the_census_sees_a_case_that_lost_its_parties(sqlite_client, sqlite_only):
    """The census can fail: a stored case without its parties is counted."""
    r = sqlite_client.post("/api/v1/auth/token", data={"username": "window1", "password": demo_password("window1")})
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert sqlite_client.post("/api/v1/cases", json=case_payload(), headers=headers).status_code == 201
    assert _census(sqlite_only)["cases_without_two_sides"] == 0

    with sqlite_only.begin() as conn:
        conn.execute(sa.text("DELETE FROM parties WHERE role = 'respondent'"))

    census = _census(sqlite_only)
    assert (census["cases"], census["cases_without_two_sides"], census["cases_without_opening_event"]) == (1, 1, 0)
