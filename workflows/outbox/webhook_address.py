"""Where a court's webhook may point, checked when an admin sets it and again on every delivery.

A webhook URL is a request jiefen makes on an admin's word, from inside the centre's network: pointed at
the machine itself, a cloud metadata service or a neighbour on the LAN, it would carry signed case data
there (server-side request forgery). So:

- `http` or `https` only, and `https` only in production; no user name or password in the URL;
- the host is a DNS name or an IP address; an address in any of the forms the C library also reads as one
  (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`) is read the same way here, so it cannot slip past;
- loopback (and `localhost`), link-local, multicast, unspecified, reserved and the other special-purpose
  addresses are refused always, IPv4 and IPv6 alike, including IPv4 inside IPv6 (`::ffff:127.0.0.1`,
  6to4, NAT64); private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) only when the courts'
  network is one (JIEFEN_WEBHOOK_ALLOW_PRIVATE);
- a name is resolved when it is set (a name that does not resolve yet is let through) and again on each
  delivery, and every address it resolves to must pass. The delivery then connects to the address it
  checked, naming the host in `Host` and TLS SNI, so a name that resolves elsewhere a moment later (DNS
  rebinding) changes nothing; redirects are not followed.
"""

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import quote, urlsplit

import httpx2

from models.settings import Settings, get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], list[IPAddress]]

PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")  # RFC 1918, 6598, 4193
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_NUMBER = re.compile(r"[0-9]+|0x[0-9a-f]*")  # a last label the URL standard reads as an IPv4 number
_URL_SAFE = "/?&=%:@!$'()*+,;~-._"  # what stays as written in a path and query (the rest is percent-encoded)


class WebhookRefused(ValueError):
    """The URL, or an address its host resolves to, may not receive webhooks; the message says why."""


class WebhookUnresolved(httpx2.ConnectError):
    """The host does not resolve now: a network failure, retried like one."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: its parts as parsed here, and the address the delivery connects to."""

    scheme: str
    host: str  # the name or address as written (lower case, IDNA)
    port: int
    netloc: str  # what `Host` carries
    path: str  # path and query, percent-encoded
    literal: bool  # the host is an address, not a name
    addresses: tuple[IPAddress, ...]


def address_refusal(ip: IPAddress, *, allow_private: bool, allow_loopback: bool = False) -> str | None:
    """Why `ip` may not receive webhooks, or None."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is that IPv4 address
            return address_refusal(ip.ipv4_mapped, allow_private=allow_private, allow_loopback=allow_loopback)
        embedded = ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None)
        if embedded is not None and (
            inner := address_refusal(embedded, allow_private=allow_private, allow_loopback=allow_loopback)
        ):
            return f"{inner}（内嵌于 IPv6 地址 {ip}）"
    if ip.is_loopback:
        return None if allow_loopback else f"{ip} 是回环地址（本机）"
    if ip.is_unspecified:
        return f"{ip} 是未指定地址"
    if ip.is_link_local:
        return f"{ip} 是链路本地地址（含云服务器元数据地址 169.254.169.254）"
    if ip.is_multicast:
        return f"{ip} 是组播地址"
    if ip.is_reserved or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return f"{ip} 是保留地址"
    if any(ip in n for n in PRIVATE_NETWORKS):
        return (
            None if allow_private else f"{ip} 是内网地址（法院网络为内网时，须设置 JIEFEN_WEBHOOK_ALLOW_PRIVATE=true）"
        )
    if not ip.is_global:
        return f"{ip} 是特殊用途地址（非公网地址）"
    return None


def _policy(settings: Settings) -> dict[str, bool]:
    return {"allow_private": settings.webhook_allow_private, "allow_loopback": settings.webhook_loopback_allowed}


def _literal(host: str) -> IPAddress | None:
    """The address `host` names: an IPv6 literal, or IPv4 in any form inet_aton reads (decimal, octal,
    hex, fewer than four parts). None: a DNS name. WebhookRefused: neither."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise WebhookRefused(f"{host} 不是有效的 IPv6 地址") from None
    if _NUMBER.fullmatch(host.rsplit(".", 1)[-1]):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            raise WebhookRefused(f"{host} 不是有效的 IPv4 地址") from None
    return None


def parse(url: str, settings: Settings | None = None) -> tuple[Target, IPAddress | None]:
    """The URL's parts, checked without the network; the address when the host is one."""
    s = settings or get_settings()
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise WebhookRefused("不是有效的网址（主机或端口无法解析）") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise WebhookRefused("只能使用 http 或 https 网址")
    if s.env == "production" and scheme != "https":
        raise WebhookRefused("生产环境只能使用 https 网址（推送内容含当事人个人信息）")
    if parts.username is not None or parts.password is not None:
        raise WebhookRefused("网址中不能包含用户名或密码")
    if not host:
        raise WebhookRefused("网址缺少主机名")
    host = host.removesuffix(".")
    literal = _literal(host)
    if literal is None:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise WebhookRefused("主机名不合法") from None
        if not all(_LABEL.fullmatch(label) for label in host.split(".")):
            raise WebhookRefused("主机名不合法（只能由字母、数字、连字符和点组成）")
        if (host in LOOPBACK_NAMES or host.endswith(".localhost")) and not s.webhook_loopback_allowed:
            raise WebhookRefused(f"{host} 指向本机（回环地址）")
    elif reason := address_refusal(literal, **_policy(s)):
        raise WebhookRefused(reason)
    target = Target(
        scheme=scheme,
        host=str(literal) if literal is not None else host,
        port=port or (443 if scheme == "https" else 80),
        netloc=parts.netloc,
        path=quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe=_URL_SAFE),
        literal=literal is not None,
        addresses=(literal,) if literal is not None else (),
    )
    return target, literal


def system_resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for `host` (WebhookUnresolved when none)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        raise WebhookUnresolved(f"DNS：{host} 无法解析（{e}）") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def check(url: str, settings: Settings | None = None, *, resolve: Resolve = system_resolve) -> Target:
    """The URL checked, its name resolved and every address checked: what a delivery connects to."""
    s = settings or get_settings()
    target, literal = parse(url, s)
    if literal is not None:
        return target
    addresses = resolve(target.host, target.port)
    if not addresses:
        raise WebhookUnresolved(f"DNS：{target.host} 没有地址")
    for ip in addresses:
        if reason := address_refusal(ip, **_policy(s)):
            raise WebhookRefused(f"{target.host} 解析到 {reason}")
    return replace(target, addresses=tuple(addresses))


def configured_refusal(url: str, settings: Settings | None = None, *, resolve: Resolve = system_resolve) -> str | None:
    """Why an admin may not set `url`, or None. A name that does not resolve from here is let through: the
    delivery checks it again (a court's internal name may resolve on the workers only)."""
    try:
        check(url, settings, resolve=resolve)
    except WebhookRefused as e:
        return str(e)
    except WebhookUnresolved:
        return None
    return None


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float = 10.0,
    settings: Settings | None = None,
    resolve: Resolve = system_resolve,
) -> int:
    """POST to the address the check passed (never resolved again), the host named in Host and SNI."""
    target = check(url, settings, resolve=resolve)
    ip = target.addresses[0]
    pinned = httpx2.URL(scheme=target.scheme, host=str(ip), port=target.port, raw_path=target.path.encode())
    extensions = {"sni_hostname": target.host} if target.scheme == "https" and not target.literal else {}
    with httpx2.Client(timeout=timeout, follow_redirects=False) as client:
        request = client.build_request(
            "POST", pinned, content=body, headers={**headers, "Host": target.netloc}, extensions=extensions
        )
        return client.send(request).status_code
