"""The beacon over real BlueZ: the kit and a camera on two of btvirt's controllers.

What only a real bluetoothd shows, and the dbusmock tests of the ble service cannot: that it
accepts the advertisement as the service builds it, that the bytes on the air are the documented
layout, that a payload change reaches a scanner without a new registration although each one
comes from a new random address, and that the broadcast returns by itself after bluetoothd or
the controller was gone.
"""

from __future__ import annotations

import asyncio
import time

from actkit_core.bus import Bus
from actkit_core.testing import dbus
from actkit_core.testing.eventually import eventually
from actkit_proto.beacon import AXIS_COMPANY_ID
from actkit_proto.ble import (
    Broadcast,
    GetAdapterState,
    ListBroadcasts,
    StartBroadcast,
    StopBroadcast,
)
from actkit_proto.events import (
    BeaconCondition,
    BroadcastAction,
    CreateRule,
    HoldIoAction,
    InputCondition,
    RuleSpec,
)
from actkit_proto.io import Circuit, DriveInput, GetPort

from .bluez import RESCAN_S, Camera, RadiosVm

SYSTEM_ID = 0x12345678
CAMERAS = 0x00C0FFEE


def documented(system_id: int, message_type: int, sequence: int, flags: int) -> bytes:
    """The payload as docs/beacon.md lays it out, byte by byte (not through the codec)."""
    return bytes([1, message_type]) + system_id.to_bytes(4, "little") + bytes([sequence, flags])


async def _active_instances(bluetoothd: RadiosVm) -> int:
    value = await dbus.call(
        bluetoothd.bus_address,
        "org.bluez",
        f"/org/bluez/{bluetoothd.kit}",
        "org.freedesktop.DBus.Properties",
        "Get",
        "ss",
        "org.bluez.LEAdvertisingManager1",
        "ActiveInstances",
    )
    return int(value.value)


def _registrations(bluetoothd: RadiosVm) -> int:
    # bluetoothd --debug logs "src/advertising.c:register_advertisement() ..." per registration.
    return bluetoothd.log.read_text(errors="replace").count(":register_advertisement(")


async def test_a_rule_on_an_input_broadcasts_the_documented_bytes_and_changes_them_in_place(
    kit: Bus, camera: Camera, bluetoothd: RadiosVm
) -> None:
    lightbar = BroadcastAction(system_id=SYSTEM_ID, message_type=1)
    rule = RuleSpec(name="Lightbar", conditions=[InputCondition(port_id=1)], action=lightbar)
    await kit.request(CreateRule(rule=rule))
    await camera.scan()
    await kit.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
    [sent] = await eventually(lambda: _broadcasts(kit))
    first = await camera.heard(AXIS_COMPANY_ID, documented(SYSTEM_ID, 1, sent.sequence, 1))
    registered = _registrations(bluetoothd)
    assert registered >= 1

    await kit.request(StartBroadcast(system_id=SYSTEM_ID, message_type=2, broadcaster="test"))
    changed = documented(SYSTEM_ID, 2, (sent.sequence + 1) % 256, 0)
    second = await camera.heard(AXIS_COMPANY_ID, changed, after_s=first.at_s)
    assert _registrations(bluetoothd) == registered
    assert await _active_instances(bluetoothd) == 1
    # A broadcast takes a new random address with each payload: a new Device1 for the camera.
    assert second.device != first.device


async def _broadcasts(kit: Bus) -> list[Broadcast]:
    return list((await kit.request(ListBroadcasts())).broadcasts)


