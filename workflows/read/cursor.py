"""The next-page token of case lists (docs/contract.md §5): opaque to clients, signed here.

A cursor names the last row a page showed by its sort key (updated_at, id), the count the walk's first
page found, and a fingerprint of who asked with which filters. It is signed with an HMAC keyed from
JIEFEN_SECRET_KEY, so a cursor that was altered, cut short, made up, or carried to another user's or
another query's walk is refused (422 naming `cursor`) before anything reads the database.
"""

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models.settings import get_settings
from workflows.access import Actor
from workflows.errors import PayloadInvalid

VERSION = 1
FIELD = ["query", "cursor"]
REFUSED = "cursor：翻页标记无效或已被改动，请从第一页重新查询"
OTHER_QUERY = "cursor：翻页标记不属于本次查询（查询条件或用户不同），请从第一页重新查询"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SIG_BYTES = 16


@dataclass(frozen=True, slots=True)
class Position:
    """Where a walk stands: after the row with this sort key, having counted `count` on its first page."""

    updated_at: datetime
    id: uuid.UUID
    count: int
    count_exact: bool


def fingerprint(actor: Actor, filters: tuple[object, ...]) -> str:
    """Who asks with which filters: a cursor is good only for the walk it came from."""
    who = (actor.name, str(actor.role), actor.org_code, actor.org_region)
    raw = json.dumps([who, [str(f) if f is not None else None for f in filters]], ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def _key() -> bytes:
    secret = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(secret, b"jiefen case-list cursor", hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(position: Position, fp: str) -> str:
    micros = (position.updated_at - EPOCH) // timedelta(microseconds=1)
    body = [VERSION, micros, position.id.hex, position.count, position.count_exact, fp]
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    sig = hmac.new(_key(), payload.encode("ascii"), hashlib.sha256).digest()[:_SIG_BYTES]
    return f"{payload}.{_b64(sig)}"


def decode(cursor: str, fp: str) -> Position:
    """The position a cursor names, or PayloadInvalid on `cursor` for anything this module did not sign
    for this walk."""
    payload, _, sig = cursor.partition(".")
    try:
        given = _unb64(sig)
        expected = hmac.new(_key(), payload.encode("ascii"), hashlib.sha256).digest()[:_SIG_BYTES]
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise PayloadInvalid(FIELD, REFUSED) from None
    if not payload or not hmac.compare_digest(given, expected):
        raise PayloadInvalid(FIELD, REFUSED)
    try:  # signed by us: still read as untrusted, in case the key leaked or a future version differs
        version, micros, hex_id, count, exact, signed_fp = json.loads(_unb64(payload))
        if version != VERSION or not all(
            isinstance(v, t) and not isinstance(v, bool) for v, t in ((micros, int), (count, int))
        ):
            raise ValueError(version)
        if not isinstance(exact, bool) or not isinstance(signed_fp, str) or count < 0:
            raise ValueError(exact)
        position = Position(EPOCH + timedelta(microseconds=micros), uuid.UUID(hex=hex_id), count, exact)
    except (ValueError, TypeError, OverflowError, AttributeError):
        raise PayloadInvalid(FIELD, REFUSED) from None
    if not hmac.compare_digest(signed_fp, fp):
        raise PayloadInvalid(FIELD, OTHER_QUERY)
    return position
