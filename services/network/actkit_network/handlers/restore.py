"""The settings as a whole: network.settings.restore and plain config (network.params.*)."""

from __future__ import annotations

from actkit_core.section_params import Section, SectionParameters
from actkit_network.domain import restore, settings
from actkit_network.domain.firewall import FirewallState
from actkit_network.domain.nftables import render_ruleset
from actkit_network.handlers.announce import apply_services
from actkit_network.handlers.deps import Deps
from actkit_network.handlers.discovery import set_discovery
from actkit_network.handlers.dot1x_certificates import (
    DOT1X_USER,
    WLAN_USER,
    release_certificates,
)
from actkit_network.handlers.http import (
    announce_http,
    get_http,
    serve_own_certificate,
    set_http,
)
from actkit_network.handlers.ip import apply_wired, get_hostname, set_hostname
from actkit_network.handlers.o3c import release_o3c_certificates
from actkit_network.handlers.snmp import get_snmp, set_snmp
from actkit_network.params import FIELDS
from actkit_network.store import O3cClaim, SnmpV3Password
from actkit_proto import Ack
from actkit_proto.network import (
    DiscoverySettings,
    DnsSettings,
    Dot1xSettings,
    GetHostname,
    GetHttp,
    GetSnmp,
    Ipv4Settings,
    O3cSettings,
    SetDiscovery,
    SetHostname,
    SetHttp,
    SetSnmp,
    SnmpSettings,
    WlanSettings,
)
from actkit_proto.params import RestoreScope, RestoreSettings


async def restore_settings(command: RestoreSettings, deps: Deps) -> Ack:
    """Back to defaults; a restore keeps the manual's list, a factory default keeps nothing.

    The stored settings change first and are then applied: a restore is followed by a restart.
    """
    keep = []
    if command.scope is RestoreScope.RESTORE:
        keep = restore.kept_groups(
            await deps.store.load(Ipv4Settings),
            await deps.store.load(DnsSettings),
            await deps.store.load(Dot1xSettings),
            await deps.store.load(O3cSettings),
            await deps.store.load(SnmpSettings),
        )
        v3_account = await deps.store.load_optional(SnmpV3Password)
        keep += [] if v3_account is None else [v3_account]
        # The device stays claimed by HQ, with the same key, as its O3C settings stay.
        claim = await deps.store.load_optional(O3cClaim)
        keep += [] if claim is None else [claim]
    o3c_before = await deps.store.load(O3cSettings)
    wlan_before = settings.wlan_dot1x(await deps.store.load(WlanSettings))
    dot1x_before = await deps.store.load(Dot1xSettings)
    async with deps.firewall_lock:
        await deps.store.reset(keep)
        defaults = FirewallState()
        await deps.firewall.load(
            render_ruleset(defaults.is_active, defaults.default_policy, defaults.active_rules)
        )
    deps.firewall_changed.set()
    await apply_wired(deps)
    await deps.network.apply_hostname(None)
    await deps.network.apply_wlan(WlanSettings())
    await apply_services(deps)
    await announce_http(deps)
    await serve_own_certificate(deps)
    await release_o3c_certificates(o3c_before, deps)
    await release_certificates(wlan_before, Dot1xSettings(), WLAN_USER, deps)
    await release_certificates(dot1x_before, await deps.store.load(Dot1xSettings), DOT1X_USER, deps)
    deps.o3c_changed.set()
    return Ack()


def network_parameters(deps: Deps) -> SectionParameters:
    """Plain-config parameters; a set goes through the section's own set handler.

    A port changed there is confirmed: plain config is the manual's page for advanced users, and
    a parameter names exactly what it changes (it cannot move the port by leaving a field out).
    """
    return SectionParameters(
        FIELDS,
        {
            "hostname": Section(lambda: get_hostname(GetHostname(), deps),
                                lambda s: set_hostname(SetHostname(settings=s), deps)),
            "http": Section(lambda: get_http(GetHttp(), deps),
                            lambda s: set_http(SetHttp(settings=s, confirm=True), deps)),
            "discovery": Section(lambda: deps.store.load(DiscoverySettings),
                                 lambda s: set_discovery(SetDiscovery(settings=s), deps)),
            "snmp": Section(lambda: get_snmp(GetSnmp(), deps),
                            lambda s: set_snmp(SetSnmp(settings=s), deps)),
        },
    )  # fmt: skip