async def test_a_camera_beacon_with_a_watched_system_id_fires_a_rule_that_holds_the_relay(
    kit: Bus, camera: Camera
) -> None:
    recording = BeaconCondition(system_id=CAMERAS, message_type=1)
    rule = RuleSpec(name="Cameras", conditions=[recording], action=HoldIoAction(port_id=9))
    await kit.request(CreateRule(rule=rule))
    # Not scanning: with it, RegisterAdvertisement on btvirt's controller was refused
    # ("Failed to register advertisement").
    await camera.broadcast(AXIS_COMPANY_ID, documented(CAMERAS, 1, 3, 0))

    async def relay_held() -> bool:
        return (await kit.request(GetPort(port_id=9))).is_active

    await eventually(relay_held, timeout_s=20)


# The broadcast coming back is what is tested, not how fast an emulated daemon starts under TCG on
# a busy host.
COMES_BACK_S = 60.0


async def test_the_broadcast_comes_back_by_itself_after_bluetoothd_restarts(
    kit: Bus, camera: Camera, bluetoothd: RadiosVm
) -> None:
    await camera.scan()
    await kit.request(StartBroadcast(system_id=SYSTEM_ID, message_type=1, broadcaster="test"))
    [sent] = await _broadcasts(kit)
    payload = documented(SYSTEM_ID, 1, sent.sequence, 1)
    await camera.heard(AXIS_COMPANY_ID, payload)

    await bluetoothd.stop_bluetoothd()
    await eventually(lambda: _is_absent(kit))
    await bluetoothd.start_bluetoothd()
    restarted_s = time.monotonic()
    # The camera's discovery went with the daemon. The kit registers its advertisement again as
    # the controller is powered, before the camera can scan: heard at a rescan (RESCAN_S).
    await camera.scan()
    await camera.heard(AXIS_COMPANY_ID, payload, after_s=restarted_s, timeout_s=COMES_BACK_S)


async def _is_absent(kit: Bus) -> bool:
    return not (await kit.request(GetAdapterState())).is_present


# This failed in two runs once (nothing heard within 60 s of the power-on): bluetoothd's Release of
# the advertisement could come after the power-on had been synced, and nothing registered it again.
# The radio now registers a released advertisement at once (a mock test covers the order).
async def test_the_broadcast_comes_back_by_itself_after_the_controller_is_powered_off_and_on(
    kit: Bus, camera: Camera, bluetoothd: RadiosVm
) -> None:
    await camera.scan()
    await kit.request(StartBroadcast(system_id=SYSTEM_ID, message_type=1, broadcaster="test"))
    [sent] = await _broadcasts(kit)
    payload = documented(SYSTEM_ID, 1, sent.sequence, 1)
    await camera.heard(AXIS_COMPANY_ID, payload)

    for is_powered in (False, True):
        await bluetoothd.power(bluetoothd.kit, is_powered)
    powered_s = time.monotonic()
    await camera.heard(AXIS_COMPANY_ID, payload, after_s=powered_s, timeout_s=COMES_BACK_S)
    assert await _active_instances(bluetoothd) == 1


async def test_stop_takes_the_beacon_off_the_air(
    kit: Bus, camera: Camera, bluetoothd: RadiosVm
) -> None:
    await camera.scan()
    await kit.request(StartBroadcast(system_id=SYSTEM_ID, message_type=1, broadcaster="test"))
    [sent] = await _broadcasts(kit)
    payload = documented(SYSTEM_ID, 1, sent.sequence, 1)
    await camera.heard(AXIS_COMPANY_ID, payload)

    await kit.request(StopBroadcast(system_id=SYSTEM_ID, broadcaster="test"))
    assert await _active_instances(bluetoothd) == 0
    # Reports already on their way may still arrive; after a moment nothing more does, also at
    # the starts of the camera's scan, where btvirt reports what is on the air. A beacon left on
    # the air was heard in 4 runs of 6 within five starts: ten are made.
    await asyncio.sleep(1)
    stopped_s = time.monotonic()
    for _ in range(10):
        await camera.rescan()
        await asyncio.sleep(RESCAN_S)
    late = [
        r for r in camera.reports if r.at_s > stopped_s and AXIS_COMPANY_ID in r.manufacturer_data
    ]
    assert late == []
