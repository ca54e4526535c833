"""Discovery announces the system service's identity, and nothing before the system tells it."""

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest_asyncio

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_network.adapters.sim import SimAnnouncer, SimResponder
from actkit_network.handlers import HANDLERS, Deps
from actkit_network.handlers.announce import learn_identity
from actkit_network.main import MIGRATIONS, build_deps
from actkit_network.settings import NetworkSettings
from actkit_proto.network import DiscoverySettings, GetDiscovery, SetDiscovery
from actkit_proto.system import GetIdentity

from ..conftest import tell_identity


@pytest_asyncio.fixture
async def alone(
    fake_bus: FakeBus, tmp_db: Callable[[str], Path], clock: FakeClock
) -> AsyncIterator[Deps]:
    """The network service started before the system service answers."""
    settings = NetworkSettings(db_path=tmp_db(MIGRATIONS), identity_retry_min_s=3600)
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        built = await stack.enter_async_context(
            build_deps(settings, Runtime(fake_bus, sessions), clock)  # type: ignore[arg-type]
        )
        await fake_bus.serve(HANDLERS, built)
        yield built


def _announced(deps: Deps) -> tuple[object, object, object]:
    upnp, ws_discovery, bonjour = (
        deps.discovery.upnp,
        deps.discovery.ws_discovery,
        deps.announcer,
    )
    assert isinstance(upnp, SimResponder) and isinstance(ws_discovery, SimResponder)
    assert isinstance(bonjour, SimAnnouncer)
    return upnp.announced, ws_discovery.announced, bonjour.announced


async def test_nothing_is_announced_under_a_stand_in_serial(alone: Deps) -> None:
    assert alone.device.mac_address is None
    assert _announced(alone) == (None, None, None)


async def test_the_identity_is_asked_again_with_a_doubling_delay_then_announced(
    fake_bus: FakeBus, alone: Deps
) -> None:
    delays: list[float] = []

    async def sleep(delay_s: float) -> None:
        delays.append(delay_s)
        if len(delays) == 3:
            fake_bus.answer(GetIdentity, tell_identity)  # the system service is up

    await learn_identity(alone, 0.5, 1.5, sleep)
    assert delays == [0.5, 1.0, 1.5]
    upnp, ws_discovery, bonjour = _announced(alone)
    assert getattr(upnp, "serial_number", None) == "ACCC8E123456"
    assert getattr(ws_discovery, "serial_number", None) == "ACCC8E123456"
    assert bonjour == ("AXIS W401 - ACCC8E123456", "w401", 80)


async def test_a_discovery_query_asks_once_more_while_the_identity_is_unknown(
    fake_bus: FakeBus, alone: Deps
) -> None:
    assert (await fake_bus.request(GetDiscovery())).upnp_name == "AXIS W401"
    fake_bus.answer(GetIdentity, tell_identity)
    discovery = await fake_bus.request(GetDiscovery())
    assert discovery.upnp_name == discovery.bonjour_name == "AXIS W401 - ACCC8E123456"
    assert getattr(_announced(alone)[0], "serial_number", None) == "ACCC8E123456"


async def test_a_name_the_installer_chose_is_announced_by_bonjour_before_the_identity(
    fake_bus: FakeBus, alone: Deps
) -> None:
    await fake_bus.request(SetDiscovery(settings=DiscoverySettings(bonjour_name="Car 12")))
    assert _announced(alone) == (None, None, ("Car 12", "w401", 80))
