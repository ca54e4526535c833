"""Rules through the real handler table on a FakeBus: the manual's examples and the limits."""

from typing import Any

import pytest

from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_events.metrics import ACTION_FAILURES
from actkit_proto import Conflict, Invalid, NotFound, Unavailable
from actkit_proto.events import (
    MAX_RULES,
    ActionFailed,
    ButtonCondition,
    CreateRule,
    DeleteRule,
    EnableRule,
    GetRule,
    HoldIoAction,
    InputCondition,
    ListCatalogue,
    ListRules,
    LogKind,
    MqttPublishAction,
    PulseIoAction,
    QueryEventLog,
    RuleChanged,
    RuleSpec,
    TraceRule,
    UpdateRule,
)
from actkit_proto.io import (
    ButtonPressed,
    HoldPort,
    PulsePort,
    ReleasePort,
)

from .examples import outputs, port, window_sensor


async def test_window_sensor_holds_the_lamp_while_the_window_is_open(
    deps: Deps, fake_bus: FakeBus
) -> None:
    rule = await fake_bus.request(CreateRule(rule=window_sensor()))
    await fake_bus.publish(port(1, True))
    await fake_bus.publish(port(1, False))
    assert outputs(fake_bus) == [
        HoldPort(port_id=2, holder=f"rule:{rule.rule_id}", is_active=True),
        ReleasePort(port_id=2, holder=f"rule:{rule.rule_id}"),
    ]
    changes = [e.is_active for e in fake_bus.published if isinstance(e, RuleChanged)]
    assert changes == [True, False]


async def test_button_input_opens_the_lock_once_for_its_duration(
    deps: Deps, fake_bus: FakeBus
) -> None:
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="Open lock",
                use_first_as_trigger=True,
                conditions=[InputCondition(port_id=1)],
                action=PulseIoAction(port_id=9, duration_ms=10_000),
            )
        )
    )
    await fake_bus.publish(port(1, True))
    await fake_bus.publish(port(1, False))
    assert outputs(fake_bus) == [PulsePort(port_id=9, duration_ms=10_000, is_active=True)]


async def test_the_control_button_fires_a_once_action(deps: Deps, fake_bus: FakeBus) -> None:
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="b",
                conditions=[ButtonCondition()],
                action=PulseIoAction(port_id=9, duration_ms=50),
            )
        )
    )
    await fake_bus.publish(ButtonPressed())
    assert outputs(fake_bus) == [PulsePort(port_id=9, duration_ms=50)]


async def test_the_257th_rule_is_refused_with_409(deps: Deps, fake_bus: FakeBus) -> None:
    for _ in range(MAX_RULES):
        await fake_bus.request(CreateRule(rule=window_sensor()))
    with pytest.raises(Conflict, match="already has 256 rules"):
        await fake_bus.request(CreateRule(rule=window_sensor()))
    assert len((await fake_bus.request(ListRules())).rules) == MAX_RULES


async def test_editing_an_active_rule_deactivates_it_until_turned_on_again(
    deps: Deps, fake_bus: FakeBus
) -> None:
    rule = await fake_bus.request(CreateRule(rule=window_sensor()))
    await fake_bus.publish(port(1, True))
    edited = window_sensor().model_copy(update={"name": "Window 2"})
    after = await fake_bus.request(UpdateRule(rule_id=rule.rule_id, rule=edited))
    assert not after.is_active and not after.rule.is_enabled
    assert outputs(fake_bus)[-1] == ReleasePort(port_id=2, holder=f"rule:{rule.rule_id}")
    on = await fake_bus.request(EnableRule(rule_id=rule.rule_id, is_enabled=True))
    assert on.is_active and on.rule.name == "Window 2"
    assert outputs(fake_bus)[-1] == HoldPort(port_id=2, holder=f"rule:{rule.rule_id}")


async def test_deleting_an_active_rule_releases_its_output(deps: Deps, fake_bus: FakeBus) -> None:
    rule = await fake_bus.request(CreateRule(rule=window_sensor()))
    await fake_bus.publish(port(1, True))
    await fake_bus.request(DeleteRule(rule_id=rule.rule_id))
    assert outputs(fake_bus)[-1] == ReleasePort(port_id=2, holder=f"rule:{rule.rule_id}")
    with pytest.raises(NotFound, match="there is no rule"):
        await fake_bus.request(GetRule(rule_id=rule.rule_id))


async def test_a_failed_action_is_logged_counted_and_published(
    deps: Deps, fake_bus: FakeBus
) -> None:
    rule = await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="tell",
                conditions=[InputCondition(port_id=1)],
                action=MqttPublishAction(topic="alarm", payload="{rule_name} on"),
            )
        )
    )
    before = ACTION_FAILURES.labels("mqtt_publish")._value.get()
    await fake_bus.publish(port(1, True))
    [failed] = [e for e in fake_bus.published if isinstance(e, ActionFailed)]
    assert failed.rule_id == rule.rule_id and "is mqtt running?" in failed.error
    assert ACTION_FAILURES.labels("mqtt_publish")._value.get() == before + 1
    log = await fake_bus.request(QueryEventLog(rule_id=rule.rule_id))
    assert [e.kind for e in log.entries][-2:] == [LogKind.ACTIVATED, LogKind.ACTION_FAILED]
    trace = await fake_bus.request(TraceRule(rule_id=rule.rule_id))
    assert trace.last_failure is not None
    assert trace.last_failure.action == "mqtt_publish"
    assert trace.last_failure.error == failed.error and trace.last_failure.at == failed.at


