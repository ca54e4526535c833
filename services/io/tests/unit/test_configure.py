import contextlib

import pytest

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.fake_bus import FakeBus
from actkit_io.handlers import Deps
from actkit_io.main import build_deps
from actkit_io.settings import IoSettings
from actkit_proto import Invalid, NotFound
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    Direction,
    GetPort,
    HoldPort,
    ListPorts,
    PortChanged,
    PortConfigured,
    SetPort,
)


async def test_settings_are_kept_across_a_restart(
    fake_bus: FakeBus, deps: Deps, settings: IoSettings
) -> None:
    await fake_bus.request(
        ConfigurePort(
            port_id=3,
            name="  Lightbar  ",
            normal_state=Circuit.CLOSED,
            is_supervised=True,
            debounce_ms=120,
        )
    )
    await fake_bus.request(ConfigurePort(port_id=4, direction=Direction.OUTPUT))
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        again = await stack.enter_async_context(build_deps(settings, Runtime(FakeBus(), sessions)))  # type: ignore[arg-type]
        port3, port4 = again.board.view(3), again.board.view(4)
    assert (port3.name, port3.normal_state, port3.is_supervised, port3.debounce_ms) == (
        "Lightbar",
        Circuit.CLOSED,
        True,
        120,
    )
    assert port4.direction is Direction.OUTPUT


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (
            ConfigurePort(port_id=9, direction=Direction.INPUT),
            Invalid,
            "port 9 is a relay output; its direction cannot change",
        ),
        (
            ConfigurePort(port_id=9, is_supervised=True),
            Invalid,
            "port 9 is an output; only inputs can be supervised",
        ),
        (
            ConfigurePort(port_id=2, direction=Direction.OUTPUT, is_supervised=True),
            Invalid,
            "port 2 is an output; only inputs",
        ),
        (
            ConfigurePort(port_id=2, normal_state=Circuit.CUT),
            Invalid,
            "the normal state is open or closed, not cut",
        ),
        (
            ConfigurePort(port_id=2, name="   "),
            Invalid,
            "port 2: the name must be 1-64 printable characters",
        ),
        (ConfigurePort(port_id=2, name="x" * 65), Invalid, "the name must be 1-64"),
        (ConfigurePort(port_id=2, name="door\nopen"), Invalid, "printable characters"),
        (
            ConfigurePort(port_id=12, name="x"),
            NotFound,
            "there is no port 12; the ports are 1, 2, 3, 4, 5, 6, 7, 8, 9",
        ),
    ],
)
async def test_a_change_that_breaks_a_rule_is_refused_and_nothing_is_kept(
    fake_bus: FakeBus, deps: Deps, change: ConfigurePort, error: type[Exception], message: str
) -> None:
    before = deps.board.configs.get(change.port_id)
    with pytest.raises(error, match=message):
        await fake_bus.request(change)
    assert deps.board.configs.get(change.port_id) == before


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"debounce_ms": -1}, "debounce_ms: Input should be greater than or equal to 0"),
        ({"debounce_ms": 10_001}, "debounce_ms: Input should be less than or equal to 10000"),
    ],
)
async def test_out_of_range_settings_are_invalid(
    fake_bus: FakeBus, deps: Deps, payload: dict[str, object], message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        await fake_bus.request(ConfigurePort.model_construct(port_id=2, **payload))
    assert deps.board.configs[2].debounce_ms == 50


async def test_an_input_made_output_loses_supervision_and_starts_open(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(ConfigurePort(port_id=2, is_supervised=True))
    port = await fake_bus.request(ConfigurePort(port_id=2, direction=Direction.OUTPUT))
    assert (port.direction, port.is_supervised, port.circuit) == (
        Direction.OUTPUT,
        False,
        Circuit.OPEN,
    )
    port = await fake_bus.request(SetPort(port_id=2, is_active=True))
    assert port.circuit is Circuit.CLOSED


async def test_changing_any_setting_returns_every_output_to_normal(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(HoldPort(port_id=9, holder="rule:1"))
    assert (await fake_bus.request(GetPort(port_id=9))).is_active
    fake_bus.published.clear()
    await fake_bus.request(ConfigurePort(port_id=1, name="Door"))
    relay = await fake_bus.request(GetPort(port_id=9))
    assert (relay.is_active, relay.holders) == (False, [])
    changed = [e for e in fake_bus.published if isinstance(e, PortChanged)]
    assert [(e.port_id, e.is_active) for e in changed] == [(9, False), (1, False)]


async def test_a_new_normal_state_flips_what_active_means(fake_bus: FakeBus, deps: Deps) -> None:
    port = await fake_bus.request(ConfigurePort(port_id=1, normal_state=Circuit.CLOSED))
    assert (port.circuit, port.is_active) == (Circuit.OPEN, True)
    [event] = [e for e in fake_bus.published if isinstance(e, PortChanged)]
    assert event.is_active


async def test_a_configured_port_is_told_so_rules_that_use_it_are_checked_again(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(ConfigurePort(port_id=3, is_supervised=True))
    await fake_bus.request(ConfigurePort(port_id=3, direction=Direction.OUTPUT))
    assert [e for e in fake_bus.published if isinstance(e, PortConfigured)] == [
        PortConfigured(port_id=3, direction=Direction.INPUT, is_supervised=True),
        PortConfigured(port_id=3, direction=Direction.OUTPUT, is_supervised=False),
    ]


async def test_the_port_list_names_the_board(fake_bus: FakeBus, deps: Deps) -> None:
    listed = await fake_bus.request(ListPorts())
    assert (listed.board, [p.port_id for p in listed.ports]) == ("AXIS W401", list(range(1, 10)))
