import asyncio
import dataclasses

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_network.adapters.sim import SimLldp, SimNetwork, SimResponder, SimSnmpAgent
from actkit_network.domain.discovery import DeviceIdentity, LldpConfig, render_lldpd_conf
from actkit_network.domain.snmp import Trap
from actkit_network.domain.wsdiscovery import DN, TDS, parse_probe
from actkit_network.handlers import Deps
from actkit_network.handlers.announce import (
    apply_services,
    report_authentication_failure,
    report_network_event,
)
from actkit_network.handlers.deps import Discovery
from actkit_proto import Unavailable
from actkit_proto.network import (
    AddressChanged,
    DiscoverySettings,
    HostnameSettings,
    HttpAccess,
    HttpSettings,
    SetDiscovery,
    SetHostname,
    SetHttp,
    SetSnmp,
    SnmpSettings,
    SnmpTraps,
)


def responders(deps: Deps) -> tuple[SimResponder, SimResponder]:
    upnp, ws_discovery = deps.discovery.upnp, deps.discovery.ws_discovery
    assert isinstance(upnp, SimResponder) and isinstance(ws_discovery, SimResponder)
    return upnp, ws_discovery


def lldp(deps: Deps) -> SimLldp:
    assert isinstance(deps.discovery.lldp, SimLldp)
    return deps.discovery.lldp


async def test_upnp_and_ws_discovery_announce_the_default_name_at_the_dhcp_address(
    deps: Deps,
) -> None:
    upnp, ws_discovery = responders(deps)
    assert upnp.announced == ws_discovery.announced
    assert upnp.announced is not None
    assert upnp.announced.friendly_name == "AXIS W401 - ACCC8E123456"
    assert upnp.announced.serial_number == "ACCC8E123456"
    assert upnp.announced.presentation_url == "http://192.168.0.90/"
    assert upnp.announced.onvif_url == "http://192.168.0.90/onvif/device_service"


async def test_the_upnp_name_and_http_port_are_announced(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(SetDiscovery(settings=DiscoverySettings(upnp_name="Car 12 cabin")))
    await fake_bus.request(SetHttp(settings=HttpSettings(http_port=8080), confirm=True))
    upnp, _ws_discovery = responders(deps)
    assert upnp.announced is not None
    assert upnp.announced.friendly_name == "Car 12 cabin"
    assert upnp.announced.presentation_url == "http://192.168.0.90:8080/"


@pytest.mark.parametrize(
    ("access", "xaddrs"),
    [
        (
            HttpAccess.BOTH,
            (
                "http://192.168.0.90:8080/onvif/device_service",
                "https://192.168.0.90:8443/onvif/device_service",
            ),
        ),
        (HttpAccess.HTTP, ("http://192.168.0.90:8080/onvif/device_service",)),
        (HttpAccess.HTTPS, ("https://192.168.0.90:8443/onvif/device_service",)),
    ],
)
async def test_ws_discovery_gives_the_onvif_service_on_each_allowed_port(
    fake_bus: FakeBus, deps: Deps, access: HttpAccess, xaddrs: tuple[str, ...]
) -> None:
    settings = HttpSettings(access=access, http_port=8080, https_port=8443)
    await fake_bus.request(SetHttp(settings=settings, confirm=True))
    _upnp, ws_discovery = responders(deps)
    assert ws_discovery.announced is not None
    assert ws_discovery.announced.onvif_urls == xaddrs


@pytest.mark.parametrize(
    ("settings", "upnp_on", "ws_discovery_on"),
    [
        (DiscoverySettings(is_upnp_enabled=False), False, True),
        (DiscoverySettings(is_ws_discovery_enabled=False), True, False),
        (DiscoverySettings(is_upnp_enabled=False, is_ws_discovery_enabled=False), False, False),
    ],
)
async def test_each_protocol_turns_off_on_its_own(
    fake_bus: FakeBus,
    deps: Deps,
    settings: DiscoverySettings,
    upnp_on: bool,
    ws_discovery_on: bool,
) -> None:
    await fake_bus.request(SetDiscovery(settings=settings))
    upnp, ws_discovery = responders(deps)
    assert (upnp.announced is not None, ws_discovery.announced is not None) == (
        upnp_on,
        ws_discovery_on,
    )


async def test_a_new_address_is_announced_and_no_address_is_silence(deps: Deps) -> None:
    network = deps.network
    assert isinstance(network, SimNetwork)
    upnp, _ws_discovery = responders(deps)
    network.set_link("eth0", False)
    await report_network_event(AddressChanged(interface="eth0", addresses=[]), deps)
    assert address_of(upnp) is None
    network.set_link("eth0", True)
    await report_network_event(
        AddressChanged(interface="eth0", addresses=["192.168.0.90/24"]), deps
    )
    assert address_of(upnp) == "192.168.0.90"


def address_of(responder: SimResponder) -> str | None:
    return None if responder.announced is None else responder.announced.address


async def test_lldp_announces_the_hostname_and_turns_off(fake_bus: FakeBus, deps: Deps) -> None:
    assert lldp(deps).config == LldpConfig(True, "w401", "Axis Communications AB AXIS W401", "eth0")
    await fake_bus.request(SetHostname(settings=HostnameSettings(is_auto=False, hostname="car-12")))
    assert lldp(deps).config == LldpConfig(
        True, "car-12", "Axis Communications AB AXIS W401", "eth0"
    )
    await fake_bus.request(SetDiscovery(settings=DiscoverySettings(is_lldp_enabled=False)))
    assert lldp(deps).config == LldpConfig(
        False, "car-12", "Axis Communications AB AXIS W401", "eth0"
    )


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            LldpConfig(True, "car-12", "Axis Communications AB AXIS W401", "eth0"),
            'configure system hostname "car-12"\n'
            'configure system description "Axis Communications AB AXIS W401"\n'
            'configure system interface pattern "eth0"\n'
            "configure lldp status rx-and-tx\n",
        ),
        (
            LldpConfig(False, "w401", "AXIS W401", "eth1"),
            'configure system hostname "w401"\n'
            'configure system description "AXIS W401"\n'
            'configure system interface pattern "eth1"\n'
            "configure lldp status disabled\n",
        ),
        (
            LldpConfig(True, "w401", 'Model "7" \\ beta', "eth0"),
            'configure system hostname "w401"\n'
            'configure system description "Model \\"7\\" \\\\ beta"\n'
            'configure system interface pattern "eth0"\n'
            "configure lldp status rx-and-tx\n",
        ),
    ],
)
def test_the_lldpd_configuration(config: LldpConfig, expected: str) -> None:
    assert render_lldpd_conf(config) == expected