async def test_trace_says_which_condition_does_not_hold(deps: Deps, fake_bus: FakeBus) -> None:
    rule = await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="both",
                conditions=[InputCondition(port_id=1), InputCondition(port_id=2)],
                action=HoldIoAction(port_id=9),
            )
        )
    )
    await fake_bus.publish(port(1, True))
    trace = await fake_bus.request(TraceRule(rule_id=rule.rule_id))
    assert [c.holds for c in trace.conditions] == [True, False]
    assert [c.value for c in trace.conditions] == ["on", "unknown"]
    assert trace.reason == "not active: digital input 2 is active does not hold (value: unknown)"
    assert [(c.description, c.verdict) for c in trace.conditions] == [
        ("digital input 1 is active", "holds (value: on)"),
        ("digital input 2 is active", "does not hold: nothing was reported yet"),
    ]
    assert trace.last_failure is None and trace.wait_left_s is None


async def test_a_restart_while_an_input_is_active_holds_the_output_again(
    start_events: Any, io_answers: FakeBus
) -> None:
    async with start_events() as _deps:
        rule = await io_answers.request(CreateRule(rule=window_sensor()))
        await io_answers.publish(port(1, True))
    io_answers.sent.clear()
    async with start_events() as deps:
        assert deps.engine.rules[rule.rule_id].is_active
        assert outputs(io_answers) == [HoldPort(port_id=2, holder=f"rule:{rule.rule_id}")]
        await io_answers.publish(port(1, False))
        assert outputs(io_answers)[-1] == ReleasePort(port_id=2, holder=f"rule:{rule.rule_id}")


async def test_a_restart_after_the_input_went_inactive_releases_the_output(
    start_events: Any, io_answers: FakeBus
) -> None:
    async with start_events():
        rule = await io_answers.request(CreateRule(rule=window_sensor()))
        await io_answers.publish(port(1, True))
    io_answers.state["io.port.1.changed"] = port(1, False)
    io_answers.sent.clear()
    async with start_events() as deps:
        assert not deps.engine.rules[rule.rule_id].is_active
        assert outputs(io_answers) == [ReleasePort(port_id=2, holder=f"rule:{rule.rule_id}")]


async def test_wait_between_actions_uses_the_injected_clock(
    deps: Deps, fake_bus: FakeBus, clock: FakeClock
) -> None:
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="w",
                wait_between_actions_s=60,
                conditions=[InputCondition(port_id=1)],
                action=PulseIoAction(port_id=9, duration_ms=5),
            )
        )
    )
    for value in (True, False, True, False):
        clock.advance(10)
        await fake_bus.publish(port(1, value))
    clock.advance(61)
    await fake_bus.publish(port(1, True))
    assert len(outputs(fake_bus)) == 2


async def test_a_rule_naming_a_missing_recipient_is_refused(deps: Deps, fake_bus: FakeBus) -> None:
    from actkit_proto.events import NotifyAction

    spec = RuleSpec(
        name="n", conditions=[InputCondition(port_id=1)], action=NotifyAction(recipient_id=4)
    )
    with pytest.raises(Invalid, match="recipient 4 does not exist"):
        await fake_bus.request(CreateRule(rule=spec))


async def test_the_catalogue_lists_every_condition_and_action(
    deps: Deps, fake_bus: FakeBus
) -> None:
    catalogue = await fake_bus.request(ListCatalogue())
    types = {entry.type: entry for entry in catalogue.conditions}
    assert set(types) >= {
        "input",
        "tamper",
        "mqtt_stateful",
        "mqtt_stateless",
        "beacon",
        "schedule",
        "pulse",
        "manual",
        "ignition",
        "button",
    }
    assert types["button"].is_stateless and not types["input"].is_stateless
    assert "port_id" in types["input"].parameters["properties"]
    assert {entry.type for entry in catalogue.actions} == {
        "io_while_active",
        "io_once",
        "notification",
        "mqtt_publish",
        "ble_broadcast",
    }


async def test_an_unreachable_owner_does_not_stop_other_rules(
    deps: Deps, fake_bus: FakeBus
) -> None:
    del fake_bus._answers[HoldPort]
    await fake_bus.request(CreateRule(rule=window_sensor()))
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="p",
                conditions=[InputCondition(port_id=1)],
                action=PulseIoAction(port_id=9, duration_ms=5),
            )
        )
    )
    await fake_bus.publish(port(1, True))
    assert PulsePort(port_id=9, duration_ms=5) in fake_bus.sent
    with pytest.raises(Unavailable):
        await fake_bus.request(HoldPort(port_id=2, holder="x"))


async def test_a_notification_to_a_deleted_recipient_fails_visibly(
    deps: Deps, fake_bus: FakeBus
) -> None:
    import asyncio

    from actkit_proto.events import CreateRecipient, NotifyAction, TcpRecipient

    recipient = await fake_bus.request(
        CreateRecipient(recipient=TcpRecipient(name="t", host="localhost", port=9))
    )
    rule = await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="n",
                conditions=[InputCondition(port_id=1)],
                action=NotifyAction(recipient_id=recipient.recipient_id),
            )
        )
    )
    await deps.recipients.delete(recipient.recipient_id)  # behind the handler's back
    await fake_bus.publish(port(1, True))
    await asyncio.gather(*deps.tasks)
    log = await fake_bus.request(QueryEventLog(rule_id=rule.rule_id))
    assert log.entries[-1].kind is LogKind.ACTION_FAILED
    assert "there is no recipient" in log.entries[-1].text
