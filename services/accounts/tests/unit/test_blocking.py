import dataclasses

import pytest

from actkit_accounts.domain.blocking import BlockingPolicy
from actkit_accounts.handlers import Deps
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import TooManyRequests, Unauthenticated
from actkit_proto.accounts import AccessFailed, VerifyBasic

from ..conftest import ADMIN, ADMIN_PASSWORD

ATTACKER = "198.51.100.9"


def attempt(password: str, client: str = ATTACKER, page: str = "/") -> VerifyBasic:
    return VerifyBasic(name=ADMIN, password=password, client_address=client, page=page)


async def test_too_many_failures_in_a_second_block_the_client_for_the_period(
    fake_bus: FakeBus, set_up: Deps, clock: FakeClock
) -> None:
    set_up.blocker.policy = BlockingPolicy(period_s=30, failures_per_page=3)
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            await fake_bus.request(attempt("guess"))
        clock.advance(0.1)
    with pytest.raises(TooManyRequests, match=r"retry after 30 s$"):
        await fake_bus.request(attempt(ADMIN_PASSWORD))
    clock.advance(20)
    with pytest.raises(TooManyRequests, match=r"retry after 10 s$"):
        await fake_bus.request(attempt(ADMIN_PASSWORD))
    assert (await fake_bus.request(attempt(ADMIN_PASSWORD, client="192.0.2.1"))).name == ADMIN
    clock.advance(10)
    assert (await fake_bus.request(attempt(ADMIN_PASSWORD))).name == ADMIN
    reasons = [e.reason for e in set_up.access_log if isinstance(e, AccessFailed)]
    assert reasons[:4] == ["wrong user name or password"] * 4
    assert all("blocked" in reason for reason in reasons[4:])
    assert len(reasons) == 6


async def test_failures_spread_over_seconds_do_not_block(
    fake_bus: FakeBus, set_up: Deps, clock: FakeClock
) -> None:
    set_up.blocker.policy = BlockingPolicy(failures_per_page=2)
    for _ in range(10):
        with pytest.raises(Unauthenticated):
            await fake_bus.request(attempt("guess"))
        clock.advance(0.5)
    assert (await fake_bus.request(attempt(ADMIN_PASSWORD))).name == ADMIN


async def test_a_page_block_leaves_other_pages_open_but_a_device_block_closes_all(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    set_up.blocker.policy = BlockingPolicy(failures_per_page=1, failures_per_device=3)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await fake_bus.request(attempt("guess", page="/a"))
    with pytest.raises(TooManyRequests, match="page /a"):
        await fake_bus.request(attempt(ADMIN_PASSWORD, page="/a"))
    assert (await fake_bus.request(attempt(ADMIN_PASSWORD, page="/b"))).name == ADMIN
    for page in ("/c", "/d"):
        with pytest.raises(Unauthenticated):
            await fake_bus.request(attempt("guess", page=page))
    with pytest.raises(TooManyRequests, match="this device"):
        await fake_bus.request(attempt(ADMIN_PASSWORD, page="/e"))


async def test_blocking_turned_off_never_blocks(fake_bus: FakeBus, set_up: Deps) -> None:
    set_up.blocker.policy = dataclasses.replace(
        BlockingPolicy(), is_enabled=False, failures_per_page=1
    )
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            await fake_bus.request(attempt("guess"))
    assert (await fake_bus.request(attempt(ADMIN_PASSWORD))).name == ADMIN