async def test_a_wrong_community_sends_the_authentication_failed_trap_when_chosen(
    fake_bus: FakeBus, deps: Deps
) -> None:
    agent = deps.snmp
    assert isinstance(agent, SimSnmpAgent)
    snmp = SnmpSettings(
        is_enabled=True, are_traps_enabled=True, trap_address="192.0.2.5", read_community="fleet"
    )
    await fake_bus.request(SetSnmp(settings=snmp))
    agent.trapped.clear()
    agent.receive("fleet")
    agent.receive("public")
    await asyncio.wait_for(agent.trapped.wait(), 5)
    assert agent.traps == [(Trap.AUTHENTICATION_FAILED, None)]
    without = snmp.model_copy(update={"traps": SnmpTraps(authentication_failed=False)})
    await fake_bus.request(SetSnmp(settings=without))
    await report_authentication_failure("192.0.2.50", deps)
    assert agent.traps == [(Trap.AUTHENTICATION_FAILED, None)]


PROBE = (
    '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"'
    ' xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing"'
    ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"'
    ' xmlns:n="http://www.onvif.org/ver10/network/wsdl">'
    "<e:Header><w:MessageID>urn:uuid:1</w:MessageID>"
    "<w:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/{action}</w:Action></e:Header>"
    "<e:Body><d:{action}>{body}</d:{action}></e:Body></e:Envelope>"
)


@pytest.mark.parametrize(
    ("message", "types"),
    [
        (PROBE.format(action="Probe", body="<d:Types>n:NetworkVideoTransmitter</d:Types>"),
         ((DN, "NetworkVideoTransmitter"),)),
        (PROBE.format(action="Probe", body='<d:Types xmlns:t="' + TDS + '">t:Device</d:Types>'),
         ((TDS, "Device"),)),
        (PROBE.format(action="Probe", body=""), ()),
    ],
)  # fmt: skip
def test_a_probe_is_read_with_the_senders_prefixes(
    message: str, types: tuple[tuple[str, str], ...]
) -> None:
    probe = parse_probe(message.encode())
    assert probe is not None
    assert (probe.message_id, probe.types) == ("urn:uuid:1", types)


@pytest.mark.parametrize(
    "message",
    [
        PROBE.format(action="Resolve", body=""),
        PROBE.format(action="Probe", body="").replace("urn:uuid:1", ""),
        PROBE.format(action="Probe", body="<d:Types>unknown:Thing</d:Types>"),
        "<not xml",
        '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x "boom">]><e>&x;</e>',
        "",
    ],
)
def test_anything_but_a_well_formed_probe_is_ignored(message: str) -> None:
    assert parse_probe(message.encode()) is None


def test_the_identity_serves_ipv6_addresses_in_brackets() -> None:
    device = DeviceIdentity("W401", "AXIS W401", "S", "uuid:1", "2001:db8::9", 8080)
    assert device.onvif_url == "http://[2001:db8::9]:8080/onvif/device_service"


class RefusingResponder:
    async def apply(self, identity: DeviceIdentity | None) -> None:
        if identity is not None:
            raise Unavailable(f"UPnP cannot answer on {identity.address}: no such device")


async def test_one_protocol_that_cannot_start_leaves_the_others_announced(deps: Deps) -> None:
    ws_discovery, lldpd = SimResponder(), SimLldp()
    broken = dataclasses.replace(
        deps, discovery=Discovery(RefusingResponder(), ws_discovery, lldpd)
    )
    with pytest.raises(Unavailable, match=r"UPnP cannot answer on 192\.168\.0\.90"):
        await apply_services(broken)
    assert ws_discovery.announced is not None
    assert lldpd.config is not None
