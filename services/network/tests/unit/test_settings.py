import ipaddress

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_network.adapters.sim import SimAnnouncer, SimNetwork, SimSnmpAgent
from actkit_network.domain.snmp import Trap
from actkit_network.handlers import Deps
from actkit_network.handlers.announce import report_network_event
from actkit_proto import Actor, Conflict, Forbidden, Invalid, NotFound, Role
from actkit_proto.accounts import SetWebCertificate
from actkit_proto.network import (
    AddressChanged,
    DiscoverySettings,
    DnsSettings,
    Dot1xMethod,
    Dot1xSettings,
    GetDiscovery,
    GetDot1x,
    GetHttp,
    GetIpv4,
    GetNetworkStatus,
    GetO3c,
    GetSnmp,
    HostnameSettings,
    HttpAccess,
    HttpChanged,
    HttpSettings,
    Ipv4Settings,
    Ipv6Settings,
    LinkChanged,
    O3cSettings,
    ScanWlan,
    SetDiscovery,
    SetDns,
    SetDot1x,
    SetHostname,
    SetHttp,
    SetIpv4,
    SetO3c,
    SetSnmp,
    SetSnmpV3Password,
    SetWlan,
    SnmpSettings,
    SnmpTraps,
    SnmpVersion,
    WlanSettings,
)

STATIC = Ipv4Settings(
    is_dhcp=False,
    address=ipaddress.IPv4Address("192.0.2.10"),
    subnet_mask=ipaddress.IPv4Address("255.255.255.0"),
    router=ipaddress.IPv4Address("192.0.2.1"),
)
OPERATOR = Actor(name="olle", role=Role.OPERATOR)
ADMIN = Actor(name="ada", role=Role.ADMINISTRATOR)


def sim(deps: Deps) -> SimNetwork:
    assert isinstance(deps.network, SimNetwork)
    return deps.network


async def test_a_static_ipv4_is_applied_stored_and_announced(fake_bus: FakeBus, deps: Deps) -> None:
    assert await fake_bus.request(SetIpv4(settings=STATIC, confirm=True)) == STATIC
    assert await fake_bus.request(GetIpv4()) == STATIC
    assert sim(deps).applied[-1] == (
        "wired",
        (STATIC, Ipv6Settings(), DnsSettings(), Dot1xSettings()),
    )
    assert fake_bus.published[-1] == AddressChanged(interface="eth0", addresses=["192.0.2.10/24"])
    status = await fake_bus.request(GetNetworkStatus())
    assert status.interfaces[0].addresses == ["192.0.2.10/24"]


async def test_a_change_that_may_cut_the_device_off_is_refused_unless_confirmed(
    fake_bus: FakeBus, deps: Deps
) -> None:
    with pytest.raises(Conflict, match=r"DHCP to a static address.*confirm"):
        await fake_bus.request(SetIpv4(settings=STATIC))
    with pytest.raises(Conflict, match=r"https port 443 to 8443"):
        await fake_bus.request(SetHttp(settings=HttpSettings(https_port=8443), actor=ADMIN))
    # Nothing was applied or stored.
    assert sim(deps).applied == []
    assert await fake_bus.request(GetIpv4()) == Ipv4Settings()
    assert (await fake_bus.request(GetHttp())).https_port == 443

    await fake_bus.request(SetIpv4(settings=STATIC, confirm=True))
    moved = STATIC.model_copy(update={"address": ipaddress.IPv4Address("192.0.2.11")})
    with pytest.raises(Conflict, match=r"address 192.0.2.10 to 192.0.2.11"):
        await fake_bus.request(SetIpv4(settings=moved))
    # What keeps the device where it is needs no confirmation.
    assert await fake_bus.request(SetIpv4(settings=STATIC)) == STATIC
    http = HttpSettings(certificate="default")
    assert (await fake_bus.request(SetHttp(settings=http))).certificate == "default"


