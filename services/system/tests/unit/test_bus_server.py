"""The network service asks system to reload or restart nats-server (its link to HQ changed)."""

from collections.abc import Callable
from pathlib import Path

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.base import Actor, Role
from actkit_proto.errors import Forbidden, Unavailable
from actkit_proto.system import ReloadBusServer
from actkit_system.adapters.nats_reload import ProcessReload
from actkit_system.adapters.sim import SimEngine
from actkit_system.handlers import Deps, bus_server
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
    return [call for call in engine.calls if call.startswith(("signal", "restart"))]


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


async def test_a_restart_is_answered_first_then_the_nats_container_is_restarted(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine
) -> None:
    await engine.stop(NATS)
    await fake_bus.request(ReloadBusServer(restart=True))
    assert signals(engine) == []  # the restart drops the connection the answer leaves by
    assert deps.apps.nats_restart is not None
    await deps.apps.nats_restart
    assert signals(engine) == [f"restart {NATS}"]
    container = await engine.inspect(NATS)
    assert container is not None and container.is_running


async def test_a_restart_the_engine_cannot_make_is_said_in_the_answer(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine
) -> None:
    await engine.remove(NATS)
    with pytest.raises(
        Unavailable,
        match="nats-server cannot be restarted: the engine has no container actkit-nats",
    ):
        await fake_bus.request(ReloadBusServer(restart=True))
    assert deps.apps.nats_restart is None


async def test_a_restart_that_fails_once_answered_is_in_the_system_log(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bus_server, "ANSWER_PAUSE_S", 0.0)
    await fake_bus.request(ReloadBusServer(restart=True))
    await engine.remove(NATS)  # gone between the answer and the restart
    assert deps.apps.nats_restart is not None
    await deps.apps.nats_restart
    lines, _ = deps.system_log.newest(lambda entry: "not restarted" in entry.message, 5)
    assert [line.message for line in lines] == [
        "nats-server was not restarted for the link to HQ: "
        "the engine did not restart actkit-nats: no such container: actkit-nats"
    ]


async def test_without_a_nats_server_on_this_host_a_restart_is_refused(
    fake_bus: FakeBus, deps: Deps, tmp_path: Path
) -> None:
    """``actkit run``'s way: nats-server by its ports file (none here)."""
    deps.apps.nats = ProcessReload(tmp_path / "ports")
    with pytest.raises(Unavailable, match="cannot be restarted: no nats-server runs"):
        await fake_bus.request(ReloadBusServer(restart=True))
