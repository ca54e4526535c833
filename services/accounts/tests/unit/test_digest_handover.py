"""A Digest nonce handed over to the web: given only when asked, with an accepted answer, once."""

from __future__ import annotations

import pytest

from actkit_accounts.domain.digest import ha1
from actkit_accounts.handlers import Deps
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Unauthenticated
from actkit_proto.accounts import AccessFailed, AuthSettingsChanged, SetAuthSettings, VerifyDigest

from ..conftest import ADMIN, ADMIN_PASSWORD
from .test_authentication import CLIENT, DigestClient, digest_answer

TARGET = "/axis-cgi/x.cgi"


def leasing(authorization: str, uri: str = TARGET) -> VerifyDigest:
    return VerifyDigest(
        method="GET",
        authorization=authorization.removeprefix("Digest "),
        client_address=CLIENT,
        uri=uri,
        lease=True,
    )


async def test_an_accepted_answer_hands_its_nonce_over_with_what_the_check_needs(
    fake_bus: FakeBus, set_up: Deps, clock: FakeClock
) -> None:
    client = DigestClient(ADMIN, ADMIN_PASSWORD)
    identity = await fake_bus.request(leasing(await digest_answer(fake_bus, client, "MD5")))
    lease = identity.lease
    assert lease is not None
    assert lease.ha1 == ha1("MD5", ADMIN, set_up.realm, ADMIN_PASSWORD)
    assert (lease.algorithm, lease.realm, lease.opaque, lease.nc) == (
        "MD5",
        set_up.realm,
        set_up.nonces.opaque,
        1,
    )
    assert lease.expires_at_s == clock.now().timestamp() + set_up.nonces.lifetime_s
    assert ADMIN_PASSWORD not in identity.to_wire().decode()


async def test_a_nonce_handed_over_is_never_accepted_here_again(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    client = DigestClient(ADMIN, ADMIN_PASSWORD)
    await fake_bus.request(leasing(await digest_answer(fake_bus, client, "MD5")))
    with pytest.raises(Unauthenticated, match="ask for a new challenge"):
        await fake_bus.request(leasing(client.answer(None)))
    assert fake_bus.published == []  # stale, not an attack


async def test_a_wrong_answer_on_a_nonce_handed_over_is_still_counted(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    client = DigestClient(ADMIN, ADMIN_PASSWORD)
    first = await digest_answer(fake_bus, client, "MD5")
    await fake_bus.request(leasing(first))
    guess = DigestClient(ADMIN, "guess")
    guess.auth = client.auth  # the same nonce and count, another password
    guess.auth._password = b"guess"
    with pytest.raises(Unauthenticated, match="wrong user name or password"):
        await fake_bus.request(leasing(guess.answer(None)))
    [event] = fake_bus.published
    assert isinstance(event, AccessFailed)


async def test_no_nonce_is_handed_over_unasked_or_for_an_answer_the_web_cannot_check(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    client = DigestClient(ADMIN, ADMIN_PASSWORD)
    unasked = await fake_bus.request(
        VerifyDigest(
            method="GET",
            authorization=(await digest_answer(fake_bus, client, "MD5")).removeprefix("Digest "),
            client_address=CLIENT,
        )
    )
    assert unasked.lease is None
    no_target = leasing(client.answer(None)).model_copy(update={"uri": None})
    assert (await fake_bus.request(no_target)).lease is None


async def test_a_change_of_the_authentication_settings_is_told(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    settings = await fake_bus.request(SetAuthSettings(http_authentication="basic"))
    assert fake_bus.published == [AuthSettingsChanged(settings=settings)]
