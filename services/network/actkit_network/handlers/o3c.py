"""The one-click cloud connection: network.o3c.get|set."""

from __future__ import annotations

from actkit_network.domain import settings
from actkit_network.handlers.deps import Deps
from actkit_proto.network import GetO3c, O3cSettings, SetO3c


async def get_o3c(_command: GetO3c, deps: Deps) -> O3cSettings:
    return settings.hide_secrets(await deps.store.load(O3cSettings))


async def set_o3c(command: SetO3c, deps: Deps) -> O3cSettings:
    merged = settings.keep_secrets(command.settings, await deps.store.load(O3cSettings))
    await deps.store.save(merged)
    return settings.hide_secrets(merged)
