"""The manual's worked examples across services: the real io (sim) and events on nats-server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.plugin import running
from actkit_events.main import serve as serve_events
from actkit_events.settings import EventsSettings
from actkit_io.main import serve as serve_io
from actkit_io.settings import IoSettings
from actkit_proto.errors import Unavailable
from actkit_proto.events import (
    ButtonCondition,
    CreateRecipient,
    CreateRule,
    EmailRecipient,
    HoldIoAction,
    IgnitionCondition,
    InputCondition,
    NotifyAction,
    PulseIoAction,
    RuleSpec,
    TamperCondition,
    TraceRule,
)
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    Direction,
    DriveInput,
    GetPort,
    PortChanged,
    PressButton,
    SwitchIgnition,
)
from actkit_proto.service import GetServiceStatus

pytestmark = pytest.mark.timeout(60)


@contextlib.asynccontextmanager
async def io_service(nats_server: str, tmp_path: Path, bus: Bus) -> AsyncIterator[None]:
    async with running(
        serve_io, IoSettings(nats_url=nats_server, data_dir=tmp_path / "io", metrics_port=0)
    ):
        await answering(bus, "io")
        yield


@contextlib.asynccontextmanager
async def events_service(nats_server: str, tmp_path: Path, bus: Bus) -> AsyncIterator[None]:
    settings = EventsSettings(nats_url=nats_server, data_dir=tmp_path / "events", metrics_port=0)
    async with running(serve_events, settings):
        await answering(bus, "events")
        yield


async def answering(bus: Bus, service: str) -> None:
    """Wait until ``service`` answers: right after start a request rarely finds no responder."""

    await eventually(
        lambda: bus.request(GetServiceStatus(service=service)),
        timeout_s=15,
        ignoring=(Unavailable,),
    )


async def is_active(bus: Bus, port_id: int) -> bool:
    return (await bus.request(GetPort(port_id=port_id))).is_active


async def is_inactive(bus: Bus, port_id: int) -> bool:
    return not await is_active(bus, port_id)


async def wire_window_and_lamp(bus: Bus) -> None:
    """The manual: port 1 "Window sensor", input, normally closed; port 2 "Lamp", output."""
    await bus.request(
        ConfigurePort(
            port_id=1, name="Window sensor", direction=Direction.INPUT, normal_state=Circuit.CLOSED
        )
    )
    await bus.request(
        ConfigurePort(port_id=2, name="Lamp", direction=Direction.OUTPUT, normal_state=Circuit.OPEN)
    )
    await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))  # the window is shut


def window_sensor() -> RuleSpec:
    return RuleSpec(
        name="Window sensor",
        use_first_as_trigger=True,
        conditions=[InputCondition(port_id=1)],
        action=HoldIoAction(port_id=2),
    )


async def test_window_sensor_lamp(bus: Bus, nats_server: str, tmp_path: Path) -> None:
    async with io_service(nats_server, tmp_path, bus), events_service(nats_server, tmp_path, bus):
        await wire_window_and_lamp(bus)
        await bus.request(CreateRule(rule=window_sensor()))
        await bus.request(DriveInput(port_id=1, circuit=Circuit.OPEN))  # the window opens
        assert await eventually(lambda: is_active(bus, 2), timeout_s=15)
        await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
        assert await eventually(lambda: is_inactive(bus, 2), timeout_s=15)


async def test_button_opens_the_lock_for_the_pulse_duration(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    async with io_service(nats_server, tmp_path, bus), events_service(nats_server, tmp_path, bus):
        await bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="Open lock",
                    use_first_as_trigger=True,
                    conditions=[InputCondition(port_id=1)],
                    # The manual's 10 s, shortened so the test does not wait 10 s.
                    action=PulseIoAction(port_id=9, duration_ms=300),
                )
            )
        )
        await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
        assert await eventually(lambda: is_active(bus, 9), timeout_s=15)
        assert await eventually(lambda: is_inactive(bus, 9), timeout_s=15)


class _Mailbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


async def test_tamper_sends_an_email(bus: Bus, nats_server: str, tmp_path: Path) -> None:
    mailbox = _Mailbox()
    smtp = await asyncio.get_running_loop().create_server(lambda: SMTP(mailbox), "127.0.0.1", 0)
    port = smtp.sockets[0].getsockname()[1]
    async with (
        smtp,
        io_service(nats_server, tmp_path, bus),
        events_service(nats_server, tmp_path, bus),
    ):
        recipient = await bus.request(
            CreateRecipient(
                recipient=EmailRecipient(
                    name="Ops",
                    to=["ops@example.com"],
                    sender="kit@example.com",
                    host="127.0.0.1",
                    port=port,
                )
            )
        )
        # Supervision first: a tamper rule on an unsupervised input is refused.
        await bus.request(ConfigurePort(port_id=3, is_supervised=True))
        await bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="Tamper",
                    conditions=[TamperCondition(port_id=3)],
                    action=NotifyAction(
                        recipient_id=recipient.recipient_id, subject="{rule_name} on port 3"
                    ),
                )
            )
        )
        await bus.request(DriveInput(port_id=3, circuit=Circuit.CUT))

        async def delivered() -> list[Envelope]:
            return mailbox.envelopes

        [envelope] = await eventually(delivered, timeout_s=15)
    assert isinstance(envelope.content, bytes)
    assert "Subject: Tamper on port 3" in envelope.content.decode()


async def test_a_restart_of_events_while_the_window_is_open_holds_the_lamp_again(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    async with io_service(nats_server, tmp_path, bus):
        await wire_window_and_lamp(bus)
        async with events_service(nats_server, tmp_path, bus):
            await bus.request(CreateRule(rule=window_sensor()))
            await bus.request(DriveInput(port_id=1, circuit=Circuit.OPEN))
            assert await eventually(lambda: is_active(bus, 2), timeout_s=15)
        async with events_service(nats_server, tmp_path, bus):
            [current] = await bus.current(PortChanged, port_id="1")
            assert current.is_active
            assert await is_active(bus, 2)
            # Only a restarted events service that knows the rule is active releases the lamp.
            await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
            assert await eventually(lambda: is_inactive(bus, 2), timeout_s=15)


async def test_control_button_pulses_the_relay_only_while_the_ignition_is_on(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    async with io_service(nats_server, tmp_path, bus), events_service(nats_server, tmp_path, bus):
        rule = await bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="Button with ignition",
                    conditions=[ButtonCondition(), IgnitionCondition()],
                    action=PulseIoAction(port_id=9, duration_ms=200),
                )
            )
        )
        await bus.request(PressButton())
        await bus.request(PressButton(is_pressed=False))

        async def refused() -> bool:
            trace = await bus.request(TraceRule(rule_id=rule.rule_id))
            return "the ignition is on does not hold" in trace.reason

        assert await eventually(refused, timeout_s=15)
        assert await is_inactive(bus, 9)
        await bus.request(SwitchIgnition(is_on=True))

        async def ignition_seen() -> bool:
            trace = await bus.request(TraceRule(rule_id=rule.rule_id))
            return trace.conditions[1].holds

        assert await eventually(ignition_seen, timeout_s=15)
        await bus.request(PressButton())
        await bus.request(PressButton(is_pressed=False))
        assert await eventually(lambda: is_active(bus, 9), timeout_s=15)


async def test_a_restart_of_io_while_the_window_is_open_gets_the_lamp_held_again(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    async with events_service(nats_server, tmp_path, bus):
        async with io_service(nats_server, tmp_path, bus):
            await wire_window_and_lamp(bus)
            await bus.request(CreateRule(rule=window_sensor()))
            await bus.request(DriveInput(port_id=1, circuit=Circuit.OPEN))
            assert await eventually(lambda: is_active(bus, 2), timeout_s=15)
        async with io_service(nats_server, tmp_path, bus):
            # io keeps holds in memory: it starts with the lamp off, then events holds it again.
            await bus.request(DriveInput(port_id=1, circuit=Circuit.OPEN))
            assert await eventually(lambda: is_active(bus, 2), timeout_s=15)
            await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
            assert await eventually(lambda: is_inactive(bus, 2), timeout_s=15)
