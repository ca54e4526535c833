"""The ble service on BlueZ: a private dbus-daemon, a BlueZ mock, a real nats-server.

These run in ``make test`` in seconds, on python-dbusmock's BlueZ. Real bluetoothd is
tested in the radios VM (``make test-radios``, tests/radios): it checks what the mock accepts
without reading (the advertisement's properties, the bytes on the air, new random addresses per
payload, restarts and power cycles of the real daemon and controller). What stays here is
what the real stack cannot do there: RSSI values (btvirt reports 127, "not available", so the
threshold and the reported strength are tested only with the mock's injected devices), injected
D-Bus calls and counts of them (``GetCalls``), and BlueZ being away when a broadcast is asked for.
"""

import asyncio
import contextlib
import gc
import warnings
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from dbus_fast import Variant

from actkit_ble.adapters.bluez import BluezRadio
from actkit_ble.main import serve
from actkit_ble.ports import Sighting
from actkit_ble.settings import BleSettings
from actkit_core.bus import Bus
from actkit_core.testing import dbus
from actkit_core.testing.dbus import DbusDaemon, DbusMock
from actkit_core.testing.eventually import eventually
from actkit_core.testing.plugin import running
from actkit_proto import Unavailable
from actkit_proto.beacon import AXIS_COMPANY_ID, TEST_COMPANY_ID, Beacon, decode, encode
from actkit_proto.ble import (
    BeaconPresenceChanged,
    BeaconReceived,
    BeaconSettings,
    GetAdapterState,
    ListBroadcasts,
    SetBeaconSettings,
    StartBroadcast,
    StopBroadcast,
)

TEMPLATE = Path(__file__).parents[1] / "fixtures" / "bluez_beacons.py"
T = TypeVar("T")


async def _call(
    address: str, path: str, interface: str, member: str, signature: str = "", *body: Any
) -> Any:
    """Call the mock from the test's own loop (dbus-fast), as the service calls BlueZ."""
    return await dbus.call(address, "org.bluez", path, interface, member, signature, *body)


def _add_adapters(mock: DbusMock) -> None:
    for name in ("hci0", "hci1"):
        mock.call("org.bluez", "/", "org.bluez.Mock.AddAdapter", f"string:{name}", "string:w401")


async def _calls(mock: DbusMock, method: str, adapter: str = "hci0") -> list[Any]:
    log = await _call(
        mock.address, f"/org/bluez/{adapter}", "org.freedesktop.DBus.Mock", "GetCalls"
    )
    return [[arg.value for arg in args] for _, name, args in log if name == method]


@pytest.fixture
def bluez(dbus_daemon: str, tmp_path: Path) -> Iterator[DbusMock]:
    """dbusmock's BlueZ with two controllers: hci0 for the service, hci1 for a neighbour."""
    mock = DbusMock(dbus_daemon, TEMPLATE, "org.bluez", log_file=tmp_path / "bluez.log")
    mock.start()
    _add_adapters(mock)
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture
def settings(nats_server: str, dbus_daemon: str, tmp_path: Path) -> BleSettings:
    return BleSettings(
        nats_url=nats_server,
        data_dir=tmp_path,
        metrics_port=0,
        adapter="bluez",
        dbus_address=dbus_daemon,
        controller="hci0",
    )


@contextlib.asynccontextmanager
async def _neighbour(address: str) -> AsyncIterator[list[Sighting]]:
    """A second radio on hci1 that scans, as a body worn camera nearby would."""
    heard: list[Sighting] = []
    async with BluezRadio.open("hci1", address) as radio:
        await radio.scan(True)

        async def listen() -> None:
            async for sighting in radio.sightings():
                heard.append(sighting)

        task = asyncio.create_task(listen())
        try:
            yield heard
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _beacons(heard: list[Sighting], company_id: int = AXIS_COMPANY_ID) -> list[Beacon]:
    found = []
    for sighting in heard:
        payload = sighting.manufacturer_data.get(company_id)
        if payload is not None:
            found.append(decode(payload))
    return found


async def test_the_advertisement_is_registered_with_the_exact_bytes_and_changed_in_place(
    bus: Bus, bluez: DbusMock, settings: BleSettings
) -> None:
    async with running(serve, settings), _neighbour(bluez.address) as heard:
        await bus.request(StartBroadcast(system_id=0x12345678, message_type=1, broadcaster="r:1"))
        [first] = (await bus.request(ListBroadcasts())).broadcasts
        expected = encode(Beacon(0x12345678, 1, first.sequence, flags=1))
        await eventually(lambda: _beacons(heard))
        assert heard[-1].manufacturer_data == {AXIS_COMPANY_ID: expected}

        await bus.request(StartBroadcast(system_id=0x12345678, message_type=2, broadcaster="r:2"))
        changed = Beacon(0x12345678, 2, (first.sequence + 1) % 256)
        await eventually(lambda: changed in _beacons(heard))
        assert len(await _calls(bluez, "RegisterAdvertisement")) == 1
        state = await bus.request(GetAdapterState())
        assert (state.is_present, state.is_powered, state.advertising_instances) == (True, True, 1)

        await bus.request(StopBroadcast(system_id=0x12345678, broadcaster="r:1"))
        await bus.request(StopBroadcast(system_id=0x12345678, broadcaster="r:2"))
        assert len(await _calls(bluez, "UnregisterAdvertisement")) == 1


