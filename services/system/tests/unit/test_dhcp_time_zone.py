"""The time zone from DHCP: in force when the source says DHCP and the name is known."""

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.system import (
    GetTimeStatus,
    ListSystemLog,
    SetTimeSettings,
    TimeSettings,
    TimeZoneSource,
)
from actkit_system.adapters.sim import SimDhcpTimeZone, SimTimeKeeper
from actkit_system.handlers import Deps
from actkit_system.handlers.device import follow_dhcp_time_zone

DHCP_OSLO = TimeSettings(time_zone_source=TimeZoneSource.DHCP, time_zone="UTC")


def _parts(deps: Deps) -> tuple[SimDhcpTimeZone, SimTimeKeeper]:
    assert isinstance(deps.dhcp, SimDhcpTimeZone) and isinstance(deps.time, SimTimeKeeper)
    return deps.dhcp, deps.time


async def test_the_zone_dhcp_offers_is_in_force_with_the_dhcp_source(
    fake_bus: FakeBus, deps: Deps
) -> None:
    dhcp, clock = _parts(deps)
    await fake_bus.request(SetTimeSettings(settings=DHCP_OSLO))
    assert clock.time_zone == "UTC"  # DHCP offers nothing yet: the manual zone

    dhcp.zone = "Europe/Oslo"
    await follow_dhcp_time_zone(deps)

    status = await fake_bus.request(GetTimeStatus())
    assert (status.time_zone, status.dhcp_time_zone, status.time_zone_source) == (
        "Europe/Oslo",
        "Europe/Oslo",
        TimeZoneSource.DHCP,
    )
    assert status.utc_offset_s == 7200  # summer in Oslo (the test clock is in July)
    assert clock.time_zone == "Europe/Oslo"
    found = await fake_bus.request(ListSystemLog(text="from DHCP"))
    assert [entry.message for entry in found.entries] == ["time zone Europe/Oslo from DHCP"]

    dhcp.zone = None  # the new lease has no option 101: back to the manual zone
    await follow_dhcp_time_zone(deps)
    assert (await fake_bus.request(GetTimeStatus())).time_zone == "UTC"


async def test_a_manual_source_ignores_what_dhcp_offers(fake_bus: FakeBus, deps: Deps) -> None:
    dhcp, clock = _parts(deps)
    manual = DHCP_OSLO.model_copy(
        update={"time_zone_source": TimeZoneSource.MANUAL, "time_zone": "Asia/Tokyo"}
    )
    await fake_bus.request(SetTimeSettings(settings=manual))
    dhcp.zone = "Europe/Oslo"
    await follow_dhcp_time_zone(deps)
    status = await fake_bus.request(GetTimeStatus())
    assert (status.time_zone, status.dhcp_time_zone) == ("Asia/Tokyo", "Europe/Oslo")
    assert clock.time_zone == "Asia/Tokyo"

    await fake_bus.request(SetTimeSettings(settings=DHCP_OSLO))  # switching takes it at once
    assert clock.time_zone == "Europe/Oslo"


async def test_an_unknown_zone_from_dhcp_keeps_the_manual_one_and_says_so(
    fake_bus: FakeBus, deps: Deps
) -> None:
    dhcp, clock = _parts(deps)
    await fake_bus.request(SetTimeSettings(settings=DHCP_OSLO))
    dhcp.zone = "Mars/Olympus_Mons"
    await follow_dhcp_time_zone(deps)
    await follow_dhcp_time_zone(deps)  # read again: said once
    assert clock.time_zone == "UTC"
    found = await fake_bus.request(ListSystemLog(text="Mars/Olympus_Mons"))
    assert [entry.severity.value for entry in found.entries] == ["warning"]
