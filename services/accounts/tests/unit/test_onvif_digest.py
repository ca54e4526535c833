"""HTTP Digest for ONVIF accounts: answers computed by httpx against their sealed passwords."""

import pytest

from actkit_accounts.handlers import Deps
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Invalid, TooManyRequests, Unauthenticated
from actkit_proto.accounts import (
    AccessFailed,
    AddOnvifAccount,
    GetDigestChallenge,
    SetBruteForceSettings,
    VerifyOnvifDigest,
)

from .test_authentication import DigestClient, challenge_header

CLIENT = "192.0.2.11"
PASSWORD = "Onvif-pass1"
URL = "http://device/onvif/device_service"
TARGET = "/onvif/device_service"


@pytest.fixture
async def vms(fake_bus: FakeBus, deps: Deps) -> Deps:
    await fake_bus.request(AddOnvifAccount(name="vms", password=PASSWORD, role="operator"))
    return deps


async def answer(fake_bus: FakeBus, name: str, password: str, algorithm: str = "MD5") -> str:
    challenge = await fake_bus.request(GetDigestChallenge(client_address=CLIENT))
    authorization = DigestClient(name, password).answer(challenge_header(challenge, algorithm), URL)
    return authorization.removeprefix("Digest ")


def verify(authorization: str, uri: str = TARGET) -> VerifyOnvifDigest:
    return VerifyOnvifDigest(
        method="GET", authorization=authorization, uri=uri, client_address=CLIENT
    )


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
async def test_a_digest_answer_made_with_the_password_names_the_account_and_role(
    fake_bus: FakeBus, vms: Deps, algorithm: str
) -> None:
    who = await fake_bus.request(verify(await answer(fake_bus, "vms", PASSWORD, algorithm)))
    assert (who.name, who.role) == ("vms", "operator")
    assert fake_bus.published == []


async def test_a_wrong_password_or_unknown_account_is_refused_logged_and_counted(
    fake_bus: FakeBus, vms: Deps
) -> None:
    for name, password in (("vms", "guess"), ("nobody", PASSWORD)):
        with pytest.raises(Unauthenticated, match="wrong user name or password"):
            await fake_bus.request(verify(await answer(fake_bus, name, password)))
    failures = [e for e in fake_bus.published if isinstance(e, AccessFailed)]
    assert [(e.name, e.method, e.page) for e in failures] == [
        ("vms", "ONVIF Digest", "onvif"),
        ("nobody", "ONVIF Digest", "onvif"),
    ]
    assert len(vms.access_log) == 2


async def test_repeated_failures_block_the_client_even_with_the_right_password(
    fake_bus: FakeBus, vms: Deps
) -> None:
    await fake_bus.request(SetBruteForceSettings(failures_per_page=2, blocking_period_s=60))
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await fake_bus.request(verify(await answer(fake_bus, "vms", "guess")))
    with pytest.raises(TooManyRequests):
        await fake_bus.request(verify(await answer(fake_bus, "vms", PASSWORD)))


async def test_a_replayed_answer_and_one_for_another_address_are_refused(
    fake_bus: FakeBus, vms: Deps
) -> None:
    authorization = await answer(fake_bus, "vms", PASSWORD)
    await fake_bus.request(verify(authorization))
    with pytest.raises(Unauthenticated, match="already used"):
        await fake_bus.request(verify(authorization))
    other = await answer(fake_bus, "vms", PASSWORD)
    with pytest.raises(Unauthenticated, match="is not the address asked for"):
        await fake_bus.request(verify(other, "/onvif/event_service"))


async def test_an_expired_nonce_is_refused_without_counting_as_an_attack(
    fake_bus: FakeBus, vms: Deps, clock: FakeClock
) -> None:
    authorization = await answer(fake_bus, "vms", PASSWORD)
    clock.advance(vms.nonces.lifetime_s + 1)
    with pytest.raises(Unauthenticated, match="unknown or expired"):
        await fake_bus.request(verify(authorization))
    assert vms.access_log == type(vms.access_log)()


async def test_a_malformed_header_says_what_is_missing(fake_bus: FakeBus, vms: Deps) -> None:
    with pytest.raises(Invalid, match="lacks"):
        await fake_bus.request(verify('username="vms", realm="x"'))
    assert len(vms.access_log) == 1