async def test_the_advertisement_is_released_when_the_service_stops(
    bus: Bus, bluez: DbusMock, settings: BleSettings
) -> None:
    async with _neighbour(bluez.address) as heard, running(serve, settings):
        await bus.request(StartBroadcast(system_id=7, broadcaster="r:1"))
        # Stop only once the mock has shown the advertisement to its neighbour: the mock
        # can stall when its advertiser leaves while it is still reading the advertisement.
        await eventually(lambda: _beacons(heard))
    assert len(await _calls(bluez, "UnregisterAdvertisement")) == 1


async def test_a_watched_beacon_is_received_others_ignored_and_gone_after_the_timeout(
    bus: Bus, bluez: DbusMock, settings: BleSettings
) -> None:
    received: list[BeaconReceived] = []

    async def collect(event: BeaconReceived) -> None:
        received.append(event)

    await bus.subscribe(BeaconReceived, collect)
    async with running(serve, settings):
        await bus.request(
            SetBeaconSettings(
                settings=BeaconSettings(
                    company_id=TEST_COMPANY_ID, watched_system_ids=[7], presence_timeout_ms=500
                )
            )
        )
        await eventually(lambda: _calls(bluez, "StartDiscovery"))
        filters = await _calls(bluez, "SetDiscoveryFilter")
        assert filters[-1][0]["Transport"].value == "le"
        assert filters[-1][0]["DuplicateData"].value is True
        for address, system_id in (("AC:CC:8E:00:00:08", 8), ("AC:CC:8E:00:00:07", 7)):
            await _call(
                bluez.address,
                "/",
                "org.bluez.Mock",
                "AddBeaconDevice",
                "ssnqay",
                "hci0",
                address,
                -55,
                TEST_COMPANY_ID,
                encode(Beacon(system_id, 1, 5)),
            )
        present = await eventually(lambda: bus.current(BeaconPresenceChanged, system_id="7"))
        assert present == [BeaconPresenceChanged(system_id=7, is_present=True, message_type=1)]
        await bus.client.flush()
        assert received == [BeaconReceived(system_id=7, message_type=1, sequence=5, rssi_dbm=-55)]
        gone = BeaconPresenceChanged(system_id=7, is_present=False)
        await eventually(lambda: _is(bus.current(BeaconPresenceChanged, system_id="7"), [gone]))
        assert await bus.current(BeaconPresenceChanged, system_id="8") == []


async def _is(current: Awaitable[list[T]], expected: list[T]) -> bool:
    return await current == expected


async def test_advertising_is_restored_when_bluez_restarts(
    bus: Bus, bluez: DbusMock, settings: BleSettings
) -> None:
    async with running(serve, settings):
        await bus.request(StartBroadcast(system_id=7, message_type=1, broadcaster="r:1"))
        await eventually(lambda: _calls(bluez, "RegisterAdvertisement"))
        await asyncio.to_thread(bluez.stop)
        state = await eventually(lambda: _absent(bus))
        assert state.advertising_instances == 0
        await asyncio.to_thread(bluez.start)
        await asyncio.to_thread(_add_adapters, bluez)
        await eventually(lambda: _calls(bluez, "RegisterAdvertisement"))
        restored = await eventually(lambda: _advertising(bus))
        assert restored.is_present


async def test_an_advertisement_bluez_releases_is_registered_again_at_once(
    bus: Bus, bluez: DbusMock, settings: BleSettings
) -> None:
    async with running(serve, settings), _neighbour(bluez.address) as heard:
        await bus.request(StartBroadcast(system_id=7, message_type=1, broadcaster="r:1"))
        await eventually(lambda: _beacons(heard))
        released = bluez.call(
            "org.bluez", "/", "org.bluez.Mock.ReleaseAdvertisements", "string:hci0"
        )
        assert released.endswith("uint32 1")
        await eventually(lambda: _count(bluez, "RegisterAdvertisement", 2))
        await eventually(lambda: _advertising(bus))


async def test_advertising_is_restored_when_the_controller_is_powered_on_again(
    bus: Bus, bluez: DbusMock, settings: BleSettings
) -> None:
    async with running(serve, settings):
        await bus.request(StartBroadcast(system_id=7, broadcaster="r:1"))
        await _power_cycle(bluez, bus)
        # BlueZ kept it through the power cycle ("already exists"): it is registered anew, as
        # bluetoothd 5.66 was seen not to send a kept one again.
        await eventually(lambda: _count(bluez, "RegisterAdvertisement", 3))
        assert len(await _calls(bluez, "UnregisterAdvertisement")) == 1
        await eventually(lambda: _advertising(bus))


