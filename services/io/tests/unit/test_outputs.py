import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_io.handlers import Deps
from actkit_proto import Invalid, NotFound
from actkit_proto.base import Command
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    GetPort,
    HoldPort,
    ListPorts,
    Port,
    PortChanged,
    PulsePort,
    ReleasePort,
    SetPort,
)

from ..conftest import ManualTimers


async def test_board_lists_nine_ports_with_the_relay_last(fake_bus: FakeBus, deps: Deps) -> None:
    ports = (await fake_bus.request(ListPorts())).ports
    assert [p.port_id for p in ports] == list(range(1, 10))
    assert (ports[-1].name, ports[-1].is_configurable) == ("Relay", False)


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


async def test_an_output_with_closed_normal_state_opens_when_active(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(ConfigurePort(port_id=9, normal_state=Circuit.CLOSED))
    assert await deps.gpio.read(9) is Circuit.CLOSED
    port = await fake_bus.request(SetPort(port_id=9, is_active=True))
    assert (port.circuit, port.is_active) == (Circuit.OPEN, True)


async def test_a_pulse_makes_the_output_active_for_its_duration_then_normal(
    fake_bus: FakeBus, deps: Deps, timers: ManualTimers
) -> None:
    port = await fake_bus.request(PulsePort(port_id=9, duration_ms=200))
    assert port.is_active
    await timers.advance(199)
    assert (await fake_bus.request(GetPort(port_id=9))).is_active
    await timers.advance(1)
    assert not (await fake_bus.request(GetPort(port_id=9))).is_active
    assert [e.is_active for e in fake_bus.published if isinstance(e, PortChanged)] == [True, False]


async def test_a_new_pulse_replaces_the_running_one(
    fake_bus: FakeBus, deps: Deps, timers: ManualTimers
) -> None:
    await fake_bus.request(PulsePort(port_id=9, duration_ms=200))
    await timers.advance(150)
    await fake_bus.request(PulsePort(port_id=9, duration_ms=200))
    await timers.advance(100)
    assert (await fake_bus.request(GetPort(port_id=9))).is_active
    await timers.advance(100)
    assert not (await fake_bus.request(GetPort(port_id=9))).is_active


async def test_a_pulse_ending_while_a_holder_holds_leaves_the_output_active(
    fake_bus: FakeBus, deps: Deps, timers: ManualTimers
) -> None:
    await fake_bus.request(PulsePort(port_id=9, duration_ms=200))
    await fake_bus.request(HoldPort(port_id=9, holder="rule:7"))
    await timers.advance(200)
    assert (await fake_bus.request(GetPort(port_id=9))).is_active


async def test_a_settings_change_ends_a_pulse_and_its_timer_does_nothing_later(
    fake_bus: FakeBus, deps: Deps, timers: ManualTimers
) -> None:
    await fake_bus.request(PulsePort(port_id=9, duration_ms=200))
    await fake_bus.request(ConfigurePort(port_id=1, name="Door"))
    await fake_bus.request(SetPort(port_id=9, is_active=True))
    await timers.advance(200)
    assert (await fake_bus.request(GetPort(port_id=9))).is_active


# The ownership rule (see the service README), step by step on the relay:
# each row is a command and the output's state and holders after it.
OWNERSHIP = [
    (HoldPort(port_id=9, holder="rule:1"), True, ["rule:1"]),
    (HoldPort(port_id=9, holder="rule:2"), True, ["rule:1", "rule:2"]),
    (ReleasePort(port_id=9, holder="rule:1"), True, ["rule:2"]),
    (HoldPort(port_id=9, holder="rule:1"), True, ["rule:1", "rule:2"]),
    (HoldPort(port_id=9, holder="rule:1"), True, ["rule:1", "rule:2"]),
    (ReleasePort(port_id=9, holder="rule:2"), True, ["rule:1"]),
    (SetPort(port_id=9, is_active=False), True, ["rule:1"]),
    (ReleasePort(port_id=9, holder="rule:1"), False, []),
    (ReleasePort(port_id=9, holder="rule:1"), False, []),
    (HoldPort(port_id=9, holder="rule:3", is_active=False), False, ["rule:3"]),
    (SetPort(port_id=9, is_active=True), False, ["rule:3"]),
    (HoldPort(port_id=9, holder="rule:4"), True, ["rule:3", "rule:4"]),
    (ReleasePort(port_id=9, holder="rule:4"), False, ["rule:3"]),
    (ReleasePort(port_id=9, holder="rule:3"), True, []),
    (SetPort(port_id=9, is_active=False), False, []),
]


async def test_holders_share_an_output_by_the_ownership_rule(fake_bus: FakeBus, deps: Deps) -> None:
    for step, (command, is_active, holders) in enumerate(OWNERSHIP):
        port = await fake_bus.request(command)
        assert (port.is_active, port.holders) == (is_active, holders), f"row {step}: {command!r}"


@pytest.mark.parametrize(
    ("command", "error", "message"),
    [
        (SetPort(port_id=1, is_active=True), Invalid, "port 1 is an input; only outputs"),
        (PulsePort(port_id=2, duration_ms=10), Invalid, "port 2 is an input"),
        (HoldPort(port_id=3, holder="rule:1"), Invalid, "port 3 is an input"),
        (ReleasePort(port_id=4, holder="rule:1"), Invalid, "port 4 is an input"),
        (GetPort(port_id=12), NotFound, "there is no port 12"),
        (PulsePort(port_id=10, duration_ms=10), NotFound, "there is no port 10"),
        (
            PulsePort.model_construct(port_id=9, duration_ms=0),
            Invalid,
            "duration_ms: Input should be greater than 0",
        ),
        (
            PulsePort.model_construct(port_id=9, duration_ms=3_600_001),
            Invalid,
            "duration_ms: Input should be less than or equal to 3600000",
        ),
        (
            HoldPort.model_construct(port_id=9, holder="rule 1"),
            Invalid,
            "holder: String should match pattern",
        ),
        (
            HoldPort.model_construct(port_id=9, holder=""),
            Invalid,
            "holder: String should have at least 1 character",
        ),
        (GetPort.model_construct(port_id=0), Invalid, "port_id"),
    ],
)
async def test_bad_commands_are_refused_with_a_typed_error(
    fake_bus: FakeBus, deps: Deps, command: Command[Port], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        await fake_bus.request(command)
    assert fake_bus.published == []


async def test_a_pulse_of_exactly_one_hour_is_allowed(
    fake_bus: FakeBus, deps: Deps, timers: ManualTimers
) -> None:
    assert (await fake_bus.request(PulsePort(port_id=9, duration_ms=3_600_000))).is_active
    await timers.advance(3_600_000)
    assert not (await fake_bus.request(GetPort(port_id=9))).is_active
