"""The network service's message handlers and its handler table."""

from __future__ import annotations

from collections.abc import Callable

from actkit_core.bus import Handlers
from actkit_core.params import parameter_handlers
from actkit_core.section_params import Section, SectionParameters
from actkit_network.announce import apply_services, know_identity, register_dns_name
from actkit_network.deps import Deps
from actkit_network.domain import firewall, restore, settings
from actkit_network.domain.firewall import FirewallState
from actkit_network.domain.nftables import render_ruleset
from actkit_network.domain.snmp import with_communities
from actkit_network.metrics import FIREWALL_LOADS, FIREWALL_REVERTS
from actkit_network.params import FIELDS
from actkit_network.store import SnmpV3Password
from actkit_proto import Ack, Unavailable
from actkit_proto.network import (
    AddFirewallRule,
    AddFirewallRules,
    ConfirmFirewallRules,
    DeleteFirewallRule,
    DeleteFirewallRules,
    DiscoverySettings,
    DnsSettings,
    Dot1xSettings,
    Firewall,
    FirewallReverted,
    GetDiscovery,
    GetDns,
    GetDot1x,
    GetFirewall,
    GetHostname,
    GetHttp,
    GetIpv4,
    GetIpv6,
    GetNetworkStatus,
    GetO3c,
    GetSnmp,
    GetWlan,
    HostnameSettings,
    HttpChanged,
    HttpSettings,
    Ipv4Settings,
    Ipv6Settings,
    NetworkStatus,
    O3cSettings,
    ScanWlan,
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
    SimulateLink,
    SnmpSettings,
    WlanScan,
    WlanSettings,
)
from actkit_proto.params import RestoreScope, RestoreSettings

__all__ = ["HANDLERS", "Deps", "announce_http", "revert_expired_test"]


# --- IP, DNS, hostname -----------------------------------------------------------------------


async def get_ipv4(_command: GetIpv4, deps: Deps) -> Ipv4Settings:
    return await deps.store.load(Ipv4Settings)


async def set_ipv4(command: SetIpv4, deps: Deps) -> Ipv4Settings:
    changes = settings.ipv4_changes(await deps.store.load(Ipv4Settings), command.settings)
    settings.refuse_cutting_off("IPv4 settings", changes, confirmed=command.confirm)
    await _apply_wired(deps, ipv4=command.settings)
    return command.settings


async def get_ipv6(_command: GetIpv6, deps: Deps) -> Ipv6Settings:
    return await deps.store.load(Ipv6Settings)


async def set_ipv6(command: SetIpv6, deps: Deps) -> Ipv6Settings:
    await _apply_wired(deps, ipv6=command.settings)
    return command.settings


async def get_dns(_command: GetDns, deps: Deps) -> DnsSettings:
    return await deps.store.load(DnsSettings)


async def set_dns(command: SetDns, deps: Deps) -> DnsSettings:
    await _apply_wired(deps, dns=command.settings)
    await register_dns_name(deps)
    return command.settings


async def _apply_wired(
    deps: Deps,
    ipv4: Ipv4Settings | None = None,
    ipv6: Ipv6Settings | None = None,
    dns: DnsSettings | None = None,
    dot1x: Dot1xSettings | None = None,
) -> None:
    # The system is changed first: settings it refuses are never stored.
    new = [group for group in (ipv4, ipv6, dns, dot1x) if group is not None]
    await deps.network.apply_wired(
        ipv4 or await deps.store.load(Ipv4Settings),
        ipv6 or await deps.store.load(Ipv6Settings),
        dns or await deps.store.load(DnsSettings),
        dot1x or await deps.store.load(Dot1xSettings),
    )
    for group in new:
        await deps.store.save(group)


async def get_hostname(_command: GetHostname, deps: Deps) -> HostnameSettings:
    return await deps.store.load(HostnameSettings)


async def set_hostname(command: SetHostname, deps: Deps) -> HostnameSettings:
    wanted = command.settings
    await deps.network.apply_hostname(None if wanted.is_auto else wanted.hostname)
    await deps.store.save(wanted)
    await apply_services(deps)
    await register_dns_name(deps)
    return wanted


async def get_status(_command: GetNetworkStatus, deps: Deps) -> NetworkStatus:
    return NetworkStatus(
        hostname=await deps.network.hostname(), interfaces=await deps.network.interfaces()
    )


# --- HTTP, discovery, O3C, SNMP, 802.1X, WLAN ------------------------------------------------


