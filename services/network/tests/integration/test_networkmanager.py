import asyncio
import ipaddress
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.plugin import running
from actkit_network.adapters.networkmanager import NetworkManager
from actkit_network.main import serve
from actkit_proto.network import (
    AddFirewallRules,
    AddressChanged,
    DnsSettings,
    Dot1xMethod,
    Dot1xSettings,
    FirewallPolicy,
    FirewallProtocol,
    FirewallRule,
    GetNetworkStatus,
    HostnameSettings,
    Ipv4Settings,
    Ipv6Settings,
    LinkChanged,
    SetDns,
    SetFirewall,
    SetHostname,
    SetIpv4,
    WlanSecurity,
    WlanSettings,
)

from .conftest import NetworkManagerPeer

STATIC = Ipv4Settings(
    is_dhcp=False,
    address=ipaddress.IPv4Address("192.0.2.10"),
    subnet_mask=ipaddress.IPv4Address("255.255.255.0"),
    router=ipaddress.IPv4Address("192.0.2.1"),
)
NO_DOT1X = Dot1xSettings()
DNS = DnsSettings(
    is_auto=False, servers=[ipaddress.IPv4Address("192.0.2.53")], search_domains=["fleet.example"]
)


async def _is(read: Awaitable[object], expected: object) -> bool:
    return await read == expected


async def _applied(read: Callable[[], Awaitable[object]], expected: object) -> None:
    # NetworkManager applies a profile in steps (address, route, DNS); wait for all of them.
    await eventually(lambda: _is(read(), expected), timeout_s=15, interval_s=0.1)


async def test_a_static_ipv4_with_dns_is_applied_and_read_back(
    networkmanager: NetworkManager, networkmanager_peer: NetworkManagerPeer
) -> None:
    await networkmanager.apply_wired(STATIC, Ipv6Settings(is_auto=False), DNS, NO_DOT1X)
    await _applied(
        lambda: networkmanager.ipv4_of("eth0"), (["192.0.2.10/24"], "192.0.2.1", ["192.0.2.53"])
    )

    def routes_via_the_router() -> bool:
        routes = subprocess.run(
            ["ip", "-n", networkmanager_peer.namespace, "route"], capture_output=True, text=True
        ).stdout
        return "default via 192.0.2.1 dev eth0" in routes

    await eventually(routes_via_the_router, timeout_s=30, interval_s=0.1)
    [wired] = [i for i in await networkmanager.interfaces() if i.interface == "eth0"]
    assert (wired.is_up, wired.addresses) == (True, ["192.0.2.10/24"])


async def test_activation_is_reported_as_link_up_with_its_address(
    networkmanager: NetworkManager,
) -> None:
    await networkmanager.apply_wired(STATIC, Ipv6Settings(is_auto=False), DnsSettings(), NO_DOT1X)
    events = networkmanager.events()
    seen = [await asyncio.wait_for(anext(events), 30) for _ in range(2)]
    assert seen == [
        LinkChanged(interface="eth0", is_up=True),
        AddressChanged(interface="eth0", addresses=["192.0.2.10/24"]),
    ]


async def test_changing_the_address_updates_the_same_profile(
    networkmanager: NetworkManager,
) -> None:
    await networkmanager.apply_wired(STATIC, Ipv6Settings(), DnsSettings(), NO_DOT1X)
    await _applied(lambda: networkmanager.ipv4_of("eth0"), (["192.0.2.10/24"], "192.0.2.1", []))
    moved = STATIC.model_copy(update={"address": ipaddress.IPv4Address("192.0.2.20")})
    await networkmanager.apply_wired(moved, Ipv6Settings(), DnsSettings(), NO_DOT1X)
    await _applied(lambda: networkmanager.ipv4_of("eth0"), (["192.0.2.20/24"], "192.0.2.1", []))
    ids = [p["connection"]["id"].value for p in await networkmanager.stored_profiles()]
    assert [i for i in ids if i.startswith("actkit")] == ["actkit-wired"]


async def test_the_hostname_is_saved_and_read_back(networkmanager: NetworkManager) -> None:
    await networkmanager.apply_hostname("car-12")
    await _applied(networkmanager.hostname, "car-12")


