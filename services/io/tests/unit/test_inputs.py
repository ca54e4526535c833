import asyncio

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_io.handlers import Deps
from actkit_io.handlers.deps import monotonic_ns
from actkit_io.handlers.port import report_edge
from actkit_io.ports import Edge
from actkit_proto import Invalid
from actkit_proto.base import Event
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    Direction,
    DriveInput,
    GetPort,
    IgnitionChanged,
    PortChanged,
    PortTampered,
    SwitchIgnition,
)


async def _drive(fake_bus: FakeBus, port_id: int, circuit: Circuit) -> list[Event]:
    """Drive a simulated input and return what the service published for it."""
    fake_bus.published.clear()
    await fake_bus.request(DriveInput(port_id=port_id, circuit=circuit))
    await _settle()
    return list(fake_bus.published)


async def _settle() -> None:
    # The input watcher runs as its own task; give it turns of the loop, not wall time.
    for _ in range(10):
        await asyncio.sleep(0)


async def test_an_unconnected_input_reads_open_and_inactive(fake_bus: FakeBus, deps: Deps) -> None:
    port = await fake_bus.request(GetPort(port_id=1))
    assert (port.circuit, port.is_active, port.is_tampered) == (Circuit.OPEN, False, False)


async def test_closing_an_input_publishes_it_active(fake_bus: FakeBus, deps: Deps) -> None:
    [event] = await _drive(fake_bus, 1, Circuit.CLOSED)
    assert isinstance(event, PortChanged)
    assert (event.port_id, event.is_active, event.circuit) == (1, True, Circuit.CLOSED)
    assert (await fake_bus.current(PortChanged, port_id="1")) == [event]


@pytest.mark.parametrize("fault", [Circuit.CUT, Circuit.SHORT])
async def test_a_cut_or_short_supervised_input_raises_tamper_and_clears_it(
    fake_bus: FakeBus, deps: Deps, fault: Circuit
) -> None:
    await fake_bus.request(ConfigurePort(port_id=3, is_supervised=True))
    raised = await _drive(fake_bus, 3, fault)
    assert [type(e) for e in raised] == [PortChanged, PortTampered]
    changed, tampered = raised
    assert isinstance(changed, PortChanged) and isinstance(tampered, PortTampered)
    assert (changed.circuit, changed.is_active) == (fault, False)
    assert (tampered.is_tampered, tampered.circuit) == (True, fault)
    assert (await fake_bus.request(GetPort(port_id=3))).is_tampered
    cleared = await _drive(fake_bus, 3, Circuit.OPEN)
    assert [(type(e), getattr(e, "is_tampered", None)) for e in cleared] == [
        (PortChanged, None),
        (PortTampered, False),
    ]


async def test_a_supervised_input_going_from_cut_to_short_stays_tampered(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(ConfigurePort(port_id=3, is_supervised=True))
    await _drive(fake_bus, 3, Circuit.CUT)
    events = await _drive(fake_bus, 3, Circuit.SHORT)
    tampered = [e for e in events if isinstance(e, PortTampered)]
    assert [(e.is_tampered, e.circuit) for e in tampered] == [(True, Circuit.SHORT)]


async def test_without_supervision_a_cut_reads_open_and_a_short_closed(
    fake_bus: FakeBus, deps: Deps
) -> None:
    assert await _drive(fake_bus, 3, Circuit.CUT) == []
    [event] = await _drive(fake_bus, 3, Circuit.SHORT)
    assert isinstance(event, PortChanged)
    assert (event.circuit, event.is_active) == (Circuit.CLOSED, True)


async def test_turning_supervision_on_over_a_cut_loop_reports_the_tamper(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await _drive(fake_bus, 3, Circuit.CUT)
    port = await fake_bus.request(ConfigurePort(port_id=3, is_supervised=True))
    assert (port.circuit, port.is_tampered) == (Circuit.CUT, True)
    assert any(isinstance(e, PortTampered) and e.is_tampered for e in fake_bus.published)


async def test_an_edge_queued_before_a_port_became_an_output_is_ignored(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(ConfigurePort(port_id=2, direction=Direction.OUTPUT))
    fake_bus.published.clear()
    await report_edge(Edge(2, Circuit.CLOSED, monotonic_ns(deps.timers)), deps)
    assert fake_bus.published == []
    assert (await fake_bus.request(GetPort(port_id=2))).circuit is Circuit.OPEN


async def test_an_output_cannot_be_driven_like_an_input(fake_bus: FakeBus, deps: Deps) -> None:
    with pytest.raises(Invalid, match="port 9 is an output; only inputs can be driven"):
        await fake_bus.request(DriveInput(port_id=9, circuit=Circuit.CLOSED))


async def test_the_ignition_switching_on_is_published_and_kept(
    fake_bus: FakeBus, deps: Deps
) -> None:
    assert await fake_bus.current(IgnitionChanged) == [IgnitionChanged(is_on=False)]
    fake_bus.published.clear()
    await fake_bus.request(SwitchIgnition(is_on=True))
    await _settle()
    assert fake_bus.published == [IgnitionChanged(is_on=True)]
    assert await fake_bus.current(IgnitionChanged) == [IgnitionChanged(is_on=True)]