async def test_a_restore_bluez_refuses_is_tried_again_until_it_holds(
    bus: Bus, bluez: DbusMock, settings: BleSettings
) -> None:
    async with running(serve, settings):
        await bus.request(StartBroadcast(system_id=7, broadcaster="r:1"))
        await eventually(lambda: _count(bluez, "RegisterAdvertisement", 1))
        # bluetoothd coming back refuses registrations for a while (or does not answer in time).
        bluez.call(
            "org.bluez", "/", "org.bluez.Mock.RefuseRegistrations", "string:hci0", "uint32:2"
        )
        await _power_cycle(bluez, bus)
        # Two refused, the third (after 0.5 s and 1 s) answered that BlueZ holds it already
        # (the mock, as bluetoothd, keeps it through the power cycle): registered anew.
        await eventually(lambda: _count(bluez, "RegisterAdvertisement", 5))
        await eventually(lambda: _advertising(bus))


async def _power_cycle(bluez: DbusMock, bus: Bus) -> None:
    """hci0 powered off (the service sees it) and on again."""
    for is_powered in (False, True):
        await _call(
            bluez.address,
            "/org/bluez/hci0",
            "org.freedesktop.DBus.Mock",
            "UpdateProperties",
            "sa{sv}",
            "org.bluez.Adapter1",
            {"Powered": Variant("b", is_powered)},
        )
        if not is_powered:
            await eventually(lambda: _not_powered(bus))


async def _count(mock: DbusMock, method: str, count: int) -> bool:
    return len(await _calls(mock, method)) == count


async def _absent(bus: Bus) -> Any:
    state = await bus.request(GetAdapterState())
    return state if not state.is_present else None


async def _not_powered(bus: Bus) -> bool:
    return not (await bus.request(GetAdapterState())).is_powered


async def _advertising(bus: Bus) -> Any:
    state = await bus.request(GetAdapterState())
    return state if state.advertising_instances == 1 else None


async def test_a_broadcast_asked_for_while_bluez_is_away_is_sent_when_it_returns(
    bus: Bus, bluez: DbusMock, settings: BleSettings
) -> None:
    async with running(serve, settings):
        await asyncio.to_thread(bluez.stop)
        await eventually(lambda: _absent(bus))
        with pytest.raises(Unavailable, match="will be sent as soon as it is back"):
            await bus.request(StartBroadcast(system_id=7, broadcaster="r:1"))
        await asyncio.to_thread(bluez.start)
        await asyncio.to_thread(_add_adapters, bluez)
        await eventually(lambda: _calls(bluez, "RegisterAdvertisement"))
        await eventually(lambda: _advertising(bus))


async def test_advertising_is_restored_when_the_system_bus_restarts(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    system_bus = DbusDaemon(tmp_path / "system-bus")
    (tmp_path / "system-bus").mkdir()
    address = system_bus.start()
    bluez = DbusMock(address, TEMPLATE, "org.bluez", log_file=tmp_path / "bluez.log")
    settings = BleSettings(
        nats_url=nats_server,
        data_dir=tmp_path,
        metrics_port=0,
        adapter="bluez",
        dbus_address=address,
        controller="hci0",
    )
    try:
        await asyncio.to_thread(bluez.start)
        await asyncio.to_thread(_add_adapters, bluez)
        async with running(serve, settings):
            await bus.request(StartBroadcast(system_id=7, message_type=1, broadcaster="r:1"))
            await eventually(lambda: _calls(bluez, "RegisterAdvertisement"))
            await asyncio.to_thread(bluez.stop)
            await asyncio.to_thread(system_bus.stop)
            await eventually(lambda: _absent(bus))

            await asyncio.to_thread(system_bus.start)
            await asyncio.to_thread(bluez.start)
            await asyncio.to_thread(_add_adapters, bluez)
            await eventually(lambda: _calls(bluez, "RegisterAdvertisement"))
            restored = await eventually(lambda: _advertising(bus))
            assert restored.is_present
            assert (await bus.request(ListBroadcasts())).broadcasts[0].system_id == 7
    finally:
        bluez.stop()
        system_bus.stop()


async def test_a_restore_spawned_as_the_radio_closes_leaves_no_coroutine_unawaited(
    bluez: DbusMock, dbus_daemon: str
) -> None:
    # A signal's restore arriving as the service stops: its task is cancelled before it starts.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with BluezRadio.open("hci0", dbus_daemon) as radio:
            radio._spawn(radio._sync())
        await asyncio.sleep(0)
        gc.collect()
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []
