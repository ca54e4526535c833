"""The rules ble carries out itself: told to ble, never commanded too, told again until heard."""

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto import Ack
from actkit_proto.ble import BeaconReflex, SetBeaconReflexes, StartBroadcast, StopBroadcast
from actkit_proto.events import (
    BroadcastAction,
    CreateRule,
    InputCondition,
    LogKind,
    QueryEventLog,
    RuleSpec,
)
from actkit_proto.io import PortList

from .examples import Owner, port, retry_telling

CAMERAS = RuleSpec(
    name="Cameras",
    conditions=[InputCondition(port_id=3)],
    action=BroadcastAction(system_id=7, message_type=1),
)
REFLEX = BeaconReflex(rule_id=1, input_port_id=3, system_id=7, message_type=1)


@pytest.fixture
def ble(fake_bus: FakeBus, board: PortList) -> Owner:
    """ble answering broadcasts and reflexes, on the W401's board as io lists it."""
    ble = Owner()

    async def ack(_command: StartBroadcast | StopBroadcast) -> Ack:
        return Ack()

    fake_bus.answer(StartBroadcast, ack)
    fake_bus.answer(StopBroadcast, ack)
    fake_bus.answer(SetBeaconReflexes, ble.set_reflexes)
    return ble


def _broadcasts(fake_bus: FakeBus) -> list[object]:
    return [c for c in fake_bus.sent if isinstance(c, StartBroadcast | StopBroadcast)]


async def test_a_beacon_rule_is_told_to_ble_and_never_commanded_too(
    fake_bus: FakeBus, ble: Owner, deps: Deps
) -> None:
    await fake_bus.request(CreateRule(rule=CAMERAS))
    assert ble.told == [[REFLEX]]
    for is_active in (True, False):
        await fake_bus.publish(port(3, is_active))
    assert _broadcasts(fake_bus) == []
    entries = (await fake_bus.request(QueryEventLog(rule_id=1))).entries
    done = [e.text for e in entries if e.kind is LogKind.ACTION_OK]
    assert done == [
        "Cameras: ble.broadcast.7.start done by ble",
        "Cameras: ble.broadcast.7.stop done by ble",
    ]


async def test_a_beacon_sent_once_stays_with_the_events_service(
    fake_bus: FakeBus, ble: Owner, deps: Deps
) -> None:
    once = BroadcastAction(system_id=7, message_type=1, is_while_active=False, duration_ms=500)
    await fake_bus.request(CreateRule(rule=CAMERAS.model_copy(update={"action": once})))
    await fake_bus.publish(port(3, True))
    assert ble.told == []
    assert len(_broadcasts(fake_bus)) == 1


async def test_ble_not_answering_is_told_again_and_meanwhile_the_events_service_broadcasts(
    fake_bus: FakeBus, ble: Owner, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    ble.is_answering = False
    await fake_bus.request(CreateRule(rule=CAMERAS))
    await fake_bus.publish(port(3, True))
    assert len(_broadcasts(fake_bus)) == 1
    ble.is_answering = True
    await retry_telling(deps, monkeypatch)
    assert ble.told == [[REFLEX]]
    await fake_bus.publish(port(3, False))
    assert len(_broadcasts(fake_bus)) == 1
