"""Carrying out rule transitions: commands to the owning services, notifications, the log.

A failed action is logged (event log and service log), counted and published as
``ActionFailed``; it never stops the other rules.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, cast

from actkit_events.domain.conditions import describe
from actkit_events.domain.rules import Transition
from actkit_events.domain.templates import render
from actkit_events.handlers.deps import Deps
from actkit_events.handlers.recipients import pin_host_key
from actkit_events.handlers.reflexes import io_started_at, is_reflex
from actkit_events.metrics import ACTION_FAILURES, ACTIVATIONS, NOTIFICATIONS, SUPPRESSIONS
from actkit_events.ports import DeliveryFailed
from actkit_proto.base import Command, Reply
from actkit_proto.ble import StartBroadcast, StopBroadcast
from actkit_proto.errors import BusError
from actkit_proto.events import (
    ActionFailed,
    BroadcastAction,
    HoldIoAction,
    LogKind,
    MqttPublishAction,
    NotifyAction,
    PulseIoAction,
    RuleChanged,
    RuleSpec,
    rule_holder,
)
from actkit_proto.io import HoldPort, PulsePort, ReleasePort
from actkit_proto.mqtt import PublishMqtt

log = logging.getLogger(__name__)


REFLEX_COMMANDS = (HoldPort, ReleasePort, StartBroadcast, StopBroadcast)
"""What a rule's owner does itself when it follows the rule as a reflex."""


async def carry_out(transitions: list[Transition], deps: Deps) -> None:
    """Log each transition, publish the rule's activity and start or stop its action."""
    for transition in transitions:
        rule_id, spec = transition.rule_id, transition.spec
        deps.log.add(transition.at, rule_id, transition.kind, f"{spec.name}: {transition.reason}")
        if transition.kind is LogKind.SUPPRESSED:
            SUPPRESSIONS.inc()
            # The timetable wakes up when the wait ends, to evaluate the rule again.
            deps.timetable.changed.set()
            continue
        is_starting = transition.kind is LogKind.ACTIVATED
        if is_starting:
            ACTIVATIONS.inc()
        # Neither the action nor the next transition waits for the rule's activity to be kept
        # in the KV bucket (a JetStream round trip): the event leaves first, and the bus keeps
        # each rule's newest activity in order.
        changed = RuleChanged(rule_id=rule_id, is_active=is_starting, at=transition.at)
        await deps.bus.publish(changed, wait_kept=False)
        await run_action(rule_id, spec, deps, is_starting=is_starting, reason=transition.reason)
        if transition.is_momentary:
            ended = RuleChanged(rule_id=rule_id, is_active=False, at=transition.at)
            await deps.bus.publish(ended, wait_kept=False)


async def resume(rule_id: int, spec: RuleSpec, deps: Deps) -> None:
    """Re-apply a restored active rule's lasting action (after a restart): hold again."""
    action = spec.action
    if isinstance(action, HoldIoAction) or (
        isinstance(action, BroadcastAction) and action.is_while_active
    ):
        deps.log.add(
            deps.clock.now(), rule_id, LogKind.ACTIVATED, f"{spec.name}: resumed after restart"
        )
        await run_action(rule_id, spec, deps, is_starting=True, reason="resumed after restart")


