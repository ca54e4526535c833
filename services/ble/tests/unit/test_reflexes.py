"""Rules ble carries out itself: an input's change starts or stops a beacon; kept at restarts."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, cast

import pytest
from nats.aio.msg import Msg

from actkit_ble.adapters.sim import SimRadio
from actkit_ble.handlers import HANDLERS, Deps
from actkit_ble.main import INPUTS, MIGRATIONS, build_deps
from actkit_ble.settings import BleSettings
from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Invalid
from actkit_proto.beacon import decode
from actkit_proto.ble import (
    BeaconReflex,
    BeaconReflexesChanged,
    BroadcastChanged,
    ListBroadcasts,
    SetBeaconReflexes,
    StartBroadcast,
)
from actkit_proto.io import Circuit, Direction, PortChanged

LIGHTBAR = BeaconReflex(rule_id=2, input_port_id=3, system_id=7, message_type=1)


def _input(port_id: int, is_active: bool, direction: Direction = Direction.INPUT) -> PortChanged:
    circuit = Circuit.CLOSED if is_active else Circuit.OPEN
    return PortChanged(
        port_id=port_id, direction=direction, is_active=is_active, circuit=circuit, edge_ns=1
    )


def _sent(deps: Deps) -> dict[int, int]:
    """The message type on air, by System ID."""
    assert isinstance(deps.radio, SimRadio)
    return {
        sid: decode(payload).message_type for sid, (_, payload) in deps.radio.advertisements.items()
    }


async def test_an_input_change_starts_and_stops_the_rules_beacon(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(SetBeaconReflexes(reflexes=[LIGHTBAR]))
    assert _sent(deps) == {}
    await fake_bus.publish(_input(3, True))
    assert _sent(deps) == {7: 1}
    [broadcast] = (await fake_bus.request(ListBroadcasts())).broadcasts
    assert broadcast.broadcasters == ["rule:2"]
    await fake_bus.publish(_input(3, False))
    assert _sent(deps) == {}
    told = [e.is_active for e in fake_bus.published if isinstance(e, BroadcastChanged)]
    assert told == [True, False]


async def test_an_output_or_another_input_changes_nothing(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(SetBeaconReflexes(reflexes=[LIGHTBAR]))
    await fake_bus.publish(_input(4, True))
    await fake_bus.publish(_input(3, True, Direction.OUTPUT))
    assert _sent(deps) == {}


async def test_a_new_list_broadcasts_at_once_and_ends_only_the_requests_of_the_rules_gone(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.publish(_input(3, True))
    await fake_bus.request(StartBroadcast(system_id=7, message_type=1, broadcaster="web"))
    inverted = BeaconReflex(rule_id=5, input_port_id=4, is_inverted=True, system_id=9)
    await fake_bus.request(SetBeaconReflexes(reflexes=[LIGHTBAR, inverted]))
    assert _sent(deps) == {7: 1, 9: 1}  # input 4 is inactive: the inverted rule broadcasts
    await fake_bus.request(SetBeaconReflexes(reflexes=[]))
    assert _sent(deps) == {7: 1}  # still asked for by another broadcaster
    [broadcast] = (await fake_bus.request(ListBroadcasts())).broadcasts
    assert broadcast.broadcasters == ["web"]


async def test_a_list_naming_a_rule_twice_is_refused_and_changes_nothing(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(SetBeaconReflexes(reflexes=[LIGHTBAR]))
    with pytest.raises(Invalid, match="rule 2 is listed twice"):
        await fake_bus.request(SetBeaconReflexes(reflexes=[LIGHTBAR, LIGHTBAR]))
    assert await deps.store.load_reflexes() == [LIGHTBAR]
    await fake_bus.publish(_input(3, True))
    assert _sent(deps) == {7: 1}


@contextlib.asynccontextmanager
async def _ble(settings: BleSettings, bus: FakeBus) -> AsyncIterator[Deps]:
    """A start of the ble service on the test's database and bus."""
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        runtime = Runtime(bus, sessions)  # type: ignore[arg-type]
        built = await stack.enter_async_context(build_deps(settings, runtime))
        await bus.serve(HANDLERS, built)
        yield built


async def test_a_restarted_ble_broadcasts_from_its_start_what_the_kept_inputs_ask_and_says_so(
    tmp_db: Callable[[str], Path],
) -> None:
    settings = BleSettings(db_path=tmp_db(MIGRATIONS), sim_repeat_s=60)
    bus = FakeBus()
    async with _ble(settings, bus):
        await bus.request(SetBeaconReflexes(reflexes=[LIGHTBAR]))
    bus._dispatchers.clear()
    await bus.publish(_input(3, True))  # while ble is down: the bucket keeps it
    async with _ble(settings, bus) as deps:
        assert _sent(deps) == {7: 1}
    told = [e for e in bus.published if isinstance(e, BeaconReflexesChanged)]
    assert told == [BeaconReflexesChanged(reflexes=r) for r in ([], [LIGHTBAR], [LIGHTBAR])]


async def test_a_flood_on_every_port_keeps_each_ports_newest_and_refuses_none() -> None:
    handled: list[tuple[str, bytes]] = []
    counts: dict[str, int] = {}
    gate = asyncio.Event()

    async def handle(message: Msg) -> None:
        await gate.wait()
        handled.append((message.subject, message.data))

    def count(outcome: str, number: int) -> None:
        counts[outcome] = counts.get(outcome, 0) + number

    mailbox = INPUTS.mailbox(PortChanged, handle, count)
    assert mailbox is not None
    for edge in range(10):  # ble is behind: nothing is handled meanwhile
        for port_id in range(1, 65):
            subject = f"io.port.{port_id}.changed"
            await mailbox.take(Msg(_client=cast(Any, None), subject=subject, data=b"%d" % edge))
    assert mailbox.size <= 128
    gate.set()
    await mailbox.join()
    assert "overflow" not in counts
    assert dict(handled) == {f"io.port.{port_id}.changed": b"9" for port_id in range(1, 65)}
