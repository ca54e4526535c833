"""The wired interface and the interfaces' status: network.{ipv4,ipv6,dns,hostname,dot1x,status}."""

from __future__ import annotations

from actkit_network.domain import settings
from actkit_network.handlers.announce import apply_services, register_dns_name
from actkit_network.handlers.deps import Deps
from actkit_network.handlers.dot1x_certificates import certificates_in_use
from actkit_proto.network import (
    DnsSettings,
    Dot1xSettings,
    GetDns,
    GetDot1x,
    GetHostname,
    GetIpv4,
    GetIpv6,
    GetNetworkStatus,
    HostnameSettings,
    Ipv4Settings,
    Ipv6Settings,
    NetworkStatus,
    SetDns,
    SetDot1x,
    SetHostname,
    SetIpv4,
    SetIpv6,
)


async def get_ipv4(_command: GetIpv4, deps: Deps) -> Ipv4Settings:
    return await deps.store.load(Ipv4Settings)


async def set_ipv4(command: SetIpv4, deps: Deps) -> Ipv4Settings:
    changes = settings.ipv4_changes(await deps.store.load(Ipv4Settings), command.settings)
    settings.refuse_cutting_off("IPv4 settings", changes, confirmed=command.confirm)
    await apply_wired(deps, ipv4=command.settings)
    return command.settings


async def get_ipv6(_command: GetIpv6, deps: Deps) -> Ipv6Settings:
    return await deps.store.load(Ipv6Settings)


async def set_ipv6(command: SetIpv6, deps: Deps) -> Ipv6Settings:
    await apply_wired(deps, ipv6=command.settings)
    return command.settings


async def get_dns(_command: GetDns, deps: Deps) -> DnsSettings:
    return await deps.store.load(DnsSettings)


async def set_dns(command: SetDns, deps: Deps) -> DnsSettings:
    await apply_wired(deps, dns=command.settings)
    await register_dns_name(deps)
    return command.settings


async def get_hostname(_command: GetHostname, deps: Deps) -> HostnameSettings:
    return await deps.store.load(HostnameSettings)


async def set_hostname(command: SetHostname, deps: Deps) -> HostnameSettings:
    wanted = command.settings
    await deps.network.apply_hostname(None if wanted.is_auto else wanted.hostname)
    await deps.store.save(wanted)
    await apply_services(deps)
    await register_dns_name(deps)
    return wanted


async def get_dot1x(_command: GetDot1x, deps: Deps) -> Dot1xSettings:
    return settings.hide_secrets(await deps.store.load(Dot1xSettings))


async def set_dot1x(command: SetDot1x, deps: Deps) -> Dot1xSettings:
    stored = await deps.store.load(Dot1xSettings)
    merged = settings.check_dot1x(settings.keep_secrets(command.settings, stored))
    async with certificates_in_use(stored, merged, command.actor, deps):
        await apply_wired(deps, dot1x=merged)
    return settings.hide_secrets(merged)


async def apply_wired(
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


async def get_status(_command: GetNetworkStatus, deps: Deps) -> NetworkStatus:
    return NetworkStatus(
        hostname=await deps.network.hostname(), interfaces=await deps.network.interfaces()
    )
