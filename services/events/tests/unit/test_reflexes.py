"""The rules io carries out itself: told to io, never commanded too, told again until heard."""

import asyncio

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto.events import (
    CreateRule,
    DeleteRule,
    HoldIoAction,
    InputCondition,
    LogKind,
    QueryEventLog,
    RuleChanged,
    RuleSpec,
    UpdateRule,
)
from actkit_proto.io import (
    Circuit,
    Direction,
    HoldPort,
    ListPorts,
    PortChanged,
    PortConfigured,
    PortList,
    Reflex,
    ReflexesChanged,
    SetReflexes,
)
from actkit_proto.service import GetServiceStatus

from ..conftest import StartEvents
from .examples import Owner, outputs, port, retry_telling
from .test_io_restart import SECOND_START, io_starts

LIGHTBAR = RuleSpec(
    name="Lightbar", conditions=[InputCondition(port_id=1)], action=HoldIoAction(port_id=9)
)
REFLEX = Reflex(rule_id=1, input_port_id=1, output_port_id=9)


def _names(fake_bus: FakeBus) -> list[str]:
    """What the events service sent, but its questions."""
    return [
        type(c).__name__ for c in fake_bus.sent if not isinstance(c, ListPorts | GetServiceStatus)
    ]


@pytest.fixture
def io(fake_bus: FakeBus, io_answers: FakeBus, board: PortList) -> Owner:
    """io with the W401's board, answering holds and reflexes."""
    io = Owner()
    fake_bus.answer(SetReflexes, io.set_reflexes)
    return io


async def test_a_lightbar_rule_is_told_to_io_and_never_commanded_too(
    fake_bus: FakeBus, io: Owner, deps: Deps
) -> None:
    await fake_bus.request(CreateRule(rule=LIGHTBAR))
    assert io.told == [[REFLEX]]
    for is_active in (True, False, True):
        await fake_bus.publish(port(1, is_active))
    assert outputs(fake_bus) == []
    changes = [e.is_active for e in fake_bus.published if isinstance(e, RuleChanged)]
    assert changes == [True, False, True]
    entries = (await fake_bus.request(QueryEventLog(rule_id=1))).entries
    done = [e.text for e in entries if e.kind is LogKind.ACTION_OK]
    assert "Lightbar: io.port.9.hold done by io" in done


@pytest.mark.parametrize(
    "rule",
    [
        LIGHTBAR.model_copy(update={"conditions": [InputCondition(port_id=8)]}),
        LIGHTBAR.model_copy(update={"wait_between_actions_s": 5}),
        LIGHTBAR.model_copy(update={"conditions": [InputCondition(port_id=1)] * 2}),
    ],
    ids=["input-condition-on-an-output", "a-wait-between-actions", "two-conditions"],
)
async def test_a_rule_io_cannot_carry_out_is_held_by_the_events_service(
    fake_bus: FakeBus, io: Owner, deps: Deps, rule: RuleSpec
) -> None:
    await fake_bus.request(CreateRule(rule=rule))
    await fake_bus.publish(port(rule.conditions[0].port_id, True))  # type: ignore[union-attr]
    assert io.told == []
    assert len(outputs(fake_bus)) == 1


async def test_an_edit_lets_go_and_holds_in_the_order_that_keeps_the_output_right(
    fake_bus: FakeBus, io: Owner, deps: Deps
) -> None:
    """The old rule's hold is let go by whoever had it before io is told; the new one after."""
    simple = await fake_bus.request(CreateRule(rule=LIGHTBAR))
    await fake_bus.publish(port(1, True))
    fake_bus.sent.clear()
    two = LIGHTBAR.model_copy(update={"conditions": [InputCondition(port_id=1)] * 2})
    await fake_bus.request(UpdateRule(rule_id=simple.rule_id, rule=two))  # ends it: turned off
    await fake_bus.request(
        UpdateRule(rule_id=simple.rule_id, rule=two.model_copy(update={"is_enabled": True}))
    )
    names = _names(fake_bus)
    assert names == ["UpdateRule", "SetReflexes", "UpdateRule", "HoldPort"]
    assert io.told[-1] == []
    fake_bus.sent.clear()
    await fake_bus.request(UpdateRule(rule_id=simple.rule_id, rule=LIGHTBAR))  # turned off
    await fake_bus.request(UpdateRule(rule_id=simple.rule_id, rule=LIGHTBAR))
    names = _names(fake_bus)
    assert names == ["UpdateRule", "ReleasePort", "UpdateRule", "SetReflexes"]
    assert io.told[-1] == [REFLEX]
    await fake_bus.request(DeleteRule(rule_id=simple.rule_id))
    assert io.told[-1] == []


