"""WLAN through real NetworkManager on mac80211_hwsim radios, with hostapd's networks in range.

What only a real NetworkManager and wpa_supplicant show, and the dbusmock tests of the network
service cannot: that a scan waits for the radio's results, that the profiles the service writes
join an open, a WPA2-PSK and a hidden network, what NetworkManager says when the passphrase is
wrong (and that it leaves the device with no network), and how the cable's carrier moves the kit
between the wired and the wireless network.
"""

from __future__ import annotations

import ipaddress

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_proto import Invalid
from actkit_proto.network import (
    GetWlan,
    Ipv4Settings,
    LinkChanged,
    ScanWlan,
    SetIpv4,
    SetWlan,
    WlanConnected,
    WlanDisconnected,
    WlanNetworkSeen,
    WlanSecurity,
    WlanSettings,
)

from .wlan import ACTIVATED, DISCONNECTED, WIRED, WIRELESS, NetworkManagerVm, networks

# Each join takes seconds, and tens of them under emulation on a busy machine (the first test also
# waits for NetworkManager to start): a test that joins twice and fails once needs more than 120 s.
pytestmark = pytest.mark.timeout(300)

NETWORKS = networks()
OPEN, HIDDEN, PSK = NETWORKS["actkit-open"], NETWORKS["actkit-hidden"], NETWORKS["actkit-psk"]
ENTERPRISE = NETWORKS["actkit-enterprise"]
NAMED = sorted(ssid for ssid, network in NETWORKS.items() if not network.is_hidden)
JOIN_TIMEOUT_S = 90.0
"""Joining under emulation on a loaded machine: association, the handshake, the address."""


def _wlan(ssid: str, passphrase: str | None, *, is_hidden: bool = False) -> WlanSettings:
    """A network to join, with a static address (no DHCP server serves the radios)."""
    return WlanSettings(
        ssid=ssid,
        is_hidden=is_hidden,
        security=WlanSecurity.WPA2_PSK if passphrase else WlanSecurity.OPEN,
        passphrase=passphrase,
        ipv4=Ipv4Settings(
            is_dhcp=False,
            address=ipaddress.IPv4Address("198.51.100.10"),
            subnet_mask="255.255.255.0",
        ),
    )


async def _events(bus: Bus) -> list[object]:
    seen: list[object] = []

    async def collect(event: object) -> None:
        seen.append(event)

    for kind in (LinkChanged, WlanConnected, WlanDisconnected):
        await bus.subscribe(kind, collect)
    return seen


async def test_a_scan_lists_the_networks_in_range_with_signal_channel_and_security(
    network: Bus,
) -> None:
    async def all_heard() -> dict[str, WlanNetworkSeen] | None:
        # One scan can miss an access point (under emulation, one of two right after
        # NetworkManager started); a person scans again, and NetworkManager keeps what it saw.
        scan = await network.request(ScanWlan())
        seen = {found.ssid: found for found in scan.networks}
        return seen if set(NAMED) <= set(seen) else None

    seen = await eventually(all_heard, timeout_s=JOIN_TIMEOUT_S, interval_s=1.0)

    # A hidden network broadcasts no name: a scan cannot list it (it is joined by its name).
    assert sorted(seen) == NAMED == ["actkit-enterprise", "actkit-open", "actkit-psk"]
    assert (seen["actkit-open"].channel, seen["actkit-open"].security) == (
        OPEN.channel,
        WlanSecurity.OPEN,
    )
    assert (seen["actkit-psk"].channel, seen["actkit-psk"].security) == (
        PSK.channel,
        WlanSecurity.WPA2_PSK,
    )
    assert (seen["actkit-enterprise"].channel, seen["actkit-enterprise"].security) == (
        ENTERPRISE.channel,
        WlanSecurity.WPA2_ENTERPRISE,
    )
    assert all(0 < found.signal_percent <= 100 for found in seen.values())


async def test_a_wpa2_network_is_joined_with_its_passphrase(
    network: Bus, networkmanager: NetworkManagerVm
) -> None:
    seen = await _events(network)

    stored = await network.request(SetWlan(settings=_wlan(PSK.ssid, PSK.passphrase)))

    assert (stored.ssid, stored.has_passphrase, stored.passphrase) == (PSK.ssid, True, None)
    assert await networkmanager.associated() == PSK.bssid
    assert await networkmanager.addresses(WIRELESS) == ["198.51.100.10/24"]
    await eventually(lambda: WlanConnected(interface=WIRELESS, ssid=PSK.ssid) in seen)


async def test_a_hidden_network_is_joined_by_its_name(
    network: Bus, networkmanager: NetworkManagerVm
) -> None:
    seen = await _events(network)

    await network.request(SetWlan(settings=_wlan(HIDDEN.ssid, HIDDEN.passphrase, is_hidden=True)))

    assert await networkmanager.associated() == HIDDEN.bssid
    await eventually(lambda: WlanConnected(interface=WIRELESS, ssid=HIDDEN.ssid) in seen)


async def test_a_wrong_passphrase_is_refused_with_a_sentence_and_the_network_before_is_kept(
    network: Bus, networkmanager: NetworkManagerVm
) -> None:
    await network.request(SetWlan(settings=_wlan(PSK.ssid, PSK.passphrase)))

    with pytest.raises(Invalid) as refused:
        await network.request(SetWlan(settings=_wlan(HIDDEN.ssid, "not-the-key", is_hidden=True)))

    assert refused.value.message == (
        f"{HIDDEN.ssid} did not accept the passphrase; the WLAN is unchanged"
    )
    assert (await network.request(GetWlan())).ssid == PSK.ssid
    assert await eventually(networkmanager.associated, timeout_s=JOIN_TIMEOUT_S) == PSK.bssid


async def test_the_cable_is_preferred_and_the_wlan_is_used_while_it_is_pulled(
    network: Bus, networkmanager: NetworkManagerVm
) -> None:
    await network.request(SetWlan(settings=_wlan(OPEN.ssid, None)))
    assert await networkmanager.associated() == OPEN.bssid
    wired = Ipv4Settings(
        is_dhcp=False, address=ipaddress.IPv4Address("192.0.2.10"), subnet_mask="255.255.255.0"
    )

    await network.request(SetIpv4(settings=wired, confirm=True))
    await eventually(lambda: _state_is(networkmanager, WIRED, ACTIVATED), timeout_s=JOIN_TIMEOUT_S)
    await eventually(lambda: _state_is(networkmanager, WIRELESS, DISCONNECTED))
    assert await networkmanager.addresses(WIRED) == ["192.0.2.10/24"]

    await networkmanager.cable(is_plugged=False)
    assert await eventually(networkmanager.associated, timeout_s=JOIN_TIMEOUT_S) == OPEN.bssid
    assert await networkmanager.state(WIRED) != ACTIVATED

    await networkmanager.cable(is_plugged=True)
    await eventually(lambda: _state_is(networkmanager, WIRED, ACTIVATED), timeout_s=JOIN_TIMEOUT_S)
    await eventually(lambda: _state_is(networkmanager, WIRELESS, DISCONNECTED))


async def _state_is(networkmanager: NetworkManagerVm, interface: str, state: int) -> bool:
    return await networkmanager.state(interface) == state
