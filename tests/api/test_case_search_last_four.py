"""The case search box `q` (GET /api/v1/cases and the web list): a name with the last four characters of the
party's identity number or phone — `王芳 002X`, `王芳 5678` — finds the cases where one party has both.
Every role may search so, masked roles too: their own screens print those four (models.privacy)."""

import pytest

from tests.api.steps import open_case
from tests.factories import ID_A, ID_B, ID_C

WANG_A = {"role": "applicant", "kind": "person", "name": "王芳", "id_number": ID_A, "phone": "13812345678"}
LI = {"role": "respondent", "kind": "person", "name": "李四", "id_number": ID_B, "phone": "13987654321"}
WANG_B = {"role": "applicant", "kind": "person", "name": "王芳", "id_number": ID_C, "phone": "057188881234"}
ZHANG = {"role": "respondent", "kind": "person", "name": "张三", "id_number": ID_A, "phone": "13900000016"}


@pytest.fixture
def cases(client, login) -> dict[str, str]:
    window = login("window1")
    first = open_case(client, window, summary="相邻关系纠纷", parties=[WANG_A, LI])
    # another 王芳; the other party of this case holds 002X and a phone ending in 0016: never mixed up
    second = open_case(client, window, summary="邻里漏水纠纷", parties=[WANG_B, ZHANG])
    return {first["id"]: "first", second["id"]: "second"}


def _found(client, headers, q: str, cases: dict[str, str]) -> set[str]:
    r = client.get("/api/v1/cases", params={"q": q}, headers=headers)
    assert r.status_code == 200, r.text
    return {cases[c["id"]] for c in r.json()["data"] if c["id"] in cases}


@pytest.mark.parametrize("username", ["window1", "super1"])
def test_a_name_with_the_last_four_finds_the_party_holding_both(client, login, cases, username):
    headers = login(username)
    expected = {
        "王芳 002X": {"first"},  # identity number 11010519491231002X
        "王芳 002x": {"first"},
        "王芳002X": {"first"},
        "王芳 5678": {"first"},  # mobile 13812345678
        "王芳 1234": {"second"},  # landline 0571-88881234
        "王芳 0027": {"second"},  # identity number …0027
        "王 0027": {"second"},  # the name as contained
        "王芳 0016": set(),  # 0016 ends 李四's number and 张三's phone, never 王芳's
        "张三 002X": {"second"},
        "李四 002X": set(),
        "王芳 9999": set(),
    }
    for q, want in expected.items():
        assert _found(client, headers, q, cases) == want, q


def test_a_masked_role_sees_the_same_four_it_searched_by(client, login, cases):
    # what makes the search safe for a supervisor: the case page already prints those four
    (first_id,) = [i for i, label in cases.items() if label == "first"]
    r = client.get(f"/api/v1/cases/{first_id}", headers=login("super1"))
    assert r.status_code == 200
    assert ID_A[:6] + "********002X" in r.text and "138****5678" in r.text
    assert ID_A not in r.text and "13812345678" not in r.text


def test_the_web_search_box_finds_by_name_and_last_four(client, cases):
    from tests.api.test_web_routes import web_login

    web_login(client, "window1")
    page = client.get("/cases", params={"q": "王芳 5678"})
    assert page.status_code == 200
    first, second = sorted(cases, key=lambda i: cases[i])
    assert f"/cases/{first}" in page.text and f"/cases/{second}" not in page.text
