import ipaddress

from actkit_core.testing.fake_bus import FakeBus
from actkit_network.adapters.sim import SimDnsUpdater
from actkit_network.domain.ddns import DnsRegistration
from actkit_network.handlers import Deps
from actkit_network.handlers.announce import report_network_event
from actkit_proto.network import (
    AddressChanged,
    DnsSettings,
    HostnameSettings,
    Ipv4Settings,
    SetDns,
    SetHostname,
    SetIpv4,
)

MANUAL_DNS = DnsSettings(
    is_auto=False, servers=[ipaddress.IPv4Address("192.0.2.53")], search_domains=["fleet.example"]
)
DDNS = HostnameSettings(is_ddns_enabled=True, ddns_name="car-12", ddns_ttl_s=120)


def updater(deps: Deps) -> SimDnsUpdater:
    assert isinstance(deps.ddns, SimDnsUpdater)
    return deps.ddns


async def test_nothing_is_sent_until_dynamic_dns_is_on(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(SetDns(settings=MANUAL_DNS))
    await fake_bus.request(SetHostname(settings=HostnameSettings(ddns_name="car-12")))
    assert updater(deps).registered == []


async def test_the_name_is_registered_at_the_first_server_in_the_search_domain(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(SetDns(settings=MANUAL_DNS))
    await fake_bus.request(SetHostname(settings=DDNS))
    assert updater(deps).registered == [
        DnsRegistration("192.0.2.53", "fleet.example", "car-12", 120, ("192.168.0.90",))
    ]


async def test_a_new_address_is_registered(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(SetDns(settings=MANUAL_DNS))
    await fake_bus.request(SetHostname(settings=DDNS))
    static = Ipv4Settings(
        is_dhcp=False,
        address=ipaddress.IPv4Address("192.0.2.10"),
        subnet_mask=ipaddress.IPv4Address("255.255.255.0"),
    )
    await fake_bus.request(SetIpv4(settings=static, confirm=True))
    await report_network_event(AddressChanged(interface="eth0", addresses=["192.0.2.10/24"]), deps)
    assert updater(deps).registered[-1].addresses == ("192.0.2.10",)


async def test_automatic_dns_names_no_server_so_nothing_is_sent(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(SetHostname(settings=DDNS))
    await report_network_event(AddressChanged(interface="eth0", addresses=["192.0.2.10/24"]), deps)
    assert updater(deps).registered == []
