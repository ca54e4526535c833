"""The discovery protocols' settings: network.discovery.get|set."""

from __future__ import annotations

from actkit_network.domain import settings
from actkit_network.handlers.announce import apply_services, know_identity
from actkit_network.handlers.deps import Deps
from actkit_proto.network import DiscoverySettings, GetDiscovery, SetDiscovery


async def get_discovery(_command: GetDiscovery, deps: Deps) -> DiscoverySettings:
    await know_identity(deps)
    stored = await deps.store.load(DiscoverySettings)
    return settings.with_default_names(stored, deps.default_name)


async def set_discovery(command: SetDiscovery, deps: Deps) -> DiscoverySettings:
    await know_identity(deps)
    await deps.store.save(command.settings)
    await apply_services(deps)
    return settings.with_default_names(command.settings, deps.default_name)