async def test_dns_is_applied_with_the_stored_ipv4(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(SetIpv4(settings=STATIC, confirm=True))
    dns = DnsSettings(is_auto=False, servers=[ipaddress.IPv4Address("192.0.2.53")])
    await fake_bus.request(SetDns(settings=dns))
    assert sim(deps).applied[-1] == ("wired", (STATIC, Ipv6Settings(), dns, Dot1xSettings()))


async def test_a_manual_hostname_is_applied_and_auto_hands_it_to_dhcp(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(SetHostname(settings=HostnameSettings(is_auto=False, hostname="car-12")))
    assert (await fake_bus.request(GetNetworkStatus())).hostname == "car-12"
    await fake_bus.request(SetHostname(settings=HostnameSettings(is_auto=True)))
    assert [a for a in sim(deps).applied if a[0] == "hostname"] == [
        ("hostname", "car-12"),
        ("hostname", None),
    ]


async def test_a_bad_hostname_over_the_bus_says_which_characters_are_allowed(
    fake_bus: FakeBus, deps: Deps
) -> None:
    bad = SetHostname.model_construct(
        settings=HostnameSettings.model_construct(is_auto=False, hostname="car_12")
    )
    with pytest.raises(Invalid, match=r"settings\.hostname: .*A-Z, a-z, 0-9 and -"):
        await fake_bus.request(bad)
    assert not [a for a in sim(deps).applied if a[0] == "hostname"]


@pytest.mark.parametrize("port", [80, 1024, 8080, 65535])
async def test_operators_may_use_80_and_1024_and_up(
    fake_bus: FakeBus, deps: Deps, port: int
) -> None:
    await fake_bus.request(SetHttp(settings=HttpSettings(certificate="default"), actor=ADMIN))
    http = HttpSettings(http_port=port, certificate="default")
    stored = await fake_bus.request(SetHttp(settings=http, actor=OPERATOR, confirm=True))
    assert (stored.http_port, stored.warnings) == (port, [])


async def test_privileged_ports_are_for_administrators_with_a_warning(
    fake_bus: FakeBus, deps: Deps
) -> None:
    http = HttpSettings(http_port=8080, https_port=444, certificate="default")
    with pytest.raises(Forbidden, match="HTTPS port 444 is in 1-1023: only an administrator"):
        await fake_bus.request(SetHttp(settings=http, actor=OPERATOR, confirm=True))
    stored = await fake_bus.request(SetHttp(settings=http, actor=ADMIN, confirm=True))
    assert stored.warnings == [
        "HTTPS port 444 is a privileged port (1-1023) that other services may need"
    ]
    assert (await fake_bus.request(GetHttp())).warnings == stored.warnings


async def test_https_without_a_certificate_is_kept_with_a_warning(
    fake_bus: FakeBus, deps: Deps
) -> None:
    stored = await fake_bus.request(
        SetHttp(settings=HttpSettings(access=HttpAccess.HTTPS), confirm=True)
    )
    assert stored.warnings == [
        "HTTPS serves the device's own self-signed certificate; install one under "
        "Certificates and choose it here"
    ]


async def test_the_https_certificate_is_chosen_in_the_store_and_an_unknown_one_refused(
    fake_bus: FakeBus, deps: Deps
) -> None:
    chosen = HttpSettings(certificate="fleet-web")
    assert (
        await fake_bus.request(SetHttp(settings=chosen, actor=ADMIN))
    ).certificate == "fleet-web"
    assert [c.cert_id for c in fake_bus.sent if isinstance(c, SetWebCertificate)] == ["fleet-web"]
    assert [c.actor for c in fake_bus.sent if isinstance(c, SetWebCertificate)] == [ADMIN]
    for unknown in ("gone", "not a name"):
        with pytest.raises((NotFound, Invalid), match=f"no certificate '{unknown}'"):
            await fake_bus.request(SetHttp(settings=HttpSettings(certificate=unknown), actor=ADMIN))
    assert (await fake_bus.request(GetHttp())).certificate == "fleet-web"
    # Saved again unchanged, it is not chosen again.
    asked = len(fake_bus.sent)
    await fake_bus.request(SetHttp(settings=chosen, actor=ADMIN))
    assert not [c for c in fake_bus.sent[asked:] if isinstance(c, SetWebCertificate)]


async def test_operators_change_the_ports_but_not_the_protocols_or_the_certificate(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(SetHttp(settings=HttpSettings(certificate="default"), actor=ADMIN))
    https_only = HttpSettings(access=HttpAccess.HTTPS, certificate="default")
    with pytest.raises(Forbidden, match="only an administrator may change the protocols allowed"):
        await fake_bus.request(SetHttp(settings=https_only, actor=OPERATOR))
    with pytest.raises(Forbidden, match="change the certificate of the web server"):
        await fake_bus.request(SetHttp(settings=HttpSettings(certificate="b"), actor=OPERATOR))
    unchanged = HttpSettings(certificate="default")
    assert (await fake_bus.request(SetHttp(settings=unchanged, actor=OPERATOR))) == unchanged
    assert (await fake_bus.request(GetHttp())).access is HttpAccess.BOTH


async def test_the_web_servers_access_is_told_at_start_and_on_every_change(
    fake_bus: FakeBus, deps: Deps
) -> None:
    assert HttpChanged(access=HttpAccess.BOTH, http_port=80, https_port=443) in fake_bus.published
    http = HttpSettings(access=HttpAccess.HTTPS, http_port=8080, certificate="default")
    await fake_bus.request(SetHttp(settings=http, actor=ADMIN, confirm=True))
    assert fake_bus.published[-1] == HttpChanged(
        access=HttpAccess.HTTPS, http_port=8080, https_port=443
    )
    assert await fake_bus.current(HttpChanged) == [fake_bus.published[-1]]


async def test_discovery_names_default_to_device_name_and_mac(
    fake_bus: FakeBus, deps: Deps
) -> None:
    discovery = await fake_bus.request(GetDiscovery())
    assert discovery.bonjour_name == discovery.upnp_name == "AXIS W401 - ACCC8E123456"
    await fake_bus.request(SetDiscovery(settings=DiscoverySettings(bonjour_name="Car 12")))
    discovery = await fake_bus.request(GetDiscovery())
    assert (discovery.bonjour_name, discovery.upnp_name) == ("Car 12", "AXIS W401 - ACCC8E123456")


async def test_secrets_are_never_read_back_and_kept_when_left_out(
    fake_bus: FakeBus, deps: Deps
) -> None:
    o3c = O3cSettings(proxy_host="192.0.2.3", proxy_port=3128, proxy_login="u", proxy_password="pw")
    stored = await fake_bus.request(SetO3c(settings=o3c))
    assert (stored.proxy_password, stored.has_proxy_password) == (None, True)
    await fake_bus.request(SetO3c(settings=o3c.model_copy(update={"proxy_password": None})))
    assert (await fake_bus.request(GetO3c())).has_proxy_password
    assert (await deps.store.load(O3cSettings)).proxy_password == "pw"


async def test_macsec_settings_round_trip_without_the_key(fake_bus: FakeBus, deps: Deps) -> None:
    dot1x = Dot1xSettings(is_enabled=True, method=Dot1xMethod.MACSEC_PSK, ckn="00aa", cak="ab" * 16)
    await fake_bus.request(SetDot1x(settings=dot1x))
    read = await fake_bus.request(GetDot1x())
    assert (read.ckn, read.cak, read.has_cak) == ("00aa", None, True)
    what, groups = sim(deps).applied[-1]
    assert isinstance(groups, tuple)
    assert (what, groups[-1].cak) == ("wired", "ab" * 16)  # the key reaches the system only


async def test_macsec_without_a_cak_is_refused_and_nothing_applied(
    fake_bus: FakeBus, deps: Deps
) -> None:
    keyless = Dot1xSettings(is_enabled=True, method=Dot1xMethod.MACSEC_PSK, ckn="00aa")
    applied = len(sim(deps).applied)
    with pytest.raises(Invalid, match="cak: MACsec with a static CAK needs the CAK"):
        await fake_bus.request(SetDot1x(settings=keyless))
    assert len(sim(deps).applied) == applied
    assert await fake_bus.request(GetDot1x()) == Dot1xSettings()
    # Once stored, a CAK left out keeps it; turned off, MACsec needs none.
    await fake_bus.request(SetDot1x(settings=keyless.model_copy(update={"cak": "ab" * 16})))
    assert (await fake_bus.request(SetDot1x(settings=keyless))).has_cak
    off = Dot1xSettings(method=Dot1xMethod.MACSEC_PSK)
    assert not (await fake_bus.request(SetDot1x(settings=off))).is_enabled


async def test_snmp_traps_turn_off_with_v3(fake_bus: FakeBus, deps: Deps) -> None:
    v2c = SnmpSettings(is_enabled=True, are_traps_enabled=True, trap_address="192.0.2.5")
    assert (await fake_bus.request(SetSnmp(settings=v2c))).are_traps_enabled
    v3 = v2c.model_copy(update={"version": SnmpVersion.V3})
    assert not (await fake_bus.request(SetSnmp(settings=v3))).are_traps_enabled


async def test_the_snmp_v3_password_can_be_set_only_once(fake_bus: FakeBus, deps: Deps) -> None:
    assert (await fake_bus.request(SetSnmpV3Password(password="initial-pw"))).has_v3_password
    with pytest.raises(Conflict, match="already set; reset the device to factory defaults"):
        await fake_bus.request(SetSnmpV3Password(password="another-pw"))
    forged = SnmpSettings(has_v3_password=False)
    assert (await fake_bus.request(SetSnmp(settings=forged))).has_v3_password
    assert (await fake_bus.request(GetSnmp())).has_v3_password


def snmp_agent(deps: Deps) -> SimSnmpAgent:
    assert isinstance(deps.snmp, SimSnmpAgent)
    return deps.snmp


async def test_snmp_communities_are_never_read_back_and_kept_when_left_out(
    fake_bus: FakeBus, deps: Deps
) -> None:
    read = await fake_bus.request(GetSnmp())
    communities = (read.read_community, read.write_community, read.trap_community)
    assert communities == (None, None, None)
    assert (read.has_read_community, read.has_write_community, read.has_trap_community) == (
        True,
        True,
        True,
    )
    fleet = SnmpSettings(is_enabled=True, read_community="fleet", write_community="fleet-rw")
    stored = await fake_bus.request(SetSnmp(settings=fleet))
    assert (stored.read_community, stored.write_community, stored.has_write_community) == (
        None,
        None,
        True,
    )
    await fake_bus.request(SetSnmp(settings=SnmpSettings(is_enabled=True, trap_community="traps")))
    agent = snmp_agent(deps).settings  # the communities reach the agent only
    assert (agent.read_community, agent.write_community, agent.trap_community) == (
        "fleet",
        "fleet-rw",
        "traps",
    )
    assert (
        await fake_bus.request(SetSnmpV3Password(password="initial-pw"))
    ).write_community is None


async def test_a_link_down_sends_a_trap_when_traps_are_on(fake_bus: FakeBus, deps: Deps) -> None:
    assert snmp_agent(deps).traps == []  # SNMP is off by default: no cold start trap either
    snmp = SnmpSettings(is_enabled=True, are_traps_enabled=True, trap_address="192.0.2.5")
    await fake_bus.request(SetSnmp(settings=snmp))
    assert snmp_agent(deps).settings.are_traps_enabled
    await report_network_event(LinkChanged(interface="eth0", is_up=False), deps)
    await fake_bus.request(
        SetSnmp(settings=snmp.model_copy(update={"traps": SnmpTraps(link_up=False)}))
    )
    await report_network_event(LinkChanged(interface="eth0", is_up=True), deps)
    assert snmp_agent(deps).traps == [(Trap.LINK_DOWN, "eth0")]
    assert LinkChanged(interface="eth0", is_up=True) in fake_bus.published


async def test_bonjour_announces_the_default_name_on_the_http_port(
    fake_bus: FakeBus, deps: Deps
) -> None:
    assert isinstance(deps.announcer, SimAnnouncer)
    assert deps.announcer.announced == ("AXIS W401 - ACCC8E123456", "w401", 80)
    await fake_bus.request(SetHostname(settings=HostnameSettings(is_auto=False, hostname="car-12")))
    await fake_bus.request(
        SetHttp(settings=HttpSettings(http_port=8080, certificate="default"), confirm=True)
    )
    assert deps.announcer.announced == ("AXIS W401 - ACCC8E123456", "car-12", 8080)
    await fake_bus.request(SetDiscovery(settings=DiscoverySettings(is_bonjour_enabled=False)))
    assert deps.announcer.announced is None


async def test_a_wpa_network_needs_a_passphrase_once_then_keeps_it(
    fake_bus: FakeBus, deps: Deps
) -> None:
    with pytest.raises(Invalid, match="the network 'depot' needs a passphrase of 8 to 63"):
        await fake_bus.request(SetWlan(settings=WlanSettings(ssid="depot")))
    await fake_bus.request(SetWlan(settings=WlanSettings(ssid="depot", passphrase="depot-key")))
    kept = await fake_bus.request(SetWlan(settings=WlanSettings(ssid="depot", is_hidden=True)))
    assert (kept.has_passphrase, kept.passphrase, kept.is_hidden) == (True, None, True)
    scan = await fake_bus.request(ScanWlan())
    assert [n.signal_percent for n in scan.networks] == sorted(
        (n.signal_percent for n in scan.networks), reverse=True
    )


@pytest.mark.parametrize("version", [2, 3])
async def test_an_eapol_version_networkmanager_cannot_send_is_refused_and_nothing_changes(
    fake_bus: FakeBus, deps: Deps, version: int
) -> None:
    peap = Dot1xSettings(
        is_enabled=True, method=Dot1xMethod.PEAP_MSCHAPV2, eap_identity="car-12", password="pw"
    )
    with pytest.raises(Invalid, match=f"so {version} cannot be applied; choose 1"):
        await fake_bus.request(
            SetDot1x(settings=peap.model_copy(update={"eapol_version": version}))
        )
    assert await fake_bus.request(GetDot1x()) == Dot1xSettings()
    stored = await fake_bus.request(SetDot1x(settings=peap))
    assert stored.eapol_version == 1
