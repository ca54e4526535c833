"""The events service on a real nats-server: rules over the bus, KV state across a restart."""

from pathlib import Path

import httpx

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.plugin import running
from actkit_events.main import serve
from actkit_events.settings import EventsSettings
from actkit_proto.errors import Unavailable
from actkit_proto.events import (
    CreateRule,
    HoldIoAction,
    InputCondition,
    QueryEventLog,
    RuleChanged,
    RuleSpec,
    TraceRule,
)
from actkit_proto.io import (
    Circuit,
    Direction,
    HoldPort,
    Port,
    PortChanged,
    PulsePort,
    ReleasePort,
)
from actkit_proto.service import GetServiceStatus


async def answering(bus: Bus) -> None:
    """Wait until events answers: right after start a request rarely finds no responder."""
    await eventually(
        lambda: bus.request(GetServiceStatus(service="events")), ignoring=(Unavailable,)
    )


def settings(nats_server: str, tmp_path: Path) -> EventsSettings:
    return EventsSettings(nats_url=nats_server, data_dir=tmp_path, metrics_port=0)


async def test_an_input_edge_holds_the_output_and_a_restart_holds_it_again(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    commands: list[object] = []

    async def answer(command: HoldPort | ReleasePort | PulsePort, _deps: None) -> Port:
        commands.append(command)
        return Port(
            port_id=command.port_id,
            name="Lamp",
            direction=Direction.OUTPUT,
            normal_state=Circuit.OPEN,
            is_configurable=True,
            is_active=isinstance(command, HoldPort),
            circuit=Circuit.CLOSED if isinstance(command, HoldPort) else Circuit.OPEN,
        )

    async def holds() -> list[object]:
        return [c for c in commands if isinstance(c, HoldPort)]

    async with Bus.connect("io", servers=[nats_server]) as io_stand_in:
        # Stands in for io's output commands only; the cross-service tests use the real io.
        await io_stand_in.serve(
            {HoldPort: answer, ReleasePort: answer, PulsePort: answer}, None, version="0.0.0"
        )
        async with running(serve, settings(nats_server, tmp_path)):
            await answering(bus)
            rule = await bus.request(
                CreateRule(
                    rule=RuleSpec(
                        name="Window sensor",
                        use_first_as_trigger=True,
                        conditions=[InputCondition(port_id=1)],
                        action=HoldIoAction(port_id=2),
                    )
                )
            )
            await bus.publish(
                PortChanged(
                    port_id=1,
                    direction=Direction.INPUT,
                    is_active=True,
                    circuit=Circuit.OPEN,
                    edge_ns=1,
                )
            )
            assert await eventually(holds)
            [kept] = await eventually(lambda: bus.current(RuleChanged, rule_id=str(rule.rule_id)))
            assert kept.is_active
            status = await bus.request(GetServiceStatus(service="events"))
            async with httpx.AsyncClient() as http:
                url = f"http://127.0.0.1:{status.metrics_port}/metrics"
                text = (await http.get(url)).text
            assert "actkit_events_rule_activations_total" in text
        commands.clear()
        async with running(serve, settings(nats_server, tmp_path)):
            [again] = await eventually(holds)
            assert again == HoldPort(port_id=2, holder=f"rule:{rule.rule_id}")
            trace = await bus.request(TraceRule(rule_id=rule.rule_id))
            assert trace.is_active and trace.conditions[0].value == "on"
            log = await bus.request(QueryEventLog(rule_id=rule.rule_id))
            assert "resumed after restart" in log.entries[-2].text
