"""The SNMP agent: network.snmp.get|set and network.snmp.v3-password.set."""

from __future__ import annotations

from actkit_network.domain import settings
from actkit_network.domain.snmp import with_communities
from actkit_network.handlers.announce import apply_services
from actkit_network.handlers.deps import Deps
from actkit_network.store import SnmpV3Password
from actkit_proto.network import GetSnmp, SetSnmp, SetSnmpV3Password, SnmpSettings


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
