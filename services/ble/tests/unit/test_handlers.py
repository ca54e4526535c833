import pytest

from actkit_ble.adapters.sim import SimRadio
from actkit_ble.handlers import Deps
from actkit_ble.handlers.broadcasts import expire_due
from actkit_ble.handlers.reception import report_sighting
from actkit_ble.ports import Sighting
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.eventually import eventually
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, Invalid
from actkit_proto.beacon import TEST_COMPANY_ID, Beacon, decode, encode
from actkit_proto.ble import (
    AdapterStateChanged,
    BeaconPresenceChanged,
    BeaconReceived,
    BeaconSettings,
    BroadcastChanged,
    GetAdapterState,
    GetBeaconSettings,
    InjectBeacon,
    ListBroadcasts,
    ListReceivedBeacons,
    ReceivedBeacon,
    SetBeaconSettings,
    StartBroadcast,
    StopBroadcast,
)
from actkit_proto.params import RestoreScope, RestoreSettings

WATCH_7 = BeaconSettings(company_id=TEST_COMPANY_ID, watched_system_ids=[7])


def _radio(deps: Deps) -> SimRadio:
    assert isinstance(deps.radio, SimRadio)
    return deps.radio


def _sent(deps: Deps) -> dict[int, Beacon]:
    return {key: decode(payload) for key, (_, payload) in _radio(deps).advertisements.items()}


