"""The events service in the stack as `make run` starts it, under its own NATS user."""

from __future__ import annotations

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.stack import Stack
from actkit_proto.events import (
    CreateRule,
    InputCondition,
    LogEntry,
    LogKind,
    PulseIoAction,
    QueryEventLog,
    RuleChanged,
    RuleSpec,
    TraceRule,
)
from actkit_proto.io import Circuit, DriveInput

pytestmark = pytest.mark.timeout(120)


async def test_a_driven_input_activates_a_rule_and_its_action_outcome_is_logged(
    stack: Stack,
) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        rule = await bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="Open lock",
                    conditions=[InputCondition(port_id=1)],
                    action=PulseIoAction(port_id=9, duration_ms=200),
                )
            )
        )
        await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))

        async def active() -> bool:
            kept = await bus.current(RuleChanged, rule_id=str(rule.rule_id))
            return bool(kept) and kept[0].is_active

        await eventually(active, timeout_s=10)
        trace = await bus.request(TraceRule(rule_id=rule.rule_id))
        assert trace.is_active and trace.reason == "active: every condition holds"

        async def acted() -> list[LogEntry]:
            log = await bus.request(QueryEventLog(rule_id=rule.rule_id))
            return [e for e in log.entries if e.kind in (LogKind.ACTION_OK, LogKind.ACTION_FAILED)]

        outcomes = await eventually(acted, timeout_s=10)
        assert outcomes[0].kind is LogKind.ACTION_OK, outcomes[0].text
        assert "io.port.9.pulse" in outcomes[0].text
