"""Password hashing: Argon2id through argon2-cffi, one hasher for the whole process.

The hasher's parameters are argon2-cffi's defaults (RFC 9106 low-memory profile); when they change,
`needs_rehash` says so for hashes made under the old ones, and the next successful login or seed
run can store a fresh hash.
"""

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error

_HASHER = PasswordHasher()


def hash_password(pw: str) -> str:
    """An encoded Argon2id hash of `pw` (salted: two calls give two different strings)."""
    return _HASHER.hash(pw)


def verify_password(hash: str, pw: str) -> bool:  # noqa: A002 - the name callers use
    """True if `pw` matches `hash`; False on a mismatch or on anything that is not a valid hash. Never raises."""
    if not isinstance(hash, str) or not isinstance(pw, str):
        return False
    try:
        return _HASHER.verify(hash, pw)
    except (Argon2Error, ValueError):  # VerifyMismatchError, VerificationError, InvalidHashError, non-ASCII hash
        return False


def needs_rehash(hash: str) -> bool:  # noqa: A002 - the name callers use
    """True if `hash` was made with other parameters than the current hasher's, or is no valid hash at all."""
    if not isinstance(hash, str):
        return True
    try:
        return _HASHER.check_needs_rehash(hash)
    except (Argon2Error, ValueError):
        return True
