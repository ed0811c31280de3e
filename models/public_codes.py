"""一案一码: every case's public code, and the keyed hashes the portal stores instead of phones and codes.

A case code is 8 characters drawn at random (`secrets`) from 31 letters and digits without look-alikes
(no 0/O, 1/I/L): 31⁸ ≈ 8.5 × 10¹¹ codes, nothing to do with the case number, so one code tells nothing of
another. It is only a handle: seeing a case also takes a one-time code sent to a phone on record.
"""

import hashlib
import hmac
import re
import secrets

from models.settings import Settings

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
_CODE = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def new_public_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_public_code(typed: str) -> str | None:
    """A code as typed (any case, spaces or hyphens between groups) in its stored form, or None."""
    code = re.sub(r"[\s\-－—]", "", typed[:40]).upper()
    return code if _CODE.match(code) else None


def spaced(code: str | None) -> str:
    """A code as printed and shown: two groups of four (K7M3 PQ8X)."""
    return f"{code[:4]} {code[4:]}" if code else ""


def portal_url(settings: Settings, code: str) -> str:
    return f"{settings.portal_base_url}/p/c/{code}"


def keyed_hash(settings: Settings, purpose: str, value: str) -> str:
    """HMAC-SHA256 under a key of the portal's own, derived from the secret: what the portal stores instead of
    a phone, a one-time code or a client address."""
    key = hashlib.sha256(b"jiefen-portal-hash:" + settings.secret_key.get_secret_value().encode()).digest()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def phone_hash(settings: Settings, phone: str) -> str:
    return keyed_hash(settings, "phone", phone)
