"""Reference data and documents (docs/contract.md §5): organizations, mediators, a case's documents."""

import uuid

import yaml

from tests.api.steps import open_case
from tests.conftest import DEMO_SEED

SEED = yaml.safe_load(DEMO_SEED.read_text(encoding="utf-8"))


def test_organizations_list_the_demo_centre_committees_arbitration_bodies_and_court(client, login):
    r = client.get("/api/v1/organizations", headers=login("mediator1"))

    assert r.status_code == 200
    orgs = {o["code"]: o for o in r.json()}
    assert {o["code"] for o in SEED["organizations"] + SEED["courts"]} <= set(orgs)
    street = orgs["CN-ZJ-XH-CC-RTW"]
    assert (street["name"], street["kind"], street["level"], street["region"], street["parent_code"]) == (
        "北山街道人民调解委员会",
        "people_mediation",
        "town",
        "330106001",
        "CN-ZJ-XH-RTW",
    )
    assert street["dispute_types"] == ["neighbour", "family", "property", "contract", "other"]
    assert (street["stationing"], street["capacity"]) == ("resident", 30)
    assert (orgs["CN-ZJ-XH-XX-RTW"]["stationing"], orgs["CN-ZJ-XH-XX-RTW"]["duty_days"]) == ("rotating", ["mon", "wed"])
    assert orgs["CN-ZJ-XH-FY"]["kind"] == "court"
    assert orgs["CN-ZJ-XH-LDZC"]["kind"] == "labour_arbitration"
    assert orgs["CN-ZJ-XH-RTW"]["parent_code"] is None
    assert [o["code"] for o in r.json()] == sorted(o["code"] for o in r.json())


def test_mediators_list_the_demo_mediators_with_their_committees(client, login):
    r = client.get("/api/v1/mediators", headers=login("window1"))

    assert r.status_code == 200
    mediators = {m["code"]: m for m in r.json()}
    assert {m["code"] for m in SEED["mediators"]} <= set(mediators)
    assert mediators["M-0001"] == {
        "code": "M-0001",
        "name": "王丽",
        "org_code": "CN-ZJ-XH-CC-RTW",
        "specialties": ["family", "neighbour"],
        "part_time": True,
        "active": True,
    }
    assert mediators["M-0002"]["part_time"] is False


def test_mediators_can_be_listed_for_one_committee(client, login):
    r = client.get("/api/v1/mediators", params={"org_code": "CN-ZJ-XH-CC-RTW"}, headers=login("window1"))

    assert r.status_code == 200
    assert [m["code"] for m in r.json()] == ["M-0001", "M-0002"]
    assert client.get("/api/v1/mediators", params={"org_code": "CN-NOWHERE"}, headers=login("window1")).json() == []


def test_a_new_case_has_its_intake_receipt_alone(client, login):
    window = login("window1")
    case = open_case(client, window)

    r = client.get(f"/api/v1/cases/{case['id']}/documents", headers=window)

    assert r.status_code == 200
    assert [d["kind"] for d in r.json()] == ["intake_receipt"]


def test_documents_of_a_case_the_caller_cannot_see_are_404(client, login):
    case = open_case(client, login("window1"))

    r = client.get(f"/api/v1/cases/{case['id']}/documents", headers=login("mediator1"))

    assert r.status_code == 404


def test_a_document_that_does_not_exist_is_404(client, login):
    window = login("window1")
    for doc_id in (str(uuid.UUID(int=12345)), "not-a-uuid"):
        for suffix in ("", "/pdf"):
            r = client.get(f"/api/v1/documents/{doc_id}{suffix}", headers=window)
            assert r.status_code == 404, (doc_id, suffix)
            assert r.json() == {"detail": "文书不存在"}


def test_only_a_court_has_a_confirmation_inbox(client, login):
    for who in ("window1", "mediator1", "super1"):
        r = client.get("/api/v1/court/confirmations", headers=login(who))
        assert r.status_code == 403, who
    assert client.get("/api/v1/court/confirmations", headers=login("court1")).json() == []