async def run_action(
    rule_id: int, spec: RuleSpec, deps: Deps, *, is_starting: bool, reason: str
) -> None:
    """Send the command that starts (or stops) the rule's action to its owner."""
    action, holder = spec.action, rule_holder(rule_id)
    command: Command[Any]
    match action:
        case HoldIoAction(port_id=port_id, is_active=is_active):
            command = (
                HoldPort(port_id=port_id, holder=holder, is_active=is_active)
                if is_starting
                else ReleasePort(port_id=port_id, holder=holder)
            )
        case PulseIoAction(port_id=port_id, is_active=is_active, duration_ms=duration_ms):
            if not is_starting:
                return
            command = PulsePort(port_id=port_id, is_active=is_active, duration_ms=duration_ms)
        case MqttPublishAction():
            if not is_starting:
                return
            command = PublishMqtt(
                topic=action.topic,
                payload=render(action.payload, fields(rule_id, spec, deps.clock.now(), reason)),
                qos=action.qos,
                retain=action.retain,
                use_device_prefix=action.use_device_prefix,
            )
        case BroadcastAction(system_id=system_id, message_type=message_type):
            if action.is_while_active:
                command = (
                    StartBroadcast(
                        system_id=system_id,
                        message_type=message_type,
                        broadcaster=holder,
                    )
                    if is_starting
                    else StopBroadcast(system_id=system_id, broadcaster=holder)
                )
            elif is_starting:
                command = StartBroadcast(
                    system_id=system_id,
                    message_type=message_type,
                    broadcaster=holder,
                    duration_ms=action.duration_ms,
                )
            else:
                return
        case NotifyAction():
            if is_starting:
                task = asyncio.create_task(notify(rule_id, spec, action, deps, reason))
                deps.tasks.add(task)
                task.add_done_callback(deps.tasks.discard)
            return
        case _:
            raise AssertionError(action)
    if isinstance(command, REFLEX_COMMANDS) and is_reflex(rule_id, spec, deps):
        # Its owner did it as the input changed, or as it was told the rule changed.
        _log_done(rule_id, spec, deps, f"{command.to_subject()} done by {command.owner()}")
        return
    if isinstance(command, HoldPort) and deps.io_started_at[0] is None:
        # The io that will keep our hold: a later new start of io means the hold is gone. Asked
        # before the hold, so an io that restarts in between looks new and is held again; asked
        # after, the new io could answer and be taken for the one that kept the hold.
        deps.io_started_at[0] = await io_started_at(deps)
    try:
        await deps.bus.request(cast(Command[Reply], command))
    except BusError as exc:
        await fail(rule_id, spec, deps, f"{command.to_subject()} failed: {exc.message}")
    else:
        _log_done(rule_id, spec, deps, f"{command.to_subject()} done")


def _log_done(rule_id: int, spec: RuleSpec, deps: Deps, what: str) -> None:
    deps.log.add(deps.clock.now(), rule_id, LogKind.ACTION_OK, f"{spec.name}: {what}")


def fields(rule_id: int, spec: RuleSpec, now: datetime, reason: str) -> dict[str, str]:
    """The fields templates may use."""
    return {
        "rule_name": spec.name,
        "rule_id": str(rule_id),
        "time": now.isoformat(timespec="seconds"),
        "condition": " and ".join(describe(c) for c in spec.conditions),
        "value": reason,
    }


async def notify(
    rule_id: int, spec: RuleSpec, action: NotifyAction, deps: Deps, reason: str
) -> None:
    """Deliver a notification; the outcome goes to the event log either way."""
    values = fields(rule_id, spec, deps.clock.now(), reason)
    try:
        recipient = await deps.recipients.get(action.recipient_id)
    except BusError as exc:
        await fail(rule_id, spec, deps, f"notification not sent: {exc.message}")
        return
    try:
        delivered = await deps.notifier.send(
            recipient, render(action.subject, values), render(action.message, values)
        )
    except DeliveryFailed as exc:
        NOTIFICATIONS.labels(recipient.type, "failed").inc()
        await fail(rule_id, spec, deps, f"notification to {recipient.name} failed: {exc}")
        return
    NOTIFICATIONS.labels(recipient.type, "ok").inc()
    answer = delivered.answer + await pin_host_key(action.recipient_id, recipient, delivered, deps)
    deps.log.add(
        deps.clock.now(),
        rule_id,
        LogKind.ACTION_OK,
        f"{spec.name}: sent to {recipient.name}: {answer}",
    )


async def fail(rule_id: int, spec: RuleSpec, deps: Deps, error: str) -> None:
    """Make a failed action visible: event log, service log, metric, bus event."""
    now = deps.clock.now()
    log.warning("rule %d (%s): %s", rule_id, spec.name, error)
    ACTION_FAILURES.labels(spec.action.type).inc()
    deps.log.add(now, rule_id, LogKind.ACTION_FAILED, f"{spec.name}: {error}")
    deps.engine.record_failure(rule_id, spec.action.type, error, now)
    try:
        await deps.bus.publish(
            ActionFailed(rule_id=rule_id, action=spec.action.type, error=error, at=now)
        )
    except Exception:
        log.exception("could not publish the failure of rule %d", rule_id)
