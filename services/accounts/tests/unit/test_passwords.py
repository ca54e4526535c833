"""The decoy an unknown name is checked against: argon2's cost, no password, made at no cost."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import VerifyMismatchError

from actkit_accounts.handlers.passwords import Passwords, decoy_hash

REALM = "AXIS_ACCC8E123456"


class HashingRefused(PasswordHasher):
    """A hasher that fails whenever it is asked to hash."""

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        raise AssertionError(f"argon2 ran on {password!r} (salt {salt!r})")


def test_the_decoy_costs_what_an_accounts_hash_costs_and_no_password_matches_it() -> None:
    hasher = PasswordHasher(time_cost=2, memory_cost=16, parallelism=2)
    decoy = decoy_hash(hasher)
    assert extract_parameters(decoy) == extract_parameters(hasher.hash("a password"))
    with pytest.raises(VerifyMismatchError):  # argon2 ran on it, and refused
        hasher.verify(decoy, "a password")
    assert decoy_hash(hasher) != decoy


async def test_the_service_starts_without_running_argon2_and_refuses_an_unknown_name() -> None:
    passwords = Passwords(HashingRefused(time_cost=1, memory_cost=8, parallelism=1), REALM)
    assert not await passwords.verify(None, "any password")
