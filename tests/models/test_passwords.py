"""Password hashing: salted Argon2id; anything that is not a hash never verifies and needs a rehash."""

from typing import Any

import pytest
from argon2 import PasswordHasher

from models.security import hash_password, needs_rehash, verify_password


def test_hash_password_is_salted_argon2id() -> None:
    a, b = hash_password("秘密-secret"), hash_password("秘密-secret")
    assert a != b and a.startswith("$argon2id$") and "秘密" not in a
    assert verify_password(a, "秘密-secret") and verify_password(b, "秘密-secret")
    assert not verify_password(a, "秘密-Secret")
    assert not needs_rehash(a)


@pytest.mark.parametrize("bad_hash", ["", "plain-text", "$argon2id$v=19$m=1,t=1,p=1$zz$zz", "密码", None, 42])
def test_verify_password_is_false_on_anything_that_is_not_a_hash(bad_hash: Any) -> None:
    assert verify_password(bad_hash, "plain-text") is False
    assert needs_rehash(bad_hash) is True


def test_a_hash_made_with_weaker_parameters_needs_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw")
    assert verify_password(weak, "pw")
    assert needs_rehash(weak)