async def get_http(_command: GetHttp, deps: Deps) -> HttpSettings:
    return settings.check_http(await deps.store.load(HttpSettings), actor=None)


async def set_http(command: SetHttp, deps: Deps) -> HttpSettings:
    stored = await deps.store.load(HttpSettings)
    checked = settings.check_http(command.settings, command.actor, stored)
    changes = settings.http_changes(stored, checked)
    settings.refuse_cutting_off("HTTP access", changes, confirmed=command.confirm)
    await deps.store.save(checked.model_copy(update={"warnings": []}))
    await apply_services(deps)
    await announce_http(deps)
    return checked


async def announce_http(deps: Deps) -> None:
    """Tell the web server the access in force (at start, after a set or a restore)."""
    stored = await deps.store.load(HttpSettings)
    await deps.bus.publish(
        HttpChanged(access=stored.access, http_port=stored.http_port, https_port=stored.https_port)
    )


async def get_discovery(_command: GetDiscovery, deps: Deps) -> DiscoverySettings:
    await know_identity(deps)
    stored = await deps.store.load(DiscoverySettings)
    return settings.with_default_names(stored, deps.default_name)


async def set_discovery(command: SetDiscovery, deps: Deps) -> DiscoverySettings:
    await know_identity(deps)
    await deps.store.save(command.settings)
    await apply_services(deps)
    return settings.with_default_names(command.settings, deps.default_name)


async def get_o3c(_command: GetO3c, deps: Deps) -> O3cSettings:
    return settings.hide_secrets(await deps.store.load(O3cSettings))


async def set_o3c(command: SetO3c, deps: Deps) -> O3cSettings:
    merged = settings.keep_secrets(command.settings, await deps.store.load(O3cSettings))
    await deps.store.save(merged)
    return settings.hide_secrets(merged)


async def get_snmp(_command: GetSnmp, deps: Deps) -> SnmpSettings:
    return settings.hide_secrets(await _stored_snmp(deps))


async def set_snmp(command: SetSnmp, deps: Deps) -> SnmpSettings:
    stored = await _stored_snmp(deps)
    checked = settings.check_snmp(settings.keep_secrets(command.settings, stored), stored)
    await deps.store.save(checked)
    await apply_services(deps)
    return settings.hide_secrets(checked)


async def set_snmp_v3_password(command: SetSnmpV3Password, deps: Deps) -> SnmpSettings:
    updated = settings.set_v3_password(await _stored_snmp(deps))
    await deps.store.save(SnmpV3Password(password=command.password))
    await deps.store.save(updated)
    await apply_services(deps)
    return settings.hide_secrets(updated)


async def _stored_snmp(deps: Deps) -> SnmpSettings:
    return with_communities(await deps.store.load(SnmpSettings))


async def get_dot1x(_command: GetDot1x, deps: Deps) -> Dot1xSettings:
    return settings.hide_secrets(await deps.store.load(Dot1xSettings))


async def set_dot1x(command: SetDot1x, deps: Deps) -> Dot1xSettings:
    merged = settings.keep_secrets(command.settings, await deps.store.load(Dot1xSettings))
    await _apply_wired(deps, dot1x=merged)
    return settings.hide_secrets(merged)


async def get_wlan(_command: GetWlan, deps: Deps) -> WlanSettings:
    return settings.hide_secrets(await deps.store.load(WlanSettings))


async def set_wlan(command: SetWlan, deps: Deps) -> WlanSettings:
    merged = settings.keep_secrets(command.settings, await deps.store.load(WlanSettings))
    settings.check_wlan(merged)
    await deps.network.apply_wlan(merged)
    await deps.store.save(merged)
    return settings.hide_secrets(merged)


async def scan_wlan(_command: ScanWlan, deps: Deps) -> WlanScan:
    networks = await deps.network.scan_wlan()
    return WlanScan(networks=sorted(networks, key=lambda seen: -seen.signal_percent))


# --- Firewall --------------------------------------------------------------------------------


async def get_firewall(_command: GetFirewall, deps: Deps) -> Firewall:
    return (await deps.store.load_firewall()).view()


async def set_firewall(command: SetFirewall, deps: Deps) -> Firewall:
    return await _change_firewall(
        deps,
        lambda state: firewall.configure(
            state, command.is_active, command.default_policy, confirmed=command.confirm
        ),
    )


