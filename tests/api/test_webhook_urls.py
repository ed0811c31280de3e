"""Where an admin may point a court's webhook (PATCH /api/v1/organizations/{court}): a table of hostile URLs,
each 422 naming `webhook_url` and the rule, nothing stored. Loopback is refused here as in production (the
test suite's own receivers are allowed it only by JIEFEN_WEBHOOK_ALLOW_LOOPBACK, turned off below)."""

import socket

import pytest
import sqlalchemy as sa

from tests.factories import COURT
from tests.workflows.clock_support import settings_env

SECRET = "court-shared-secret-0123456789"
BASE = f"/api/v1/organizations/{COURT}"

HOSTILE = {
    # loopback, every way of writing it
    "http://127.0.0.1/hook": "回环地址",
    "http://127.8.9.10:8080/hook": "回环地址",
    "http://127.1/hook": "回环地址",
    "http://2130706433/hook": "回环地址",
    "http://0x7f.1/hook": "回环地址",
    "http://0x7f000001/hook": "回环地址",
    "http://0177.0.0.1/hook": "回环地址",
    "http://017700000001/hook": "回环地址",
    "http://localhost/hook": "指向本机",
    "http://LOCALHOST./hook": "指向本机",
    "http://court.localhost/hook": "指向本机",
    "http://[::1]/hook": "回环地址",
    "http://[0:0:0:0:0:0:0:1]:9000/hook": "回环地址",
    "http://[::ffff:127.0.0.1]/hook": "回环地址",
    "http://[::ffff:7f00:1]/hook": "回环地址",
    "http://[64:ff9b::7f00:1]/hook": "内嵌于 IPv6",  # NAT64
    "http://[2002:7f00:1::1]/hook": "内嵌于 IPv6",  # 6to4
    # unspecified
    "http://0.0.0.0/hook": "未指定地址",
    "http://0/hook": "未指定地址",
    "http://[::]/hook": "未指定地址",
    # link-local: the cloud metadata service
    "http://169.254.169.254/latest/meta-data/": "链路本地地址",
    "http://[fe80::1]/hook": "链路本地地址",
    "http://[fe80::1%25eth0]/hook": "链路本地地址",
    "http://[::ffff:169.254.169.254]/hook": "链路本地地址",
    # multicast, broadcast and reserved
    "http://224.0.0.1/hook": "组播地址",
    "http://[ff02::1]/hook": "组播地址",
    "http://255.255.255.255/hook": "保留地址",
    "http://240.0.0.1/hook": "保留地址",
    "http://[fec0::1]/hook": "保留地址",
    "http://[::7f00:1]/hook": "保留地址",
    # private ranges, not configured
    "http://10.0.0.5/hook": "内网地址",
    "http://172.16.0.1/hook": "内网地址",
    "http://192.168.1.1/hook": "内网地址",
    "http://100.64.0.1/hook": "内网地址",
    "http://[fd00::1]/hook": "内网地址",
    "http://[::ffff:10.0.0.5]/hook": "内网地址",
    # other special-purpose ranges
    "http://192.0.2.1/hook": "特殊用途地址",
    "http://198.18.0.1/hook": "特殊用途地址",
    "http://0.1.2.3/hook": "特殊用途地址",
    "http://[2001:db8::1]/hook": "特殊用途地址",
    # not a URL to push to
    "http://court:secret@court.example.cn/hook": "用户名或密码",
    "ftp://court.example.cn/hook": "https?://",  # the schema's pattern
    "http://1.2.3.4.5/hook": "不是有效的 IPv4 地址",
    "http://999.1.1.1/hook": "不是有效的 IPv4 地址",
    "http://court.example.cn:99999/hook": "不是有效的网址",
    "http://court_.exa%mple.cn/hook": "主机名不合法",
    "http://[::1/hook": "不是有效的网址",
}


@pytest.fixture
def strict(monkeypatch):
    with settings_env(monkeypatch, JIEFEN_WEBHOOK_ALLOW_LOOPBACK="false"):
        yield


@pytest.fixture
def no_webhook(engine):
    yield
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE organizations SET webhook_url = NULL, webhook_secret = NULL WHERE code = :c"), {"c": COURT}
        )


