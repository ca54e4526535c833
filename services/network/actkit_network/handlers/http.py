"""How the web server is reached: network.http.get|set, and network.http.changed."""

from __future__ import annotations

from actkit_network.domain import settings
from actkit_network.handlers.announce import apply_services
from actkit_network.handlers.deps import Deps
from actkit_proto.network import GetHttp, HttpChanged, HttpSettings, SetHttp


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