async def add_firewall_rules(command: AddFirewallRules, deps: Deps) -> Firewall:
    now = deps.clock()
    return await _change_firewall(
        deps, lambda state: firewall.test_rules(state, command.rules, command.time_limit_s, now)
    )


async def add_firewall_rule(command: AddFirewallRule, deps: Deps) -> Firewall:
    now = deps.clock()
    return await _change_firewall(
        deps, lambda state: firewall.add_rule(state, command.rule, command.time_limit_s, now)
    )


async def confirm_firewall_rules(_command: ConfirmFirewallRules, deps: Deps) -> Firewall:
    return await _change_firewall(deps, firewall.confirm)


async def delete_firewall_rule(command: DeleteFirewallRule, deps: Deps) -> Firewall:
    return await _change_firewall(deps, lambda state: firewall.delete_rule(state, command.index))


async def delete_firewall_rules(_command: DeleteFirewallRules, deps: Deps) -> Firewall:
    return await _change_firewall(deps, firewall.delete_all)


async def revert_expired_test(deps: Deps) -> float | None:
    """Revert rules under test whose deadline has passed; returns the deadline still ahead."""
    now = deps.clock()
    before, after = await _change_firewall_state(
        deps, lambda state: firewall.revert_if_due(state, now)
    )
    if before.is_testing and not after.is_testing:
        FIREWALL_REVERTS.inc()
        await deps.bus.publish(FirewallReverted(pending_rules=list(after.pending_rules)))
    return after.test_deadline


async def _change_firewall(
    deps: Deps, change: Callable[[FirewallState], FirewallState]
) -> Firewall:
    _before, after = await _change_firewall_state(deps, change)
    return after.view()


async def _change_firewall_state(
    deps: Deps, change: Callable[[FirewallState], FirewallState]
) -> tuple[FirewallState, FirewallState]:
    # The ruleset is loaded before the state is stored: a ruleset the system refuses leaves
    # the stored firewall as it was.
    async with deps.firewall_lock:
        before = await deps.store.load_firewall()
        after = change(before)
        if after == before:
            return before, after
        await deps.firewall.load(
            render_ruleset(after.is_active, after.default_policy, after.active_rules)
        )
        FIREWALL_LOADS.inc()
        await deps.store.save_firewall(after)
    deps.firewall_changed.set()
    return before, after


# --- Restore and the simulator ---------------------------------------------------------------


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
    async with deps.firewall_lock:
        await deps.store.reset(keep)
        defaults = FirewallState()
        await deps.firewall.load(
            render_ruleset(defaults.is_active, defaults.default_policy, defaults.active_rules)
        )
    deps.firewall_changed.set()
    await _apply_wired(deps)
    await deps.network.apply_hostname(None)
    await deps.network.apply_wlan(WlanSettings())
    await apply_services(deps)
    await announce_http(deps)
    return Ack()


async def simulate_link(command: SimulateLink, deps: Deps) -> Ack:
    if deps.simulator is None:
        raise Unavailable("the network is real; the simulator is off")
    deps.simulator.set_link(command.interface, command.is_up)
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


HANDLERS: Handlers[Deps] = {
    GetIpv4: get_ipv4,
    SetIpv4: set_ipv4,
    GetIpv6: get_ipv6,
    SetIpv6: set_ipv6,
    GetDns: get_dns,
    SetDns: set_dns,
    GetHostname: get_hostname,
    SetHostname: set_hostname,
    GetNetworkStatus: get_status,
    GetHttp: get_http,
    SetHttp: set_http,
    GetDiscovery: get_discovery,
    SetDiscovery: set_discovery,
    GetO3c: get_o3c,
    SetO3c: set_o3c,
    GetSnmp: get_snmp,
    SetSnmp: set_snmp,
    SetSnmpV3Password: set_snmp_v3_password,
    GetDot1x: get_dot1x,
    SetDot1x: set_dot1x,
    GetWlan: get_wlan,
    SetWlan: set_wlan,
    ScanWlan: scan_wlan,
    GetFirewall: get_firewall,
    SetFirewall: set_firewall,
    AddFirewallRules: add_firewall_rules,
    AddFirewallRule: add_firewall_rule,
    ConfirmFirewallRules: confirm_firewall_rules,
    DeleteFirewallRule: delete_firewall_rule,
    DeleteFirewallRules: delete_firewall_rules,
    SimulateLink: simulate_link,
    RestoreSettings: restore_settings,
    **parameter_handlers(network_parameters),
}
