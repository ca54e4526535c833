import ipaddress

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_network.adapters.sim import SimFirewall, SimNetwork, SimSnmpAgent
from actkit_network.domain.nftables import render_ruleset
from actkit_network.handlers import Deps
from actkit_network.store import SnmpV3Password
from actkit_proto import Conflict
from actkit_proto.network import (
    AddFirewallRules,
    DiscoverySettings,
    DnsSettings,
    Dot1xMethod,
    Dot1xSettings,
    FirewallPolicy,
    FirewallRule,
    GetDiscovery,
    GetDns,
    GetDot1x,
    GetFirewall,
    GetHostname,
    GetHttp,
    GetIpv4,
    GetIpv6,
    GetO3c,
    GetSnmp,
    GetWlan,
    HostnameSettings,
    HttpAccess,
    HttpChanged,
    HttpSettings,
    Ipv4Settings,
    Ipv6Settings,
    O3cMode,
    O3cSettings,
    SetDiscovery,
    SetDns,
    SetDot1x,
    SetFirewall,
    SetHostname,
    SetHttp,
    SetIpv4,
    SetIpv6,
    SetO3c,
    SetSnmp,
    SetSnmpV3Password,
    SetWlan,
    SnmpSettings,
    WlanSettings,
)
from actkit_proto.params import RestoreScope, RestoreSettings

from ..conftest import CertificateStandIn

ADDRESS = ipaddress.IPv4Address("192.0.2.10")
MASK = ipaddress.IPv4Address("255.255.255.0")
ROUTER = ipaddress.IPv4Address("192.0.2.1")
STATIC = Ipv4Settings(is_dhcp=False, address=ADDRESS, subnet_mask=MASK, router=ROUTER)
DNS = DnsSettings(
    is_auto=False, servers=[ipaddress.IPv4Address("192.0.2.53")], search_domains=["fleet.example"]
)
DOT1X = Dot1xSettings(
    is_enabled=True, method=Dot1xMethod.PEAP_MSCHAPV2, eap_identity="car-12", password="secret-1"
)
O3C = O3cSettings(mode=O3cMode.ALWAYS, proxy_host="proxy.example", proxy_port=3128)
SNMP = SnmpSettings(is_enabled=True, read_community="fleet")
DEFAULT_SNMP = SnmpSettings(
    has_read_community=True, has_write_community=True, has_trap_community=True
)
"""The SNMP defaults as read: the communities public, write and public are set, never shown."""


async def _change_everything(fake_bus: FakeBus) -> None:
    await fake_bus.request(SetIpv4(settings=STATIC, confirm=True))
    await fake_bus.request(SetIpv6(settings=Ipv6Settings(is_auto=False)))
    await fake_bus.request(SetDns(settings=DNS))
    await fake_bus.request(SetDot1x(settings=DOT1X))
    await fake_bus.request(SetO3c(settings=O3C))
    await fake_bus.request(SetHostname(settings=HostnameSettings(is_auto=False, hostname="car-12")))
    await fake_bus.request(SetHttp(settings=HttpSettings(http_port=8080), confirm=True))
    await fake_bus.request(SetDiscovery(settings=DiscoverySettings(is_upnp_enabled=False)))
    await fake_bus.request(SetSnmp(settings=SNMP))
    await fake_bus.request(SetSnmpV3Password(password="initial-secret"))
    await fake_bus.request(SetWlan(settings=WlanSettings(ssid="depot", passphrase="depot-key")))
    await fake_bus.request(
        SetFirewall(is_active=True, default_policy=FirewallPolicy.DENY, confirm=True)
    )
    await fake_bus.request(AddFirewallRules(rules=[FirewallRule(address="192.0.2.7")]))


