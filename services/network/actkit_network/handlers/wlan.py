"""The wireless interface: network.wlan.get|set|scan."""

from __future__ import annotations

from actkit_network.domain import settings
from actkit_network.handlers.deps import Deps
from actkit_network.handlers.dot1x_certificates import WLAN_USER, certificates_in_use
from actkit_proto.network import GetWlan, ScanWlan, SetWlan, WlanScan, WlanSettings


async def get_wlan(_command: GetWlan, deps: Deps) -> WlanSettings:
    return settings.hide_secrets(await deps.store.load(WlanSettings))


async def set_wlan(command: SetWlan, deps: Deps) -> WlanSettings:
    """Join (or store) the network.

    A WPA2-Enterprise network's certificates are marked in use first, those of the network
    before released once it is applied.
    """
    stored = await deps.store.load(WlanSettings)
    merged = settings.check_wlan(settings.keep_secrets(command.settings, stored))
    before, after = settings.wlan_dot1x(stored), settings.wlan_dot1x(merged)
    async with certificates_in_use(before, after, command.actor, deps, WLAN_USER):
        await deps.network.apply_wlan(merged)
        await deps.store.save(merged)
    return settings.hide_secrets(merged)


async def scan_wlan(_command: ScanWlan, deps: Deps) -> WlanScan:
    networks = await deps.network.scan_wlan()
    return WlanScan(networks=sorted(networks, key=lambda seen: -seen.signal_percent))
