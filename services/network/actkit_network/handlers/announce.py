"""Keeps what the device tells the network (SNMP, Bonjour, UPnP, WS-Discovery, LLDP) in line."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from actkit_network.domain import ddns, settings
from actkit_network.domain import discovery as identity
from actkit_network.domain.snmp import Trap, is_trap_due
from actkit_network.handlers.deps import Deps
from actkit_network.metrics import LINK_CHANGES, TRAPS_SENT
from actkit_network.ports import NetworkEvent
from actkit_network.store import SnmpV3Password
from actkit_proto import BusError, Unavailable
from actkit_proto.network import (
    AddressChanged,
    DiscoverySettings,
    DnsSettings,
    HostnameSettings,
    HttpSettings,
    LinkChanged,
    SnmpSettings,
)
from actkit_proto.system import GetIdentity

log = logging.getLogger(__name__)


async def ask_identity(deps: Deps) -> bool:
    """Ask the system service for the device's MAC address; True when this answer made it known.

    The system service is the one source of the device's identity: discovery announces no
    stand-in, which would show the device under another serial number.
    """
    try:
        identity = await deps.bus.request(GetIdentity())
    except BusError as exc:
        log.debug("the device identity is not known yet: %s", exc.message)
        return False
    if deps.device.mac_address is not None:
        return False
    deps.device.mac_address = identity.mac_address
    deps.device.serial_number = identity.serial_number
    deps.o3c_changed.set()
    log.info("device serial number %s (from the system service)", identity.serial_number)
    return True


async def learn_identity(
    deps: Deps,
    retry_min_s: float,
    retry_max_s: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Until the identity is known, ask for it, the delay doubling; then announce under it."""
    delay = retry_min_s
    while deps.device.mac_address is None:
        if await ask_identity(deps):
            await apply_services(deps)
            return
        await sleep(delay)
        delay = min(delay * 2, retry_max_s)


async def know_identity(deps: Deps) -> None:
    """Ask once more while the identity is unknown, and announce under it if that told it.

    A discovery query right after start-up can come between two of :func:`learn_identity`'s
    attempts, which back off; asking here answers it with the device's own default names.
    """
    if deps.device.mac_address is None and await ask_identity(deps):
        await apply_services(deps)


async def apply_services(deps: Deps) -> None:
    """Bring the SNMP agent and every discovery protocol in line with the stored settings."""
    hostname = await deps.network.hostname()
    snmp = await deps.store.load(SnmpSettings)
    v3_account = await deps.store.load_optional(SnmpV3Password)
    await deps.snmp.apply(snmp, None if v3_account is None else v3_account.password, hostname)
    stored = await deps.store.load(DiscoverySettings)
    discovery = settings.with_default_names(stored, deps.default_name)
    http = await deps.store.load(HttpSettings)
    # Nothing is announced under a name made without the MAC address: it would change under
    # the clients' eyes once the system service tells it.
    is_named = stored.bonjour_name is not None or deps.device.mac_address is not None
    name = discovery.bonjour_name if discovery.is_bonjour_enabled and is_named else None
    lldp = identity.lldp_config(stored, hostname, deps.device.name, deps.device.interface)
    await _each(
        deps.announcer.apply(name, hostname, http.http_port),
        _apply_responders(deps, stored, http),
        deps.discovery.lldp.apply(lldp),
    )


async def _apply_responders(deps: Deps, stored: DiscoverySettings, http: HttpSettings) -> None:
    address = deps.device.address or await _current_address(deps)
    mac = deps.device.mac_address
    device = None
    if address is not None and mac is not None:
        device = identity.identity(
            stored,
            deps.default_name,
            deps.device.name,
            mac,
            address,
            http.http_port,
            http.https_port,
            http.access,
        )
    await _each(
        deps.discovery.upnp.apply(device if stored.is_upnp_enabled else None),
        deps.discovery.ws_discovery.apply(device if stored.is_ws_discovery_enabled else None),
    )


async def _each(*steps: Coroutine[Any, Any, None]) -> None:
    """Run every step, even after one fails; then report what failed, all in one sentence."""
    problems = []
    for step in steps:
        try:
            await step
        except Unavailable as exc:
            problems.append(exc.message)
    if problems:
        raise Unavailable("; ".join(problems))


async def _current_address(deps: Deps) -> str | None:
    for address in await _current_addresses(deps):
        if ":" not in address:
            return address.split("/", 1)[0]
    return None


async def _current_addresses(deps: Deps) -> list[str]:
    """The addresses (with prefix) of the first interface that is up: ethernet, else WLAN."""
    for interface in await deps.network.interfaces():
        if interface.is_up and interface.addresses:
            return list(interface.addresses)
    return []


async def register_dns_name(deps: Deps) -> None:
    """Send the dynamic DNS update, if asked for; a failure is logged, the next change retries."""
    wanted = ddns.registration(
        await deps.store.load(HostnameSettings),
        await deps.store.load(DnsSettings),
        await _current_addresses(deps),
    )
    if wanted is None:
        return
    try:
        await deps.ddns.register(wanted)
    except Unavailable as exc:
        log.warning("dynamic DNS update not sent: %s", exc.message)


async def send_trap(deps: Deps, trap: Trap, interface: str | None = None) -> None:
    """Send ``trap`` if the SNMP settings ask for it."""
    if is_trap_due(await deps.store.load(SnmpSettings), trap):
        await deps.snmp.send_trap(trap, interface)
        TRAPS_SENT.labels(trap.value).inc()


async def report_network_event(event: NetworkEvent, deps: Deps) -> None:
    """Publish a change the network adapter saw.

    Link changes also become SNMP traps; a new address is registered in DNS (when dynamic DNS
    is on) and announced anew by UPnP and WS-Discovery (their messages carry it).
    """
    await deps.bus.publish(event)
    if isinstance(event, LinkChanged):
        LINK_CHANGES.labels(event.interface).inc()
        await send_trap(deps, Trap.LINK_UP if event.is_up else Trap.LINK_DOWN, event.interface)
    if isinstance(event, AddressChanged | LinkChanged):
        await register_dns_name(deps)
        if deps.device.address is None:
            await _apply_responders(
                deps, await deps.store.load(DiscoverySettings), await deps.store.load(HttpSettings)
            )


async def report_authentication_failure(sender: str, deps: Deps) -> None:
    """A request came with a community the agent does not know: the trap, if asked for."""
    log.info("SNMP request from %s with an unknown community", sender)
    await send_trap(deps, Trap.AUTHENTICATION_FAILED)