async def test_restore_keeps_exactly_the_manuals_list(fake_bus: FakeBus, deps: Deps) -> None:
    await _change_everything(fake_bus)
    await fake_bus.request(RestoreSettings(service="network", scope=RestoreScope.RESTORE))

    # Kept: boot protocol, static IP, router, subnet mask, 802.1X, O3C, DNS server addresses.
    assert await fake_bus.request(GetIpv4()) == STATIC
    assert await fake_bus.request(GetDns()) == DNS.model_copy(update={"search_domains": []})
    dot1x = await fake_bus.request(GetDot1x())
    assert (dot1x.is_enabled, dot1x.eap_identity, dot1x.has_password) == (True, "car-12", True)
    assert await fake_bus.request(GetO3c()) == O3C
    # Everything else is back to its defaults.
    assert await fake_bus.request(GetIpv6()) == Ipv6Settings()
    assert await fake_bus.request(GetHostname()) == HostnameSettings()
    assert (await fake_bus.request(GetHttp())).http_port == 80
    assert await fake_bus.current(HttpChanged) == [
        HttpChanged(access=HttpAccess.BOTH, http_port=80, https_port=443)
    ]
    assert await fake_bus.request(GetDiscovery()) == DiscoverySettings(
        bonjour_name=deps.default_name, upnp_name=deps.default_name
    )
    assert await fake_bus.request(GetSnmp()) == DEFAULT_SNMP.model_copy(
        update={"has_v3_password": True}
    )
    assert isinstance(deps.snmp, SimSnmpAgent) and deps.snmp.settings.read_community == "public"
    assert await fake_bus.request(GetWlan()) == WlanSettings()
    firewall = await fake_bus.request(GetFirewall())
    assert (firewall.is_active, firewall.active_rules, firewall.pending_rules) == (False, [], [])


async def test_restore_applies_the_defaults_to_the_system(fake_bus: FakeBus, deps: Deps) -> None:
    await _change_everything(fake_bus)
    await fake_bus.request(RestoreSettings(service="network", scope=RestoreScope.RESTORE))
    network = deps.network
    assert isinstance(network, SimNetwork) and isinstance(deps.firewall, SimFirewall)
    assert ("hostname", None) in network.applied[-3:]
    assert ("wlan", WlanSettings()) in network.applied[-3:]
    wired = [settings for what, settings in network.applied if what == "wired"][-1]
    assert isinstance(wired, tuple) and wired[0] == STATIC
    assert deps.firewall.loaded[-1] == render_ruleset(False, FirewallPolicy.ALLOW, [])


async def test_restore_keeps_the_v3_password_that_only_a_factory_default_clears(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await _change_everything(fake_bus)
    await fake_bus.request(RestoreSettings(service="network", scope=RestoreScope.RESTORE))
    with pytest.raises(Conflict, match="factory defaults"):
        await fake_bus.request(SetSnmpV3Password(password="another-secret"))
    assert await deps.store.load_optional(SnmpV3Password) == SnmpV3Password(
        password="initial-secret"
    )

    await fake_bus.request(RestoreSettings(service="network", scope=RestoreScope.FACTORY_DEFAULT))
    assert await deps.store.load_optional(SnmpV3Password) is None
    assert (await fake_bus.request(SetSnmpV3Password(password="another-secret"))).has_v3_password


async def test_factory_default_resets_everything(fake_bus: FakeBus, deps: Deps) -> None:
    await _change_everything(fake_bus)
    await fake_bus.request(RestoreSettings(service="network", scope=RestoreScope.FACTORY_DEFAULT))
    assert await fake_bus.request(GetIpv4()) == Ipv4Settings()
    assert await fake_bus.request(GetDns()) == DnsSettings()
    assert await fake_bus.request(GetDot1x()) == Dot1xSettings()
    assert await fake_bus.request(GetO3c()) == O3cSettings()
    assert await fake_bus.request(GetSnmp()) == DEFAULT_SNMP
    assert await fake_bus.request(GetHostname()) == HostnameSettings()


async def test_a_dhcp_fallback_is_not_on_the_keep_list(fake_bus: FakeBus, deps: Deps) -> None:
    fallback = Ipv4Settings(is_dhcp=True, has_fallback=True, address=ADDRESS, subnet_mask=MASK)
    await fake_bus.request(SetIpv4(settings=fallback, confirm=True))
    await fake_bus.request(RestoreSettings(service="network", scope=RestoreScope.RESTORE))
    kept = await fake_bus.request(GetIpv4())
    assert (kept.is_dhcp, kept.has_fallback, kept.address) == (True, False, ADDRESS)


@pytest.mark.parametrize("scope", list(RestoreScope))
async def test_restore_serves_https_with_the_devices_own_certificate_again(
    fake_bus: FakeBus, deps: Deps, certificate_store: CertificateStandIn, scope: RestoreScope
) -> None:
    await fake_bus.request(SetHttp(settings=HttpSettings(certificate="fleet-web")))
    assert certificate_store.web == "fleet-web"
    await fake_bus.request(RestoreSettings(service="network", scope=scope))
    assert (await fake_bus.request(GetHttp())).certificate is None
    assert certificate_store.web == "default"  # what the restored settings (none chosen) mean
