"""The network service in the whole stack: a restore from system keeps the manual's list."""

from __future__ import annotations

import ipaddress

from actkit_core.bus import Bus
from actkit_core.testing.stack import Stack
from actkit_proto.network import (
    GetHostname,
    GetIpv4,
    HostnameSettings,
    Ipv4Settings,
    SetHostname,
    SetIpv4,
)
from actkit_proto.system import Restore

STATIC = Ipv4Settings(
    is_dhcp=False,
    address=ipaddress.IPv4Address("192.0.2.10"),
    subnet_mask=ipaddress.IPv4Address("255.255.255.0"),
    router=ipaddress.IPv4Address("192.0.2.1"),
)


async def test_a_restore_keeps_the_static_address_and_resets_the_hostname(stack: Stack) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        await bus.request(SetIpv4(settings=STATIC))
        await bus.request(SetHostname(settings=HostnameSettings(is_auto=False, hostname="car-12")))
        result = await bus.request(Restore(), timeout_s=30)
        assert "network" in result.restored
        assert await bus.request(GetIpv4()) == STATIC
        assert await bus.request(GetHostname()) == HostnameSettings()