def _stored(engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT webhook_url FROM organizations WHERE code = :c"), {"c": COURT}).scalar()


@pytest.mark.parametrize(("url", "rule"), HOSTILE.items(), ids=list(HOSTILE))
def test_a_hostile_webhook_url_is_422_naming_the_field_and_the_rule(client, login, engine, strict, url, rule):
    r = client.patch(BASE, json={"webhook_url": url, "webhook_secret": SECRET}, headers=login("admin"))

    assert r.status_code == 422, r.text
    [error] = r.json()["detail"]
    assert error["field"] == "webhook_url", error
    assert rule in error["msg"], error["msg"]
    assert _stored(engine) is None


def test_a_name_that_resolves_to_a_refused_address_is_422(client, login, engine, strict, monkeypatch):
    real = socket.getaddrinfo

    def dns(host, *args, **kwargs):  # the court's DNS, outside the project
        if host == "hook.court-rebind.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", dns)
    r = client.patch(
        BASE,
        json={"webhook_url": "https://hook.court-rebind.example/h", "webhook_secret": SECRET},
        headers=login("admin"),
    )

    assert r.status_code == 422, r.text
    assert "hook.court-rebind.example 解析到 10.1.2.3 是内网地址" in r.json()["detail"][0]["msg"]
    assert _stored(engine) is None


@pytest.mark.parametrize(
    "url", ["https://203.0.113.7.nip.invalid/hook", "https://1.1.1.1/hook", "http://[2400:3200::1]:8443/jiefen/hook"]
)
def test_a_public_address_or_a_name_not_resolving_yet_is_accepted(client, login, engine, strict, no_webhook, url):
    r = client.patch(BASE, json={"webhook_url": url, "webhook_secret": SECRET}, headers=login("admin"))

    assert r.status_code == 200, r.text
    assert _stored(engine) == url


def test_private_ranges_are_accepted_when_configured_and_loopback_still_is_not(
    client, login, engine, no_webhook, monkeypatch
):
    admin = login("admin")
    with settings_env(monkeypatch, JIEFEN_WEBHOOK_ALLOW_LOOPBACK="false", JIEFEN_WEBHOOK_ALLOW_PRIVATE="true"):
        for url in ("http://10.0.0.5/hook", "http://[fd00::5]/hook", "http://172.31.255.1:8080/hook"):
            r = client.patch(BASE, json={"webhook_url": url, "webhook_secret": SECRET}, headers=admin)
            assert r.status_code == 200, r.text
        for url in ("http://127.0.0.1/hook", "http://169.254.169.254/", "http://[::ffff:127.0.0.1]/"):
            r = client.patch(BASE, json={"webhook_url": url, "webhook_secret": SECRET}, headers=admin)
            assert r.status_code == 422, r.text
    assert _stored(engine) == "http://172.31.255.1:8080/hook"


def test_production_takes_https_only(client, login, engine, no_webhook, monkeypatch):
    admin = login("admin")
    with settings_env(monkeypatch, JIEFEN_ENV="production"):
        r = client.patch(BASE, json={"webhook_url": "http://1.1.1.1/hook", "webhook_secret": SECRET}, headers=admin)
        assert r.status_code == 422, r.text
        assert "生产环境只能使用 https" in r.json()["detail"][0]["msg"]
        r = client.patch(BASE, json={"webhook_url": "https://1.1.1.1/hook", "webhook_secret": SECRET}, headers=admin)
        assert r.status_code == 200, r.text


def test_a_seed_webhook_follows_the_apis_address_rules_and_names_the_court(engine):
    """A seed may set a court's webhook (`jiefen seed` checks it as the API does): the metadata address is
    refused naming the court, and a loader that cannot check addresses loads no webhook at all."""
    from sqlmodel import Session, select

    from models.seed.loader import SeedError, load_seed
    from models.tables import Organization
    from workflows.outbox.webhook_address import configured_refusal

    seed = {
        "courts": [
            {
                "code": "T-HOOK-COURT",
                "name": "测试人民法院",
                "level": "county",
                "region": "330106",
                "webhook_url": "http://169.254.169.254/",
                "webhook_secret": "a-long-enough-court-secret",
            }
        ]
    }
    with Session(engine) as session, pytest.raises(SeedError) as refused:
        load_seed(session, seed, webhook_refusal=configured_refusal)
    assert str(refused.value).startswith("courts[0] (T-HOOK-COURT): webhook_url refused: ")
    with Session(engine) as session, pytest.raises(SeedError) as unchecked:
        load_seed(session, seed)
    assert str(unchecked.value).startswith("courts[0] (T-HOOK-COURT): webhook_url: load this seed with `jiefen seed`")
    with Session(engine) as session:
        assert session.exec(select(Organization).where(Organization.code == "T-HOOK-COURT")).first() is None