async def test_a_port_configured_otherwise_takes_the_reflex_back(
    fake_bus: FakeBus, io: Owner, deps: Deps
) -> None:
    await fake_bus.request(CreateRule(rule=LIGHTBAR))
    await fake_bus.publish(
        PortConfigured(port_id=1, direction=Direction.OUTPUT, is_supervised=False)
    )
    assert io.told == [[REFLEX], []]
    await fake_bus.publish(port(1, True))
    assert len(outputs(fake_bus)) == 1


async def test_io_not_answering_is_told_again_and_meanwhile_the_events_service_holds(
    fake_bus: FakeBus, io: Owner, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    io.is_answering = False
    await fake_bus.request(CreateRule(rule=LIGHTBAR))
    await fake_bus.publish(port(1, True))
    assert len(outputs(fake_bus)) == 1
    io.is_answering = True
    await retry_telling(deps, monkeypatch)
    assert io.told == [[REFLEX]]
    await fake_bus.publish(port(1, False))
    assert len(outputs(fake_bus)) == 1


async def test_a_restart_tells_io_before_the_rules_settle_and_holds_nothing_itself(
    fake_bus: FakeBus, io: Owner, start_events: StartEvents
) -> None:
    async with start_events():
        await fake_bus.request(CreateRule(rule=LIGHTBAR))
        await fake_bus.publish(port(1, True))
    fake_bus.sent.clear()
    async with start_events():
        assert io.told[-1] == [REFLEX]
        assert outputs(fake_bus) == []


async def test_an_owner_that_says_it_follows_other_reflexes_is_told_them_again(
    fake_bus: FakeBus, io: Owner, deps: Deps
) -> None:
    await fake_bus.request(CreateRule(rule=LIGHTBAR))
    await fake_bus.publish(ReflexesChanged(reflexes=[REFLEX]))  # after our set: as told
    assert io.told == [[REFLEX]]
    await fake_bus.publish(ReflexesChanged(reflexes=[]))  # a new io, on a new database
    assert io.told == [[REFLEX], [REFLEX]]
    await fake_bus.publish(port(1, True))
    assert outputs(fake_bus) == []


async def test_a_new_start_of_io_is_held_again_only_where_io_does_not_hold_itself(
    fake_bus: FakeBus, io: Owner, deps: Deps
) -> None:
    starts = io_starts(fake_bus)
    both = [InputCondition(port_id=1)] * 2
    await fake_bus.request(CreateRule(rule=LIGHTBAR))
    await fake_bus.request(
        CreateRule(rule=RuleSpec(name="Two", conditions=both, action=HoldIoAction(port_id=8)))
    )
    await fake_bus.publish(port(1, True))
    starts.append(SECOND_START)
    lamp_off = PortChanged(
        port_id=9, direction=Direction.OUTPUT, is_active=False, circuit=Circuit.OPEN, edge_ns=2
    )
    await fake_bus.publish(lamp_off)  # io started again
    await asyncio.gather(*deps.tasks)
    assert outputs(fake_bus) == [HoldPort(port_id=8, holder="rule:2")] * 2
    said = [e.text for e in (await fake_bus.request(QueryEventLog())).entries]
    assert "Two: io restarted" in said
    assert "Lightbar: io restarted" not in said
