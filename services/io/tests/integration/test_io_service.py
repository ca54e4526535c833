from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.plugin import running
from actkit_io.main import serve
from actkit_io.settings import IoSettings
from actkit_proto import Invalid, NotFound, Unavailable
from actkit_proto.base import Command, Event
from actkit_proto.errors import BusError
from actkit_proto.io import (
    ButtonPressed,
    Circuit,
    ConfigurePort,
    Direction,
    DriveInput,
    IgnitionChanged,
    LedColour,
    Port,
    PortChanged,
    PortTampered,
    PressButton,
    PulsePort,
    ReadSimLed,
    ReadSimLine,
    SetLed,
    SetPort,
    SwitchIgnition,
)
from actkit_proto.service import GetServiceStatus

E = TypeVar("E", bound=Event)


@asynccontextmanager
async def serving(bus: Bus, nats_server: str, tmp_path: Path) -> AsyncIterator[None]:
    """The io service in this task, once requests reach it.

    Right after ``serve`` returns, a request still gets "no responders" now and then (seen for up
    to ~8 ms on a loaded machine), so wait until the service answers.
    """
    settings = IoSettings(nats_url=nats_server, data_dir=tmp_path, metrics_port=0)
    async with running(serve, settings):
        await eventually(
            lambda: bus.request(GetServiceStatus(service="io"), timeout_s=0.5),
            timeout_s=5,
            ignoring=(Unavailable,),
        )
        yield


async def _watch(bus: Bus, event_type: type[E], **ids: str) -> list[E]:
    seen: list[E] = []

    async def collect(event: E) -> None:
        seen.append(event)

    await bus.subscribe(event_type, collect, **ids)
    await bus.client.flush()
    return seen


async def _kept(bus: Bus, event_type: type[E], port_id: str, wanted: Callable[[E], bool]) -> E:
    """The kept current state once it is as ``wanted``: it is written just after the event."""

    async def read() -> E | None:
        kept = await bus.current(event_type, port_id=port_id)
        return kept[0] if kept and wanted(kept[0]) else None

    return await eventually(read, timeout_s=5)


