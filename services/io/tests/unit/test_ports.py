import asyncio

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_io.handlers import Deps
from actkit_proto import Invalid, NotFound
from actkit_proto.io import Circuit, Direction, DriveInput, GetPort, ListPorts, PortChanged, SetPort


async def test_board_lists_nine_ports_with_the_relay_last(fake_bus: FakeBus, deps: Deps) -> None:
    ports = (await fake_bus.request(ListPorts())).ports
    assert [p.port_id for p in ports] == list(range(1, 10))
    assert ports[-1].direction is Direction.OUTPUT
    assert not ports[-1].is_configurable


async def test_setting_the_relay_active_closes_it_and_publishes_the_change(
    fake_bus: FakeBus, deps: Deps
) -> None:
    port = await fake_bus.request(SetPort(port_id=9, is_active=True))
    assert port.is_active
    assert await deps.gpio.read(9) is Circuit.CLOSED
    [event] = fake_bus.published
    assert isinstance(event, PortChanged)
    assert (event.port_id, event.is_active, event.circuit) == (9, True, Circuit.CLOSED)


async def test_setting_an_output_to_its_current_state_publishes_nothing(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(SetPort(port_id=9, is_active=False))
    assert fake_bus.published == []


async def test_an_input_cannot_be_set(fake_bus: FakeBus, deps: Deps) -> None:
    with pytest.raises(Invalid, match="port 1 is an input"):
        await fake_bus.request(SetPort(port_id=1, is_active=True))


async def test_an_unknown_port_is_not_found(fake_bus: FakeBus, deps: Deps) -> None:
    with pytest.raises(NotFound, match="there is no port 12"):
        await fake_bus.request(GetPort(port_id=12))


async def test_a_port_number_out_of_range_is_invalid(fake_bus: FakeBus, deps: Deps) -> None:
    with pytest.raises(Invalid, match="port_id"):
        await fake_bus.request(GetPort.model_construct(port_id=0))


async def test_driving_a_simulated_input_publishes_it_active(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
    await _until(lambda: bool(fake_bus.published))
    [event] = fake_bus.published
    assert isinstance(event, PortChanged)
    assert (event.port_id, event.is_active) == (1, True)
    assert (await fake_bus.request(GetPort(port_id=1))).is_active


async def _until(predicate: object) -> None:
    # The input watcher runs as its own task; give it turns of the loop, not wall time.
    for _ in range(100):
        if callable(predicate) and predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")
