"""ONVIF UsernameTokens, digests made here with hashlib, against the ONVIF accounts."""

import base64
import hashlib
import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from actkit_accounts.adapters.keystore import SoftwareKeystore
from actkit_accounts.handlers import Deps
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Invalid, Unauthenticated, Unavailable
from actkit_proto.accounts import (
    AccessFailed,
    AddOnvifAccount,
    UpdateOnvifAccount,
    VerifyUsernameToken,
)

CLIENT = "192.0.2.9"
PASSWORD = "media pass:1"


def created_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def digest_token(
    name: str, password: str, created: str, nonce: bytes | None = None
) -> VerifyUsernameToken:
    """A PasswordDigest token as a client builds it: Base64(SHA-1(nonce + created + password))."""
    nonce = nonce if nonce is not None else os.urandom(16)
    digest = hashlib.sha1(nonce + created.encode() + password.encode()).digest()
    return VerifyUsernameToken(
        username=name,
        password=base64.b64encode(digest).decode(),
        nonce=base64.b64encode(nonce).decode(),
        created=created,
        client_address=CLIENT,
    )


@pytest.fixture
async def vms(fake_bus: FakeBus, deps: Deps) -> Deps:
    await fake_bus.request(AddOnvifAccount(name="vms", password=PASSWORD, role="operator"))
    return deps


async def test_a_digest_token_made_with_the_password_names_the_account_and_role(
    fake_bus: FakeBus, vms: Deps, clock: FakeClock
) -> None:
    who = await fake_bus.request(digest_token("vms", PASSWORD, created_text(clock.now())))
    assert (who.name, who.role) == ("vms", "operator")
    # A client whose clock is a little behind or ahead, with fractions of a second.
    for offset in (-299, 299):
        moment = clock.now() + timedelta(seconds=offset)
        created = moment.strftime("%Y-%m-%dT%H:%M:%S.123Z")
        assert (await fake_bus.request(digest_token("vms", PASSWORD, created))).name == "vms"


async def test_a_replayed_nonce_is_refused_and_logged(
    fake_bus: FakeBus, vms: Deps, clock: FakeClock
) -> None:
    token = digest_token("vms", PASSWORD, created_text(clock.now()))
    await fake_bus.request(token)
    clock.advance(5)
    with pytest.raises(Unauthenticated, match="nonce was already used"):
        await fake_bus.request(token)
    [event] = fake_bus.published
    assert isinstance(event, AccessFailed)
    assert (event.name, event.method, event.page) == ("vms", "ONVIF UsernameToken", "onvif")


async def test_a_stale_or_future_token_is_refused(
    fake_bus: FakeBus, vms: Deps, clock: FakeClock
) -> None:
    with pytest.raises(Unauthenticated, match="stale"):
        await fake_bus.request(
            digest_token("vms", PASSWORD, created_text(clock.now() - timedelta(seconds=301)))
        )
    with pytest.raises(Unauthenticated, match="in the future"):
        await fake_bus.request(
            digest_token("vms", PASSWORD, created_text(clock.now() + timedelta(seconds=301)))
        )


async def test_a_token_stale_by_the_time_it_is_replayed_is_refused(
    fake_bus: FakeBus, vms: Deps, clock: FakeClock
) -> None:
    token = digest_token("vms", PASSWORD, created_text(clock.now()))
    await fake_bus.request(token)
    clock.advance(301)
    await fake_bus.request(digest_token("vms", PASSWORD, created_text(clock.now())))
    with pytest.raises(Unauthenticated, match="stale"):
        await fake_bus.request(token)


async def test_a_wrong_password_or_unknown_account_is_refused(
    fake_bus: FakeBus, vms: Deps, clock: FakeClock
) -> None:
    for name, password in (("vms", "guess"), ("nobody", PASSWORD)):
        with pytest.raises(Unauthenticated, match="wrong user name or password"):
            await fake_bus.request(digest_token(name, password, created_text(clock.now())))
    assert len(vms.access_log) == 2


async def test_a_new_password_replaces_the_old_one(
    fake_bus: FakeBus, vms: Deps, clock: FakeClock
) -> None:
    await fake_bus.request(UpdateOnvifAccount(name="vms", password="changed"))
    with pytest.raises(Unauthenticated):
        await fake_bus.request(digest_token("vms", PASSWORD, created_text(clock.now())))
    assert await fake_bus.request(digest_token("vms", "changed", created_text(clock.now())))
    await fake_bus.request(UpdateOnvifAccount(name="vms", role="media"))
    who = await fake_bus.request(digest_token("vms", "changed", created_text(clock.now())))
    assert who.role == "media"


async def test_a_text_password_token_is_checked_too(fake_bus: FakeBus, vms: Deps) -> None:
    def text(password: str) -> VerifyUsernameToken:
        return VerifyUsernameToken(
            username="vms", password=password, password_type="text", client_address=CLIENT
        )

    assert (await fake_bus.request(text(PASSWORD))).name == "vms"
    with pytest.raises(Unauthenticated):
        await fake_bus.request(text("guess"))


@pytest.mark.parametrize(
    ("nonce", "created", "message"),
    [
        (None, "2026-11-24T12:00:00Z", "needs its Nonce and Created"),
        ("not base64!", "2026-11-24T12:00:00Z", "not Base64"),
        ("AAAA", "yesterday", "is not a time"),
        ("AAAA", "2026-11-24T12:00:00", "must be UTC"),
    ],
)
async def test_a_malformed_token_says_what_is_wrong(
    fake_bus: FakeBus, vms: Deps, nonce: str | None, created: str, message: str
) -> None:
    token = VerifyUsernameToken(
        username="vms", password="x", nonce=nonce, created=created, client_address=CLIENT
    )
    with pytest.raises(Invalid, match=message):
        await fake_bus.request(token)


async def test_the_password_is_stored_sealed_not_in_clear(vms: Deps, tmp_path: Path) -> None:
    [database] = tmp_path.glob("*.db")
    with sqlite3.connect(database) as connection:
        [(sealed,)] = connection.execute(
            "SELECT sealed_password FROM service_accounts WHERE name = 'vms'"
        ).fetchall()
    stored = [path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()]
    assert not any(PASSWORD.encode() in content for content in stored)
    assert sealed.startswith("v1:")
    assert vms.keystore.unseal(sealed, "onvif:vms") == PASSWORD
    with pytest.raises(Unavailable, match="does not open"):
        vms.keystore.unseal(sealed, "onvif:other")


def test_the_keystore_key_is_private_and_kept_across_restarts(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "accounts-keystore.key"
    sealed = SoftwareKeystore(key_file).seal("secret", "context")
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert SoftwareKeystore(key_file).unseal(sealed, "context") == "secret"
    with pytest.raises(Unavailable, match="does not open"):
        SoftwareKeystore(tmp_path / "other.key").unseal(sealed, "context")