async def test_driven_input_is_published_active_and_kept_as_current_state(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    seen = await _watch(bus, PortChanged, port_id="1")
    async with serving(bus, nats_server, tmp_path):
        await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
        await _kept(bus, PortChanged, "1", lambda kept: kept.is_active)
        await eventually(lambda: len(seen) == 2, timeout_s=5)
        assert [e.is_active for e in seen] == [False, True]  # announced at start, then driven


async def test_an_output_set_active_drives_the_simulated_line_high(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    async with serving(bus, nats_server, tmp_path):
        await bus.request(ConfigurePort(port_id=2, direction=Direction.OUTPUT))
        assert not (await bus.request(ReadSimLine(port_id=2))).is_high
        port = await bus.request(SetPort(port_id=2, is_active=True))
        assert (port.is_active, port.circuit) == (True, Circuit.CLOSED)
        assert (await bus.request(ReadSimLine(port_id=2))).is_high


async def test_a_pulse_on_the_relay_is_active_then_back_to_normal(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    async with serving(bus, nats_server, tmp_path):
        seen = await _watch(bus, PortChanged, port_id="9")
        port = await bus.request(PulsePort(port_id=9, duration_ms=200))
        assert port.is_active
        await eventually(lambda: len(seen) == 2, timeout_s=5)
        assert [(e.is_active, e.circuit) for e in seen] == [
            (True, Circuit.CLOSED),
            (False, Circuit.OPEN),
        ]
        gap_ms = (seen[1].edge_ns - seen[0].edge_ns) / 1e6
        assert gap_ms >= 200
        assert (await bus.request(ReadSimLine(port_id=9))).writes == [
            Circuit.OPEN,
            Circuit.CLOSED,
            Circuit.OPEN,
        ]


@pytest.mark.parametrize("fault", [Circuit.CUT, Circuit.SHORT])
async def test_cut_and_short_raise_the_tamper_event_and_clear_it(
    bus: Bus, nats_server: str, tmp_path: Path, fault: Circuit
) -> None:
    async with serving(bus, nats_server, tmp_path):
        await bus.request(ConfigurePort(port_id=3, is_supervised=True))
        seen = await _watch(bus, PortTampered, port_id="3")
        await bus.request(DriveInput(port_id=3, circuit=fault))
        await eventually(lambda: len(seen) == 1, timeout_s=5)
        current = await _kept(bus, PortTampered, "3", lambda kept: kept.is_tampered)
        assert current.circuit == fault
        await bus.request(DriveInput(port_id=3, circuit=Circuit.OPEN))
        await eventually(lambda: len(seen) == 2, timeout_s=5)
        assert [(e.is_tampered, e.circuit) for e in seen] == [(True, fault), (False, Circuit.OPEN)]
        await _kept(bus, PortTampered, "3", lambda kept: not kept.is_tampered)


BAD_COMMANDS: list[tuple[Command[Port], type[BusError], str]] = [
    (SetPort(port_id=33, is_active=True), NotFound, "there is no port 33"),
    (SetPort(port_id=1, is_active=True), Invalid, "port 1 is an input; only outputs"),
    (PulsePort.model_construct(port_id=9, duration_ms=0), Invalid, "duration_ms: Input should be"),
    (
        PulsePort.model_construct(port_id=9, duration_ms=3_600_001),
        Invalid,
        "duration_ms: Input should be less than or equal to 3600000",
    ),
    (ConfigurePort(port_id=2, name=""), Invalid, "the name must be 1-64 printable characters"),
    (
        ConfigurePort(port_id=9, direction=Direction.INPUT),
        Invalid,
        "port 9 is a relay output; its direction cannot change",
    ),
]


@pytest.mark.parametrize(("command", "error", "message"), BAD_COMMANDS)
async def test_bad_commands_come_back_as_typed_errors(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    command: Command[Port],
    error: type[BusError],
    message: str,
) -> None:
    async with serving(bus, nats_server, tmp_path):
        with pytest.raises(error, match=message) as raised:
            await bus.request(command)
        assert raised.value.code.value.startswith("4")


async def test_button_ignition_and_led_over_the_bus(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    async with serving(bus, nats_server, tmp_path):
        presses = await _watch(bus, ButtonPressed)
        await bus.request(PressButton())
        await bus.request(PressButton(is_pressed=False))
        await eventually(lambda: presses == [ButtonPressed()], timeout_s=5)
        await bus.request(SwitchIgnition(is_on=True))
        await eventually(
            lambda: _async_eq(bus.current(IgnitionChanged), [IgnitionChanged(is_on=True)]),
            timeout_s=5,
        )
        await bus.request(SetLed(colour=LedColour.RED))
        assert (await bus.request(ReadSimLed())).colour is LedColour.RED


async def test_metrics_count_edges_output_changes_and_edge_latency(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    async with serving(bus, nats_server, tmp_path):
        status = await bus.request(GetServiceStatus(service="io"))
        await bus.request(SetPort(port_id=9, is_active=True))
        await bus.request(DriveInput(port_id=5, circuit=Circuit.CLOSED))
        await eventually(lambda: bus.current(PortChanged, port_id="5"), timeout_s=5)
        async with httpx.AsyncClient() as http:
            url = f"http://127.0.0.1:{status.metrics_port}/metrics"
            text = await eventually(lambda: _metrics_with(http, url, 'port="5"'), timeout_s=5)
    assert 'actkit_bus_messages_total{outcome="ok",service="io",subject="io.port.*.set"}' in text
    assert 'actkit_io_output_changes_total{port="9"}' in text
    assert 'actkit_io_edges_total{port="5"}' in text
    assert "actkit_io_edge_to_event_seconds_count" in text


async def _metrics_with(http: httpx.AsyncClient, url: str, needle: str) -> str:
    text = (await http.get(url)).text
    return text if needle in text else ""


async def _async_eq(read: Awaitable[object], expected: object) -> bool:
    return await read == expected
