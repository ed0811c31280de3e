"""The portal against the real app on each database backend, with SMS going to the local fake provider over
HTTP (the code a party received is read from it)."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.app import create_app
from models.settings import Settings, get_settings
from tests.factories import ID_B, ID_C
from workflows.notify.fake_sms import FakeSms

PHONE = "13912345678"  # the applicant's
OTHER_PHONE = "13700001111"  # on no case
RESPONDENT_PHONE = "13987654321"


def portal_settings(**changes: Any) -> Settings:
    base = {"portal_region": "330106", "portal_lookup_min_seconds": 0.3}
    return get_settings().model_copy(update=base | changes)


@pytest.fixture
def settings(fake_sms: FakeSms) -> Settings:
    return portal_settings()


@pytest.fixture
def client(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


def last_code(sms: FakeSms) -> str:
    return str(sms.messages[-1]["params"]["code"])


def application(**changes: str) -> dict[str, str]:
    form = {
        "dispute_type": "neighbour",
        "summary": "邻居装修噪音持续三个月，协商未果，请求调解",
        "occurred_on": "2026-09-01",
        "claim_amount": "3000",
        "a_name": "赵敏",
        "a_ident": ID_C,
        "a_address": "杭州市西湖区文三路1号",
        "r_kind": "person",
        "r_name": "李四",
        "r_ident": ID_B,
        "r_phone": RESPONDENT_PHONE,
        "r_address": "",
    }
    return form | changes


def ask_code(client: TestClient, phone: str = PHONE) -> Any:
    page = client.get("/p/apply")
    assert page.status_code == 200, page.text
    return client.post("/p/apply/code", data={"csrf": csrf(page.text), "phone": phone})


def apply_online(client: TestClient, sms: FakeSms, phone: str = PHONE, **changes: str) -> Any:
    """The whole online application: the phone, its code, the form. Returns the last response."""
    step2 = ask_code(client, phone)
    assert step2.status_code == 200, step2.text
    data = application(**changes) | {
        "csrf": csrf(step2.text),
        "key": hidden(step2.text, "key"),
        "phone": hidden(step2.text, "phone"),
        "code": last_code(sms),
    }
    return client.post("/p/apply", data=data)
