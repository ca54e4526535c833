"""One device, one identity, one clock: every service tells what the system service tells."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_core.testing.stack import Stack
from actkit_proto.events import CreateSchedule, GetSchedule, TimeRange, WeeklySchedule
from actkit_proto.mqtt import MessageSpec, SetClientSettings
from actkit_proto.network import GetDiscovery
from actkit_proto.service import GetServiceStatus
from actkit_proto.services import SERVICE_NAMES
from actkit_proto.system import (
    GetIdentity,
    GetServerReport,
    GetTimeSettings,
    SetTimeSettings,
)

TEST_TIMEOUT_S = 120
pytestmark = pytest.mark.timeout(TEST_TIMEOUT_S)

FIRST_ADMINISTRATOR = "action=add&user=root&pwd=pass-w0rd&grp=root&sgrp=admin:operator:viewer"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


async def test_every_service_tells_the_system_services_serial_number_and_version(
    stack: Stack, mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        identity = await bus.request(GetIdentity())
        serial, version = identity.serial_number, identity.software_version

        discovery = await bus.request(GetDiscovery())
        assert discovery.upnp_name == discovery.bonjour_name == f"AXIS W401 - {serial}"

        report = (await bus.request(GetServerReport())).text
        assert f"Serial number: {serial}\n" in report
        assert f"Software version: {version} " in report

        for name in SERVICE_NAMES:
            assert (await bus.request(GetServiceStatus(service=name))).version == version, name

        mqtt_peer.subscribe("+/+/event/connection")
        await bus.request(
            SetClientSettings(
                is_enabled=True,
                host=mosquitto.host,
                port=mosquitto.tcp_port,
                connect_message=MessageSpec(is_enabled=True),  # below the device topic prefix
            ),
            timeout_s=10,
        )
        await eventually(lambda: mqtt_peer.messages, timeout_s=TEST_TIMEOUT_S)
        hello = mqtt_peer.messages[0]
        assert hello.topic == f"axis/{serial}/event/connection"
        assert json.loads(hello.payload)["serial"] == serial
        await bus.request(SetClientSettings(is_enabled=False))

    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        created = await http.post(
            stack.https_url + "axis-cgi/pwdgrp.cgi",
            content=FIRST_ADMINISTRATOR,
            headers={"Content-Type": "text/plain"},
        )
        assert created.status_code == 200, created.text
        auth = httpx.DigestAuth("root", "pass-w0rd")
        info = await http.post(
            stack.https_url + "axis-cgi/basicdeviceinfo.cgi",
            json={"apiVersion": "1.1", "context": "test", "method": "getAllProperties"},
            auth=auth,
        )
        properties = info.json()["data"]["propertyList"]
        assert (properties["SerialNumber"], properties["Version"]) == (serial, version)
        params = await http.get(
            stack.https_url + "axis-cgi/param.cgi?action=list&group=root.Properties", auth=auth
        )
        lines = params.text.splitlines()
        assert f"root.Properties.System.SerialNumber={serial}" in lines
        assert f"root.Properties.Firmware.Version={version}" in lines
        status = await http.get(stack.https_url + "status", auth=auth)
        assert status.status_code == 200, status.text
        assert f'<dd id="serial">{serial}</dd>' in status.text
        assert f'<dd id="firmware">{version}</dd>' in status.text


def _hour_around_now(zone: str) -> TimeRange:
    """From half an hour ago to half an hour ahead, on the wall clock of ``zone``."""
    start = datetime.now(UTC).astimezone(ZoneInfo(zone)) - timedelta(minutes=30)
    end = start + timedelta(hours=1)
    return TimeRange(days=[WEEKDAYS[start.weekday()]], start=f"{start:%H:%M}", end=f"{end:%H:%M}")


async def test_a_schedule_without_a_zone_follows_the_device_zone_and_its_changes(
    stack: Stack,
) -> None:
    # Tokyo (UTC+9), UTC and Honolulu (UTC-10) keep no daylight saving time and are hours
    # apart: an hour around now in Tokyo is neither now in UTC nor now in Honolulu.
    tokyo_hour = _hour_around_now("Asia/Tokyo")
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        device = await bus.request(GetTimeSettings())
        assert device.time_zone == "UTC"
        follows = await bus.request(
            CreateSchedule(schedule=WeeklySchedule(name="Tokyo shift", ranges=[tokyo_hour]))
        )
        assert isinstance(follows.schedule, WeeklySchedule)
        assert follows.schedule.time_zone is None
        assert not follows.is_active
        own = await bus.request(
            CreateSchedule(
                schedule=WeeklySchedule(
                    name="Own zone", time_zone="Asia/Tokyo", ranges=[tokyo_hour]
                )
            )
        )
        assert own.is_active

        async def is_active(schedule_id: int) -> bool:
            return (await bus.request(GetSchedule(schedule_id=schedule_id))).is_active

        async def follows_is_active() -> bool:
            return await is_active(follows.schedule_id)

        async def follows_is_inactive() -> bool:
            return not await is_active(follows.schedule_id)

        def zone(name: str) -> SetTimeSettings:
            return SetTimeSettings(settings=device.model_copy(update={"time_zone": name}))

        await bus.request(zone("Asia/Tokyo"))
        # A change travels over the bus to another service: wait for it as long as the test may.
        await eventually(follows_is_active, timeout_s=TEST_TIMEOUT_S)  # into Tokyo with the device
        await bus.request(zone("Pacific/Honolulu"))
        await eventually(follows_is_inactive, timeout_s=TEST_TIMEOUT_S)  # on to Honolulu
        assert await is_active(own.schedule_id)  # a schedule with its own zone keeps it

        # Every service keeps the device's clock as its local time.
        async def every_service_is_in_honolulu() -> bool:
            statuses = [await bus.request(GetServiceStatus(service=n)) for n in SERVICE_NAMES]
            return all(status.time_zone == "Pacific/Honolulu" for status in statuses)

        await eventually(every_service_is_in_honolulu, timeout_s=TEST_TIMEOUT_S)
