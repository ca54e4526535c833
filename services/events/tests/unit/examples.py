"""The rule, input edge and output filter that the rule tests share."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_events.handlers import reflexes as telling
from actkit_proto import Unavailable
from actkit_proto.ble import SetBeaconReflexes
from actkit_proto.events import HoldIoAction, InputCondition, RuleSpec
from actkit_proto.io import (
    Circuit,
    Direction,
    HoldPort,
    Port,
    PortChanged,
    PulsePort,
    ReleasePort,
    SetReflexes,
)


def window_sensor() -> RuleSpec:
    return RuleSpec(
        name="Window sensor",
        use_first_as_trigger=True,
        conditions=[InputCondition(port_id=1)],
        action=HoldIoAction(port_id=2),
    )


def port(port_id: int, is_active: bool) -> PortChanged:
    return PortChanged(
        port_id=port_id,
        direction=Direction.INPUT,
        is_active=is_active,
        circuit=Circuit.OPEN if is_active else Circuit.CLOSED,
        edge_ns=1,
    )


def outputs(bus: FakeBus) -> list[object]:
    return [c for c in bus.sent if isinstance(c, HoldPort | ReleasePort | PulsePort)]


def board_port(port_id: int, direction: Direction, is_supervised: bool = False) -> Port:
    """A W401 port as io lists it: 1-8 configurable, 9 the relay."""
    return Port(
        port_id=port_id,
        name=f"Port {port_id}",
        direction=direction,
        normal_state=Circuit.OPEN,
        is_configurable=port_id < 9,
        is_active=False,
        circuit=Circuit.OPEN,
        is_supervised=is_supervised,
    )


@dataclass
class Owner:
    """io or ble answering its ``reflexes.set``: each list told, in order, while it answers."""

    told: list[list[Any]] = field(default_factory=list)
    is_answering: bool = True

    async def set_reflexes(self, command: SetReflexes | SetBeaconReflexes) -> Any:
        if not self.is_answering:
            subject, owner = command.to_subject(), command.served_by()
            raise Unavailable(f"nobody answers {subject}: is {owner} running?")
        self.told.append(list(command.reflexes))
        return command.reply_type(reflexes=command.reflexes)


async def retry_telling(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the events service tell io and ble their reflexes again, at once, a few loop turns."""
    monkeypatch.setattr(telling, "RETRY_S", 0.0)
    teller = asyncio.create_task(telling.keep_owners_told(deps))
    try:
        for _ in range(20):
            await asyncio.sleep(0)
    finally:
        teller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await teller
