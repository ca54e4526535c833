"""Holds that io loses when it restarts are taken again, and only then."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto.events import CreateRule
from actkit_proto.io import Circuit, Direction, HoldPort, Port, PortChanged
from actkit_proto.service import GetServiceStatus, ServiceStatus

from ..conftest import StartEvents
from .examples import outputs, port, window_sensor

LAMP_OFF = PortChanged(
    port_id=2, direction=Direction.OUTPUT, is_active=False, circuit=Circuit.OPEN, edge_ns=2
)
FIRST_START = datetime(2026, 1, 1, tzinfo=UTC)
SECOND_START = datetime(2026, 1, 2, tzinfo=UTC)


def io_starts(fake_bus: FakeBus) -> list[datetime]:
    """io's start times, the last one its current: io's status answers with it."""
    starts = [FIRST_START]

    async def status(_command: GetServiceStatus) -> ServiceStatus:
        return ServiceStatus(
            service="io", version="1", started_at=starts[-1], metrics_port=0, handled=0, failed=0
        )

    fake_bus.answer(GetServiceStatus, status)
    return starts


def holds(fake_bus: FakeBus) -> list[HoldPort]:
    return [c for c in outputs(fake_bus) if isinstance(c, HoldPort)]


async def test_outputs_are_held_again_only_when_io_has_restarted(
    deps: Deps, fake_bus: FakeBus
) -> None:
    starts = io_starts(fake_bus)
    deps.io_started_at[0] = FIRST_START
    rule = await fake_bus.request(CreateRule(rule=window_sensor()))
    await fake_bus.publish(port(1, True))
    await fake_bus.publish(LAMP_OFF)  # e.g. io reconfigured the port: io's call
    await asyncio.gather(*deps.tasks)
    assert len(holds(fake_bus)) == 1
    starts.append(SECOND_START)
    await fake_bus.publish(LAMP_OFF)  # io started again and lost its holds
    await asyncio.gather(*deps.tasks)
    assert holds(fake_bus) == [HoldPort(port_id=2, holder=f"rule:{rule.rule_id}")] * 2


async def test_an_io_that_restarts_just_after_taking_a_hold_is_not_taken_for_the_holder(
    deps: Deps, fake_bus: FakeBus
) -> None:
    starts = io_starts(fake_bus)

    async def hold_then_restart(command: HoldPort) -> Port:
        starts.append(SECOND_START)  # the hold is lost with the old io
        return Port(
            port_id=command.port_id,
            name="Lamp",
            direction=Direction.OUTPUT,
            normal_state=Circuit.OPEN,
            is_configurable=True,
            is_active=True,
            circuit=Circuit.CLOSED,
        )

    fake_bus.answer(HoldPort, hold_then_restart)
    await fake_bus.request(CreateRule(rule=window_sensor()))
    await fake_bus.publish(port(1, True))
    await fake_bus.publish(LAMP_OFF)  # the new io starts with the lamp off
    await asyncio.gather(*deps.tasks)
    assert len(holds(fake_bus)) == 2


async def test_an_input_that_changed_while_events_subscribed_is_caught_up(
    start_events: StartEvents, io_answers: FakeBus
) -> None:
    async with start_events():
        rule = await io_answers.request(CreateRule(rule=window_sensor()))
    io_answers.sent.clear()

    async def window_opens() -> None:  # after the kept values were read, before subscribing
        await io_answers.publish(port(1, True))

    async with start_events(before_serving=window_opens) as deps:
        assert deps.engine.rules[rule.rule_id].is_active
        assert holds(io_answers) == [HoldPort(port_id=2, holder=f"rule:{rule.rule_id}")]


async def test_a_change_handled_while_the_bucket_is_read_again_is_not_undone(
    start_events: StartEvents, io_answers: FakeBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with start_events():
        rule = await io_answers.request(CreateRule(rule=window_sensor()))
    io_answers.sent.clear()
    read = io_answers.current

    async def window_opens() -> None:
        await io_answers.publish(port(1, True))

        async def closes_while_read(kind: Any, **ids: str) -> Any:
            kept = await read(kind, **ids)
            if kind is PortChanged:
                monkeypatch.setattr(io_answers, "current", read)
                await io_answers.publish(port(1, False))  # handled: newer than what was read
            return kept

        monkeypatch.setattr(io_answers, "current", closes_while_read)

    async with start_events(before_serving=window_opens) as deps:
        assert not deps.engine.rules[rule.rule_id].is_active
        assert holds(io_answers) == []
