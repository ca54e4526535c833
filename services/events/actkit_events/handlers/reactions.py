"""Event handlers: what other services report becomes condition values, then rule activity."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from actkit_events.domain.conditions import (
    BUTTON_KEY,
    IGNITION_KEY,
    Value,
    beacon_key,
    beacon_value,
    input_key,
    manual_key,
    mqtt_stateful_key,
    mqtt_stateless_key,
    tamper_key,
)
from actkit_events.handlers.actions import carry_out, run_action
from actkit_events.handlers.deps import Deps
from actkit_events.handlers.reflexes import io_started_at, is_reflex
from actkit_events.metrics import EVALUATIONS
from actkit_proto.base import Event
from actkit_proto.ble import BeaconPresenceChanged, BeaconReceived
from actkit_proto.errors import BusError
from actkit_proto.events import HoldIoAction, LogKind, ManualTriggerChanged
from actkit_proto.io import ButtonPressed, Direction, IgnitionChanged, PortChanged, PortTampered
from actkit_proto.mqtt import MqttMessageReceived, MqttTopicChanged

log = logging.getLogger(__name__)

STATES: dict[type[Event], Callable[[Any], tuple[str, Value]]] = {
    PortChanged: lambda event: (input_key(event.port_id), event.is_active),
    PortTampered: lambda event: (tamper_key(event.port_id), event.is_tampered),
    IgnitionChanged: lambda event: (IGNITION_KEY, event.is_on),
    MqttTopicChanged: lambda event: (mqtt_stateful_key(event.subscription), event.payload),
    BeaconPresenceChanged: lambda event: (
        beacon_key(event.system_id),
        beacon_value(event.is_present, event.message_type),
    ),
}
"""The stateful events rules follow, each as the key and value the engine keeps; the ones
whose older values may be skipped while the engine is behind (see ``domain.coalescing``)."""


async def follow(event: Event, deps: Deps) -> None:
    """A stateful event: the value it carries under its key, to the engine."""
    await observe(*STATES[type(event)](event), deps)


async def observe(key: str, value: Value, deps: Deps) -> None:
    """A stateful value: re-evaluate the rules indexed under ``key`` and act on the result."""
    EVALUATIONS.inc(len(deps.engine.watched_by(key)))
    await carry_out(deps.engine.observe(key, value, deps.clock.now()), deps)


async def happen(key: str, value: Value, deps: Deps) -> None:
    """A moment: fire the rules indexed under ``key`` whose other conditions hold."""
    EVALUATIONS.inc(len(deps.engine.watched_by(key)))
    await carry_out(deps.engine.happen(key, value, deps.clock.now()), deps)


IO_STATUS_TRIES = 20
IO_STATUS_RETRY_S = 0.25


async def evaluate_port(event: PortChanged, deps: Deps) -> None:
    # Checked here, not in a task: an output that shows what its rules want (each change a
    # rule makes) costs no task.
    if event.direction is Direction.OUTPUT and _is_wanted_otherwise(event, deps):
        task = asyncio.create_task(reassert_holds(deps))
        deps.tasks.add(task)
        task.add_done_callback(deps.tasks.discard)
    await follow(event, deps)


def _is_wanted_otherwise(event: PortChanged, deps: Deps) -> bool:
    """Whether an active rule holds the output at the other state than it shows."""
    return any(
        state.is_active
        and isinstance(state.spec.action, HoldIoAction)
        and state.spec.action.is_active != event.is_active
        for state in deps.engine.holding(event.port_id)
    )


async def reassert_holds(deps: Deps) -> None:
    """Hold outputs again when io restarted under active rules (its holds live in memory).

    Only a new start of io counts: a configuration change that returns outputs to normal is
    io's decision and is left alone.
    """
    # io publishes its outputs' state while it starts, before it answers: ask a few times.
    for _ in range(IO_STATUS_TRIES):
        started_at = await io_started_at(deps)
        if started_at is not None:
            break
        await asyncio.sleep(IO_STATUS_RETRY_S)
    if started_at is None or started_at == deps.io_started_at[0]:
        return
    deps.io_started_at[0] = started_at
    for rule_id, state in sorted(deps.engine.rules.items()):
        # The rules io carries out itself it holds again from its start (``io.reflexes``).
        if (
            state.is_active
            and isinstance(state.spec.action, HoldIoAction)
            and not is_reflex(rule_id, state.spec, deps)
        ):
            deps.log.add(
                deps.clock.now(), rule_id, LogKind.ACTIVATED, f"{state.spec.name}: io restarted"
            )
            await run_action(rule_id, state.spec, deps, is_starting=True, reason="io restarted")


async def evaluate_tamper(event: PortTampered, deps: Deps) -> None:
    await follow(event, deps)


async def evaluate_ignition(event: IgnitionChanged, deps: Deps) -> None:
    await follow(event, deps)


async def fire_button(_event: ButtonPressed, deps: Deps) -> None:
    await happen(BUTTON_KEY, True, deps)


async def evaluate_mqtt_topic(event: MqttTopicChanged, deps: Deps) -> None:
    await follow(event, deps)


async def fire_mqtt_message(event: MqttMessageReceived, deps: Deps) -> None:
    if event.retained:
        # The broker re-sends its stored message at each (re)subscription, so on every reconnect
        # of a patchy link: old news, not a moment. A state belongs in a stateful subscription.
        return
    await happen(mqtt_stateless_key(event.subscription), event.payload, deps)


async def evaluate_beacon(event: BeaconPresenceChanged, deps: Deps) -> None:
    await follow(event, deps)


async def note_beacon(event: BeaconReceived, deps: Deps) -> None:
    """A received beacon refreshes presence, so a rule sees the newest message type."""
    await observe(beacon_key(event.system_id), beacon_value(True, event.message_type), deps)


async def evaluate_manual_trigger(event: ManualTriggerChanged, deps: Deps) -> None:
    await observe(manual_key(event.trigger_id), event.is_on, deps)


async def kept_values(deps: Deps) -> list[tuple[str, Value]]:
    """Every stateful value the bus keeps (the KV bucket), as the engine's keys and values."""
    kept = [STATES[kind](event) for kind in STATES for event in await deps.bus.current(kind)]
    kept += [
        (manual_key(trigger.trigger_id), trigger.is_on)
        for trigger in await deps.bus.current(ManualTriggerChanged)
    ]
    return kept


async def read_current_values(deps: Deps) -> None:
    """Fill the engine's values from the KV bucket, so a restart knows what is active now."""
    deps.engine.values.update(await kept_values(deps))


async def catch_up(deps: Deps) -> None:
    """Once subscribed: what changed since :func:`read_current_values` read, as if just told.

    A change told between that read and the subscription reached no handler; the bucket has
    it. A value the engine already has changes nothing, and neither does one a handler changed
    while the bucket was read: the handler's is the newer.
    """
    before = dict(deps.engine.values)
    try:
        kept = await kept_values(deps)
    except BusError as exc:
        log.warning("could not read the current state again after subscribing: %s", exc.message)
        return
    for key, value in kept:
        if deps.engine.values.get(key) == before.get(key) != value:
            await observe(key, value, deps)
