import contextlib
import dataclasses

import pytest
from sqlalchemy.exc import IntegrityError

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.fake_bus import FakeBus
from actkit_io.handlers import Deps
from actkit_io.handlers.port import restore_settings
from actkit_io.main import build_deps
from actkit_io.settings import IoSettings
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    Direction,
    HoldPort,
    ListPorts,
    PortChanged,
    SetPort,
)
from actkit_proto.params import RestoreScope, RestoreSettings


async def _configure(fake_bus: FakeBus) -> None:
    await fake_bus.request(
        ConfigurePort(
            port_id=3,
            name="Door",
            normal_state=Circuit.CLOSED,
            is_supervised=True,
            debounce_ms=120,
        )
    )
    await fake_bus.request(ConfigurePort(port_id=4, name="Lamp", direction=Direction.OUTPUT))
    await fake_bus.request(SetPort(port_id=4, is_active=True))
    await fake_bus.request(HoldPort(port_id=9, holder="rule:1", is_active=True))


@pytest.mark.parametrize("scope", list(RestoreScope))
async def test_restore_puts_every_port_back_to_the_board_file_and_outputs_to_normal(
    fake_bus: FakeBus, deps: Deps, settings: IoSettings, scope: RestoreScope
) -> None:
    await _configure(fake_bus)
    fake_bus.published.clear()

    await fake_bus.request(RestoreSettings(service="io", scope=scope))

    ports = {port.port_id: port for port in (await fake_bus.request(ListPorts())).ports}
    for default in deps.defaults:
        port = ports[default.port_id]
        assert (port.name, port.direction, port.normal_state) == (
            default.name,
            default.direction,
            default.normal_state,
        )
        assert (port.is_supervised, port.debounce_ms) == (False, 50)
        assert not port.is_active and port.holders == []
    assert (ports[3].name, ports[4].direction) == ("Port 3", Direction.INPUT)
    assert ports[9].circuit is Circuit.OPEN
    told = {event.port_id for event in fake_bus.published if isinstance(event, PortChanged)}
    assert told >= {3, 4, 9}
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        again = await stack.enter_async_context(build_deps(settings, Runtime(FakeBus(), sessions)))  # type: ignore[arg-type]
        assert [again.board.config(p) for p in sorted(again.board.configs)] == list(deps.defaults)


async def test_a_restore_that_fails_to_save_changes_nothing(
    fake_bus: FakeBus, deps: Deps, settings: IoSettings
) -> None:
    await _configure(fake_bus)
    before = dict(deps.board.configs)
    # Two rows for one port: the insert fails after the delete, inside the one transaction.
    broken = dataclasses.replace(deps, defaults=(*deps.defaults, deps.defaults[0]))

    with pytest.raises(IntegrityError):
        await restore_settings(RestoreSettings(service="io", scope=RestoreScope.RESTORE), broken)

    assert deps.board.configs == before
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        again = await stack.enter_async_context(build_deps(settings, Runtime(FakeBus(), sessions)))  # type: ignore[arg-type]
        assert (again.board.config(3).name, again.board.config(4).direction) == (
            "Door",
            Direction.OUTPUT,
        )
