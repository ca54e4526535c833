"""The ble service with the simulated radio, over a real nats-server."""

from pathlib import Path

import httpx

from actkit_ble.main import serve
from actkit_ble.settings import BleSettings
from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.plugin import running
from actkit_proto import Conflict
from actkit_proto.ble import (
    AdapterStateChanged,
    BeaconPresenceChanged,
    BeaconSettings,
    BroadcastChanged,
    GetBeaconSettings,
    InjectBeacon,
    SetBeaconSettings,
    StartBroadcast,
)
from actkit_proto.events import RuleBeaconsChanged
from actkit_proto.service import GetServiceStatus


def _settings(nats_server: str, tmp_path: Path) -> BleSettings:
    return BleSettings(nats_url=nats_server, data_dir=tmp_path, metrics_port=0, max_broadcasts=1)


async def test_an_injected_beacon_becomes_present_and_the_settings_survive_a_restart(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    watch = BeaconSettings(watched_system_ids=[42], presence_timeout_ms=500)
    async with running(serve, _settings(nats_server, tmp_path)):
        await bus.request(SetBeaconSettings(settings=watch))
        await bus.request(InjectBeacon(system_id=42, message_type=1, sequence=9))
        [present] = await eventually(lambda: bus.current(BeaconPresenceChanged))
        assert (present.system_id, present.is_present) == (42, True)

        async def discovering() -> bool:
            # Kept without waiting: the bucket may be up to 20 ms behind the event.
            return [
                kept.state.is_discovering for kept in await bus.current(AdapterStateChanged)
            ] == [True]

        await eventually(discovering)
    async with running(serve, _settings(nats_server, tmp_path)):
        assert await bus.request(GetBeaconSettings()) == watch


async def test_broadcasts_are_kept_as_state_limited_and_counted_in_metrics(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    async with running(serve, _settings(nats_server, tmp_path)):
        await bus.request(StartBroadcast(system_id=1, broadcaster="rule:1"))
        try:
            await bus.request(StartBroadcast(system_id=2, broadcaster="rule:1"))
        except Conflict as exc:
            assert "stop one before starting System ID 2" in exc.message
        else:
            raise AssertionError("expected Conflict")
        [kept] = await bus.current(BroadcastChanged)
        assert (kept.system_id, kept.is_active, kept.message_type) == (1, True, 1)
        status = await bus.request(GetServiceStatus(service="ble"))
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"http://127.0.0.1:{status.metrics_port}/metrics")).text
    assert "actkit_ble_broadcasts_active 1.0" in text
    [updates] = [
        float(line.split()[1])
        for line in text.splitlines()
        if line.startswith("actkit_ble_payload_updates_total ")
    ]
    assert updates >= 1


async def test_the_system_ids_rules_wait_for_are_read_at_start_then_followed(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    # Told while ble was down: kept in the bucket, read when it starts.
    await bus.publish(RuleBeaconsChanged(system_ids=[42]))
    async with running(serve, _settings(nats_server, tmp_path)):
        assert (await bus.request(GetBeaconSettings())).watched_system_ids == []
        await bus.request(InjectBeacon(system_id=42, message_type=1, sequence=1))
        [present] = await eventually(lambda: bus.current(BeaconPresenceChanged))
        assert (present.system_id, present.is_present) == (42, True)

        await bus.publish(RuleBeaconsChanged(system_ids=[]))  # the rule was deleted

        async def gone() -> bool:
            [now] = await bus.current(BeaconPresenceChanged)
            return not now.is_present

        await eventually(gone)
