import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto import Invalid, NotFound
from actkit_proto.events import CreateRule, GetRule, QueryEventLog
from actkit_proto.params import ListParameters, SetParameters

from .examples import window_sensor


async def test_the_log_size_and_every_rule_are_listed(deps: Deps, fake_bus: FakeBus) -> None:
    rule = await fake_bus.request(CreateRule(rule=window_sensor()))
    listed = await fake_bus.request(ListParameters(service="events"))
    by_key = {p.key: p for p in listed.parameters}
    group = f"Events.Rule.R{rule.rule_id}"
    assert by_key["Events.Log.Size"].value == deps.log.capacity
    assert not by_key["Events.Log.Size"].is_writable
    assert (by_key[f"{group}.Name"].value, by_key[f"{group}.Enabled"].value) == (
        "Window sensor",
        True,
    )


async def test_a_set_turns_the_rule_off_through_the_owner(deps: Deps, fake_bus: FakeBus) -> None:
    rule = await fake_bus.request(CreateRule(rule=window_sensor()))
    key = f"Events.Rule.R{rule.rule_id}.Enabled"
    reply = await fake_bus.request(SetParameters(service="events", values={key: "off"}))
    assert [(p.key, p.value) for p in reply.parameters] == [(key, False)]
    assert not (await fake_bus.request(GetRule(rule_id=rule.rule_id))).rule.is_enabled
    log = await fake_bus.request(QueryEventLog(rule_id=rule.rule_id))
    assert log.entries[-1].text == "Window sensor: turned off"


async def test_unknown_rules_and_read_only_values_are_refused(
    deps: Deps, fake_bus: FakeBus
) -> None:
    with pytest.raises(NotFound, match="events has no parameter Events"):
        await fake_bus.request(
            SetParameters(service="events", values={"Events.Rule.R99.Enabled": "yes"})
        )
    with pytest.raises(Invalid, match="Size is read-only"):
        await fake_bus.request(SetParameters(service="events", values={"Events.Log.Size": 5}))
