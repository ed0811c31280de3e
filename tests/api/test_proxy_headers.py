"""`jiefen serve` believes X-Forwarded-Proto only from the proxies it is told to trust
(--forwarded-allow-ips, else JIEFEN_FORWARDED_ALLOW_IPS, else 127.0.0.1): a request that came through a
trusted TLS-terminating proxy gets HSTS and a Secure login-CSRF cookie; from anyone else the header means
nothing."""

from pathlib import Path

import httpx2

from api.web.session import LOGIN_CSRF
from tests.api.live import jiefen_serve

THROUGH_TLS_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def login_page(url: str) -> httpx2.Response:
    r = httpx2.get(f"{url}/login", headers=THROUGH_TLS_PROXY, timeout=10)
    assert r.status_code == 200
    return r


def secure_csrf_cookie(r: httpx2.Response) -> bool:
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(f"{LOGIN_CSRF}="))
    return "; secure" in cookie.lower()


def test_an_untrusted_sender_of_x_forwarded_proto_gets_no_hsts(tmp_path: Path):
    # The setting names another address as the proxy: this client (127.0.0.1) is not it.
    with jiefen_serve(tmp_path, env={"JIEFEN_FORWARDED_ALLOW_IPS": "192.0.2.10"}) as live:
        r = login_page(live.url)
    assert "strict-transport-security" not in r.headers
    assert not secure_csrf_cookie(r)


def test_a_trusted_tls_proxy_gets_hsts_and_secure_cookies_and_the_option_overrides_the_setting(tmp_path: Path):
    with jiefen_serve(
        tmp_path, "--forwarded-allow-ips", "127.0.0.1", env={"JIEFEN_FORWARDED_ALLOW_IPS": "192.0.2.10"}
    ) as live:
        r = login_page(live.url)
        plain = httpx2.get(f"{live.url}/login", timeout=10)  # through no proxy: plain HTTP
        out = live.output()
    assert r.headers["strict-transport-security"] == "max-age=31536000"
    assert secure_csrf_cookie(r)
    assert "strict-transport-security" not in plain.headers and not secure_csrf_cookie(plain)
    assert "203.0.113.7" in out  # the access log names the client the proxy forwarded for


def test_by_default_only_the_local_machine_is_trusted(tmp_path: Path):
    with jiefen_serve(tmp_path) as live:
        r = login_page(live.url)
    assert r.headers["strict-transport-security"] == "max-age=31536000"