async def test_a_wlan_profile_is_stored_for_when_the_cable_is_unplugged(
    networkmanager: NetworkManager,
) -> None:
    wlan = WlanSettings(
        ssid="depot", is_hidden=True, security=WlanSecurity.WPA2_PSK, passphrase="depot-secret"
    )
    await networkmanager.apply_wlan(wlan)
    stored = await networkmanager.stored_profile("actkit-wlan")
    assert stored is not None
    assert bytes(stored["802-11-wireless"]["ssid"].value) == b"depot"
    assert stored["802-11-wireless"]["hidden"].value is True
    assert stored["802-11-wireless-security"]["key-mgmt"].value == "wpa-psk"
    assert stored["connection"]["autoconnect-priority"].value == 5
    await networkmanager.apply_wlan(WlanSettings())
    assert await networkmanager.stored_profile("actkit-wlan") is None


async def test_the_service_applies_settings_from_the_bus_through_networkmanager(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    networkmanager: NetworkManager,
    networkmanager_peer: NetworkManagerPeer,
) -> None:
    settings = networkmanager_peer.service_settings(nats_server, tmp_path)
    async with running(serve, settings):
        await bus.request(SetIpv4(settings=STATIC, confirm=True))
        await bus.request(SetDns(settings=DNS))
        await bus.request(SetHostname(settings=HostnameSettings(is_auto=False, hostname="car-12")))
        await _applied(
            lambda: networkmanager.ipv4_of("eth0"),
            (["192.0.2.10/24"], "192.0.2.1", ["192.0.2.53"]),
        )
        status = await bus.request(GetNetworkStatus())
        await _applied(networkmanager.hostname, "car-12")
        [wired] = status.interfaces
        assert (wired.interface, wired.is_up, wired.addresses) == ("eth0", True, ["192.0.2.10/24"])
        await bus.request(
            SetFirewall(is_active=True, default_policy=FirewallPolicy.DENY, confirm=True)
        )
        rule = FirewallRule(protocol=FirewallProtocol.TCP, port=22)
        await bus.request(AddFirewallRules(rules=[rule]))
        listed = subprocess.run(
            ["ip", "netns", "exec", networkmanager_peer.namespace, "nft", "list", "ruleset"],
            capture_output=True,
            text=True,
        ).stdout
        assert "policy drop;" in listed
        assert "tcp dport 22 accept" in listed


async def test_peap_and_macsec_settings_are_stored_as_networkmanager_profiles(
    networkmanager: NetworkManager,
) -> None:
    peap = Dot1xSettings(
        is_enabled=True,
        method=Dot1xMethod.PEAP_MSCHAPV2,
        eap_identity="car-12",
        password="radius-secret",
        peap_version=1,
        peap_label=2,
        ca_certificates=["fleet-ca"],
    )
    await networkmanager.apply_wired(Ipv4Settings(), Ipv6Settings(), DnsSettings(), peap)
    wired = await networkmanager.stored_profile("actkit-wired")
    assert wired is not None
    dot1x = {key: variant.value for key, variant in wired["802-1x"].items()}
    assert dot1x["eap"] == ["peap"]
    assert (dot1x["identity"], dot1x["phase2-auth"]) == ("car-12", "mschapv2")
    assert (dot1x["phase1-peapver"], dot1x["phase1-peaplabel"]) == ("1", "1")
    assert bytes(dot1x["ca-cert"]).startswith(b"file://")
    assert "password" not in dot1x  # secrets are not handed out

    macsec = Dot1xSettings(
        is_enabled=True, method=Dot1xMethod.MACSEC_PSK, ckn="00" * 16, cak="ab" * 16
    )
    await networkmanager.apply_wired(Ipv4Settings(), Ipv6Settings(), DnsSettings(), macsec)
    stored = await networkmanager.stored_profile("actkit-macsec")
    assert stored is not None
    assert stored["macsec"]["parent"].value == "eth0"
    assert stored["macsec"]["mka-ckn"].value == "00" * 16
    wired = await networkmanager.stored_profile("actkit-wired")
    assert wired is not None and "802-1x" not in wired
