"""The wireless interface: network.wlan.get|set|scan."""

from __future__ import annotations

from actkit_network.domain import settings
from actkit_network.handlers.deps import Deps
from actkit_proto.network import GetWlan, ScanWlan, SetWlan, WlanScan, WlanSettings


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