async def test_a_broadcast_is_sent_with_the_message_type_and_told_on_the_bus(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(StartBroadcast(system_id=7, message_type=1, broadcaster="rule:1"))
    [beacon] = _sent(deps).values()
    assert (beacon.system_id, beacon.message_type, beacon.flags) == (7, 1, 1)
    assert _radio(deps).advertisements[7][0] == 0x0D5B
    changed = [e for e in fake_bus.published if isinstance(e, BroadcastChanged)]
    assert changed == [
        BroadcastChanged(system_id=7, is_active=True, message_type=1, sequence=beacon.sequence)
    ]


async def test_a_second_broadcaster_changes_the_payload_in_place_with_the_next_sequence(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(StartBroadcast(system_id=7, message_type=1, broadcaster="rule:1"))
    first = _sent(deps)[7]
    await fake_bus.request(StartBroadcast(system_id=7, message_type=2, broadcaster="rule:2"))
    second = _sent(deps)[7]
    assert second.message_type == 2
    assert second.sequence == (first.sequence + 1) % 256
    await fake_bus.request(StopBroadcast(system_id=7, broadcaster="rule:2"))
    assert _sent(deps)[7].message_type == 1
    await fake_bus.request(StopBroadcast(system_id=7, broadcaster="rule:1"))
    assert _sent(deps) == {}
    assert fake_bus.state["ble.broadcast.7.changed"] == BroadcastChanged(
        system_id=7, is_active=False
    )
    assert (await fake_bus.request(ListBroadcasts())).broadcasts == []


async def test_the_controller_being_full_is_a_conflict_and_leaves_nothing_behind(
    fake_bus: FakeBus, deps: Deps
) -> None:
    deps.broadcasts.max_system_ids = 10
    for system_id in range(4):
        await fake_bus.request(StartBroadcast(system_id=system_id, broadcaster="a"))
    with pytest.raises(Conflict, match="at most 4 advertisements"):
        await fake_bus.request(StartBroadcast(system_id=9, broadcaster="a"))
    assert [b.system_id for b in (await fake_bus.request(ListBroadcasts())).broadcasts] == [
        0,
        1,
        2,
        3,
    ]


async def test_a_timed_broadcast_stops_by_itself(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock
) -> None:
    await fake_bus.request(StartBroadcast(system_id=7, broadcaster="once", duration_ms=2000))
    clock.advance(1.9)
    assert await expire_due(deps) == pytest.approx(clock.monotonic() + 0.1)
    clock.advance(0.1)
    await expire_due(deps)
    assert _sent(deps) == {}


async def test_a_broadcaster_name_with_spaces_is_invalid(fake_bus: FakeBus, deps: Deps) -> None:
    with pytest.raises(Invalid, match="broadcaster"):
        await fake_bus.request(StartBroadcast.model_construct(system_id=7, broadcaster="a b"))


async def test_settings_are_kept_and_watching_starts_the_scan(
    fake_bus: FakeBus, deps: Deps
) -> None:
    assert (await fake_bus.request(GetBeaconSettings())).watched_system_ids == []
    await fake_bus.request(SetBeaconSettings(settings=WATCH_7))
    assert await deps.store.load() == WATCH_7
    assert (await fake_bus.request(GetAdapterState())).is_discovering or any(
        isinstance(e, AdapterStateChanged) for e in fake_bus.published
    )
    # The radio watchers run as their own tasks: give them turns of the loop, not wall time.
    await eventually(lambda: deps.adapter_state.is_discovering, timeout_s=1, interval_s=0)


async def test_a_new_company_id_is_sent_at_once(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(StartBroadcast(system_id=7, broadcaster="rule:1"))
    await fake_bus.request(SetBeaconSettings(settings=WATCH_7))
    assert _radio(deps).advertisements[7][0] == TEST_COMPANY_ID


async def test_an_injected_beacon_is_received_then_gone_after_the_timeout(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock
) -> None:
    await fake_bus.request(SetBeaconSettings(settings=WATCH_7))
    await fake_bus.request(InjectBeacon(system_id=7, message_type=1, sequence=3, rssi_dbm=-55))
    await fake_bus.request(InjectBeacon(system_id=8, message_type=1))
    await eventually(
        lambda: "ble.beacon.7.presence_changed" in fake_bus.state, timeout_s=1, interval_s=0
    )
    received = [e for e in fake_bus.published if isinstance(e, BeaconReceived)]
    assert received == [BeaconReceived(system_id=7, message_type=1, sequence=3, rssi_dbm=-55)]
    clock.advance(1)
    listed = await fake_bus.request(ListReceivedBeacons())
    assert listed.watched_system_ids == [7]
    assert listed.beacons == [
        ReceivedBeacon(system_id=7, message_type=1, sequence=3, rssi_dbm=-55, seen_s_ago=1)
    ]
    clock.advance(2)
    await expire_due(deps)
    assert fake_bus.state["ble.beacon.7.presence_changed"] == BeaconPresenceChanged(
        system_id=7, is_present=False
    )
    assert (await fake_bus.request(ListReceivedBeacons())).beacons == []


async def test_the_sim_receiver_hears_this_devices_own_broadcast(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(SetBeaconSettings(settings=WATCH_7))
    await fake_bus.request(StartBroadcast(system_id=7, message_type=1, broadcaster="rule:1"))
    await eventually(
        lambda: "ble.beacon.7.presence_changed" in fake_bus.state, timeout_s=1, interval_s=0
    )
    present = fake_bus.state["ble.beacon.7.presence_changed"]
    assert isinstance(present, BeaconPresenceChanged) and present.message_type == 1


async def test_a_malformed_report_is_counted_not_raised(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(SetBeaconSettings(settings=WATCH_7))
    fake_bus.published.clear()
    await report_sighting(Sighting({TEST_COMPANY_ID: b"\xff" * 3}, -40), deps)
    await report_sighting(Sighting({TEST_COMPANY_ID: encode(Beacon(7, 1, 0))}, -40), deps)
    assert [type(e) for e in fake_bus.published] == [BeaconReceived, BeaconPresenceChanged]


@pytest.mark.parametrize("scope", list(RestoreScope))
async def test_restore_puts_the_beacon_settings_back_to_defaults_and_stores_them(
    fake_bus: FakeBus, deps: Deps, scope: RestoreScope
) -> None:
    changed = WATCH_7.model_copy(update={"presence_timeout_ms": 9000, "min_rssi_dbm": -70})
    await fake_bus.request(SetBeaconSettings(settings=changed))
    await fake_bus.request(StartBroadcast(system_id=7, broadcaster="rule:1"))

    await fake_bus.request(RestoreSettings(service="ble", scope=scope))

    assert await fake_bus.request(GetBeaconSettings()) == BeaconSettings()
    assert await deps.store.load() == BeaconSettings()
    assert _radio(deps).advertisements[7][0] == BeaconSettings().company_id
