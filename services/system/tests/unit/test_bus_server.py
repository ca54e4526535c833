"""The network service asks system to reload nats-server (its link to HQ changed): the board."""

from collections.abc import Callable
from pathlib import Path

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.base import Actor, Role
from actkit_proto.errors import Forbidden, Unavailable
from actkit_proto.system import ReloadBusServer
from actkit_system.adapters.sim import SimEngine
from actkit_system.handlers import Deps
from actkit_system.main import MIGRATIONS
from actkit_system.ports import ReloadFailed
from actkit_system.settings import SystemSettings

NATS = "actkit-nats"


@pytest.fixture
def engine() -> SimEngine:
    return SimEngine(["nats"], image="actkit:1.0.0")


@pytest.fixture
def settings(tmp_db: Callable[[str], Path], tmp_path: Path) -> SystemSettings:
    """The board's: nats-server is a container signalled through the engine."""
    return SystemSettings(
        db_path=tmp_db(MIGRATIONS),
        data_dir=tmp_path,
        software_version="1.0.0",
        apps_nats_reload="container",
        apps_nats_container=NATS,
    )


def signals(engine: SimEngine) -> list[str]:
    return [call for call in engine.calls if call.startswith("signal")]


async def test_the_nats_container_is_sent_a_hangup(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine
) -> None:
    await fake_bus.request(ReloadBusServer())
    assert signals(engine) == [f"signal {NATS} HUP"]


async def test_no_person_may_ask_even_an_administrator(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine
) -> None:
    with pytest.raises(Forbidden, match="for services only"):
        await fake_bus.request(ReloadBusServer(actor=Actor(name="ada", role=Role.ADMINISTRATOR)))
    assert signals(engine) == []


async def test_a_reload_that_cannot_be_made_is_said(fake_bus: FakeBus, deps: Deps) -> None:
    class Away:
        async def reload(self) -> None:
            raise ReloadFailed("the engine did not signal actkit-nats: gone")

    deps.apps.nats = Away()
    with pytest.raises(Unavailable, match="not told to reload: the engine did not signal"):
        await fake_bus.request(ReloadBusServer())
