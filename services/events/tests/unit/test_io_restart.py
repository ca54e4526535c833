"""Holds that io loses when it restarts are taken again, and only then."""

import asyncio
from datetime import UTC, datetime

from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto.events import CreateRule
from actkit_proto.io import Circuit, Direction, HoldPort, Port, PortChanged
from actkit_proto.service import GetServiceStatus, ServiceStatus

from .examples import outputs, port, window_sensor


async def test_outputs_are_held_again_only_when_io_has_restarted(
    deps: Deps, fake_bus: FakeBus
) -> None:
    starts = [datetime(2026, 1, 1, tzinfo=UTC)]

    async def status(_command: GetServiceStatus) -> ServiceStatus:
        return ServiceStatus(
            service="io", version="1", started_at=starts[-1], metrics_port=0, handled=0, failed=0
        )

    fake_bus.answer(GetServiceStatus, status)
    deps.io_started_at[0] = starts[0]
    rule = await fake_bus.request(CreateRule(rule=window_sensor()))
    await fake_bus.publish(port(1, True))
    lamp_off = PortChanged(
        port_id=2, direction=Direction.OUTPUT, is_active=False, circuit=Circuit.OPEN, edge_ns=2
    )
    await fake_bus.publish(lamp_off)  # e.g. io reconfigured the port: io's call
    await asyncio.gather(*deps.tasks)
    holds = [c for c in outputs(fake_bus) if isinstance(c, HoldPort)]
    assert len(holds) == 1
    starts.append(datetime(2026, 1, 2, tzinfo=UTC))
    await fake_bus.publish(lamp_off)  # io started again and lost its holds
    await asyncio.gather(*deps.tasks)
    holds = [c for c in outputs(fake_bus) if isinstance(c, HoldPort)]
    assert holds == [HoldPort(port_id=2, holder=f"rule:{rule.rule_id}")] * 2


async def test_an_io_that_restarts_just_after_taking_a_hold_is_not_taken_for_the_holder(
    deps: Deps, fake_bus: FakeBus
) -> None:
    starts = [datetime(2026, 1, 1, tzinfo=UTC)]

    async def status(_command: GetServiceStatus) -> ServiceStatus:
        return ServiceStatus(
            service="io", version="1", started_at=starts[-1], metrics_port=0, handled=0, failed=0
        )

    async def hold_then_restart(command: HoldPort) -> Port:
        starts.append(datetime(2026, 1, 2, tzinfo=UTC))  # the hold is lost with the old io
        return Port(
            port_id=command.port_id,
            name="Lamp",
            direction=Direction.OUTPUT,
            normal_state=Circuit.OPEN,
            is_configurable=True,
            is_active=True,
            circuit=Circuit.CLOSED,
        )

    fake_bus.answer(GetServiceStatus, status)
    fake_bus.answer(HoldPort, hold_then_restart)
    await fake_bus.request(CreateRule(rule=window_sensor()))
    await fake_bus.publish(port(1, True))
    lamp_off = PortChanged(
        port_id=2, direction=Direction.OUTPUT, is_active=False, circuit=Circuit.OPEN, edge_ns=2
    )
    await fake_bus.publish(lamp_off)  # the new io starts with the lamp off
    await asyncio.gather(*deps.tasks)
    assert len([c for c in outputs(fake_bus) if isinstance(c, HoldPort)]) == 2
