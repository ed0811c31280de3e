"""Invisible format characters in what people read (docs: issue 13 item 6).

A right-to-left override (U+202E) in a party's name shows "张三‮李四" as 张三四李: on the screen, in the
agreement PDF and in the court's package the name would not read as stored. Names (parties, their
representatives and agents, agents of a joint application, organizations) refuse every format control
(Unicode Cf: bidi marks, embeddings, overrides and isolates, zero-width spaces and joiners, U+FEFF, the soft
hyphen) and line/paragraph separators, 422 naming the field. Free text (summary, reason, facts) refuses the
bidi controls alone — they reorder what a reader sees; a zero-width space pasted from a word processor
reorders nothing and stays."""

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from models.tables import Case
from tests.api.steps import case_in, fire
from tests.api.test_organizations import BASE, county, scratch  # noqa: F401 - the fixture is used by name
from tests.factories import case_payload

BIDI = {
    "RLO U+202E": "\u202e",
    "LRO U+202D": "\u202d",
    "RLE U+202B": "\u202b",
    "LRE U+202A": "\u202a",
    "PDF U+202C": "\u202c",
    "LRM U+200E": "\u200e",
    "RLM U+200F": "\u200f",
    "ALM U+061C": "\u061c",
    "LRI U+2066": "\u2066",
    "RLI U+2067": "\u2067",
    "FSI U+2068": "\u2068",
    "PDI U+2069": "\u2069",
}
OTHER_FORMAT = {
    "ZWSP U+200B": "\u200b",
    "ZWNJ U+200C": "\u200c",
    "ZWJ U+200D": "\u200d",
    "WJ U+2060": "\u2060",
    "BOM U+FEFF": "\ufeff",
    "SHY U+00AD": "\u00ad",
    "LSEP U+2028": "\u2028",
}
HOSTILE = {**BIDI, **OTHER_FORMAT}


def _cases(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Case)).one()


def _fields(r) -> list[str]:
    return [e["field"] for e in r.json()["detail"]]


@pytest.mark.parametrize("char", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_party_name_with_a_format_control_is_422_naming_the_field(client, login, engine, char):
    body = case_payload()
    body["parties"][1]["name"] = f"李{char}四"

    r = client.post("/api/v1/cases", json=body, headers=login("window1"))

    assert r.status_code == 422, r.text
    [error] = r.json()["detail"]
    assert error["loc"][-3:] == ["parties", 1, "name"]
    assert f"U+{ord(char):04X}" in error["msg"]
    assert _cases(engine) == 0


@pytest.mark.parametrize("field", ["legal_representative", "agent"])
def test_a_representative_or_agent_name_with_an_override_is_422(client, login, engine, field):
    body = case_payload()
    body["parties"][0][field] = "王\u202e五"

    r = client.post("/api/v1/cases", json=body, headers=login("window1"))

    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == field
    assert _cases(engine) == 0


@pytest.mark.parametrize("char", BIDI.values(), ids=BIDI.keys())
def test_a_summary_with_a_bidi_control_is_422(client, login, engine, char):
    r = client.post("/api/v1/cases", json=case_payload(summary=f"赔偿{char}00058元"), headers=login("window1"))

    assert r.status_code == 422, r.text
    assert _fields(r) == ["summary"]
    assert "显示方向" in r.json()["detail"][0]["msg"]
    assert _cases(engine) == 0


def test_a_summary_may_keep_a_zero_width_space_pasted_with_it(client, login):
    r = client.post(
        "/api/v1/cases", json=case_payload(summary="楼上漏水\u200b导致天花板受损"), headers=login("window1")
    )

    assert r.status_code == 201, r.text
    assert r.json()["summary"] == "楼上漏水\u200b导致天花板受损"


def test_a_reason_with_an_override_is_422_and_changes_nothing(client, login):
    case = case_in(client, login, "mediation")

    r = fire(client, login("mediator1"), case["id"], "fail", {"reason": "双方\u202e分歧过大"})

    assert r.status_code == 422, r.text
    assert "reason" in _fields(r)
    after = client.get(f"/api/v1/cases/{case['id']}", headers=login("mediator1")).json()
    assert (after["state"], after["version"]) == ("mediation", case["version"])


def test_an_agent_name_in_a_joint_application_with_an_override_is_422(client, login):
    case = case_in(client, login, "agreement")
    body = {
        "court_code": "CN-ZJ-XH-FY",
        "joint_application": {
            "applicants": [0],
            "signed_on": case["updated_at"][:10],
            "agents": [{"party": 1, "name": "赵\u202e六", "id_number": "11010519491231002X", "authority": "special"}],
        },
    }

    r = fire(client, login("mediator1"), case["id"], "request_confirmation", body)

    assert r.status_code == 422, r.text
    assert any(e["loc"][-1] == "name" for e in r.json()["detail"]), r.json()


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\ufeff"], ids=["RLO", "ZWSP", "BOM"])
def test_an_organization_name_with_a_format_control_is_422(client, login, engine, scratch, char):  # noqa: F811
    admin = login("admin")

    created = client.post(BASE, json=county(name=f"试验县{char}人民调解委员会"), headers=admin)
    assert created.status_code == 422, created.text
    assert _fields(created) == ["name"]

    assert client.post(BASE, json=county(), headers=admin).status_code == 201
    patched = client.patch(f"{BASE}/T4-CTY", json={"name": f"试验县{char}调委会"}, headers=admin)
    assert patched.status_code == 422, patched.text
    assert _fields(patched) == ["name"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM organizations WHERE code = 'T4-CTY'")).scalar_one() == (
            "试验县人民调解委员会"
        )
