"""The System IDs rules wait for are received without being typed into the watch list."""

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

from actkit_ble.handlers import HANDLERS, Deps
from actkit_ble.handlers.reception import report_sighting
from actkit_ble.main import MIGRATIONS, build_deps
from actkit_ble.ports import Sighting
from actkit_ble.settings import BleSettings
from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.beacon import AXIS_COMPANY_ID, Beacon, encode
from actkit_proto.ble import BeaconPresenceChanged, BeaconReceived, BeaconSettings
from actkit_proto.events import RuleBeaconsChanged

CAMERAS = 0x00C0FFEE


def _heard(system_id: int) -> Sighting:
    return Sighting({AXIS_COMPANY_ID: encode(Beacon(system_id, 1, 4))}, -50)


async def _turns(predicate: Callable[[], bool]) -> None:
    # The radio watcher runs as its own task; give it turns of the loop, not wall time.
    for _ in range(200):
        if predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def _scanning(deps: Deps) -> bool:
    return deps.adapter_state.is_discovering


async def test_a_beacon_only_a_rule_names_is_received(fake_bus: FakeBus, deps: Deps) -> None:
    assert deps.receiver.settings == BeaconSettings()  # nothing typed into the watch list
    await fake_bus.publish(RuleBeaconsChanged(system_ids=[CAMERAS]))
    await _turns(lambda: _scanning(deps))
    await report_sighting(_heard(CAMERAS), deps)
    assert [e for e in fake_bus.published if isinstance(e, BeaconReceived)] == [
        BeaconReceived(system_id=CAMERAS, message_type=1, sequence=4, rssi_dbm=-50)
    ]


async def test_a_system_id_no_rule_waits_for_any_more_is_gone(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.publish(RuleBeaconsChanged(system_ids=[CAMERAS, 5]))
    await report_sighting(_heard(CAMERAS), deps)
    await fake_bus.publish(RuleBeaconsChanged(system_ids=[5]))
    assert fake_bus.state[f"ble.beacon.{CAMERAS}.presence_changed"] == BeaconPresenceChanged(
        system_id=CAMERAS, is_present=False
    )
    fake_bus.published.clear()
    await report_sighting(_heard(CAMERAS), deps)
    assert fake_bus.published == []


async def test_the_radio_stops_listening_when_nothing_is_watched(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.publish(RuleBeaconsChanged(system_ids=[CAMERAS]))
    await _turns(lambda: _scanning(deps))
    await fake_bus.publish(RuleBeaconsChanged(system_ids=[]))
    await _turns(lambda: not _scanning(deps))


async def test_a_start_takes_the_system_ids_events_last_told(
    fake_bus: FakeBus, tmp_db: Callable[[str], Path]
) -> None:
    await fake_bus.publish(RuleBeaconsChanged(system_ids=[CAMERAS]))  # kept in the KV bucket
    settings = BleSettings(db_path=tmp_db(MIGRATIONS), sim_repeat_s=60)
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        deps = await stack.enter_async_context(
            build_deps(settings, Runtime(fake_bus, sessions))  # type: ignore[arg-type]
        )
        await fake_bus.serve(HANDLERS, deps)
        await _turns(lambda: _scanning(deps))
        await report_sighting(_heard(CAMERAS), deps)
        assert any(isinstance(e, BeaconReceived) for e in fake_bus.published)
