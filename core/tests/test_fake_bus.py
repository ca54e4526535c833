"""FakeBus routes commands and events as the real bus does, without sockets."""

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Ack, Conflict, Unavailable
from actkit_proto.io import (
    ButtonPressed,
    Circuit,
    GetPort,
    IgnitionChanged,
    Port,
    PortChanged,
    SwitchIgnition,
)
from actkit_proto.service import GetServiceStatus


def _changed(port_id: int, is_active: bool) -> PortChanged:
    circuit = Circuit.CLOSED if is_active else Circuit.OPEN
    return PortChanged(
        port_id=port_id, direction="input", is_active=is_active, circuit=circuit, edge_ns=1
    )


def _port(command: GetPort) -> Port:
    return Port(
        port_id=command.port_id,
        name="Door",
        direction="input",
        normal_state="open",
        is_configurable=True,
        is_active=False,
        circuit="open",
    )


async def test_published_events_are_recorded_and_stateful_ones_kept() -> None:
    bus = FakeBus()
    await bus.publish(_changed(1, True))
    await bus.publish(ButtonPressed())
    await bus.publish(_changed(1, False))
    await bus.publish(_changed(2, True))
    assert bus.published == [
        _changed(1, True),
        ButtonPressed(),
        _changed(1, False),
        _changed(2, True),
    ]
    assert await bus.current(PortChanged) == [_changed(1, False), _changed(2, True)]
    assert await bus.current(PortChanged, port_id="2") == [_changed(2, True)]
    assert await bus.current(IgnitionChanged) == []


async def test_an_answer_stands_in_for_another_service() -> None:
    bus = FakeBus()

    async def refuse(command: SwitchIgnition) -> Ack:
        raise Conflict(f"ignition is {'on' if command.is_on else 'off'} already")

    bus.answer(SwitchIgnition, refuse)
    with pytest.raises(Conflict, match="ignition is on already"):
        await bus.request(SwitchIgnition(is_on=True))
    assert bus.sent == [SwitchIgnition(is_on=True)]


async def test_served_handlers_answer_commands_and_receive_events() -> None:
    bus = FakeBus("io")
    seen: list[str] = []

    async def get_port(command: GetPort, deps: list[str]) -> Port:
        deps.append(f"get {command.port_id}")
        return _port(command)

    async def on_ignition(event: IgnitionChanged, deps: list[str]) -> None:
        deps.append(f"ignition {event.is_on}")

    dispatcher = await bus.serve(
        {GetPort: get_port, IgnitionChanged: on_ignition}, seen, adapter="sim"
    )
    assert await bus.request(GetPort(port_id=4)) == _port(GetPort(port_id=4))
    await bus.publish(IgnitionChanged(is_on=True))
    await bus.publish(ButtonPressed())  # nobody listens: only recorded
    assert seen == ["get 4", "ignition True"]
    status = await bus.request(GetServiceStatus(service="io"))
    assert (status.adapter, status.handled, status.failed) == ("sim", 2, 0)
    assert dispatcher.handled == 3
    with pytest.raises(
        Unavailable, match=r"nobody answers sim\.io\.ignition\.switch: is io running"
    ):
        await bus.request(SwitchIgnition(is_on=True))
