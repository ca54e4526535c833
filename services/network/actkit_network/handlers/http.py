"""How the web server is reached: network.http.get|set, and network.http.changed."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from actkit_network.domain import settings
from actkit_network.handlers.announce import apply_services
from actkit_network.handlers.deps import Deps
from actkit_proto.accounts import SetWebCertificate
from actkit_proto.base import Actor
from actkit_proto.errors import BusError, Invalid
from actkit_proto.network import GetHttp, HttpChanged, HttpSettings, SetHttp

log = logging.getLogger(__name__)


async def get_http(_command: GetHttp, deps: Deps) -> HttpSettings:
    return settings.check_http(await deps.store.load(HttpSettings), actor=None)


async def set_http(command: SetHttp, deps: Deps) -> HttpSettings:
    stored = await deps.store.load(HttpSettings)
    checked = settings.check_http(command.settings, command.actor, stored)
    changes = settings.http_changes(stored, checked)
    settings.refuse_cutting_off("HTTP access", changes, confirmed=command.confirm)
    if checked.certificate is not None and checked.certificate != stored.certificate:
        await choose_web_certificate(checked.certificate, command.actor, deps)
    await deps.store.save(checked.model_copy(update={"warnings": []}))
    await apply_services(deps)
    await announce_http(deps)
    return checked


async def choose_web_certificate(cert_id: str, actor: Actor | None, deps: Deps) -> None:
    """Serve HTTPS with the store's ``cert_id`` from the next TLS handshake on.

    accounts owns the store: it refuses an unknown certificate or one without its key on the
    device, marks the chosen one used by HTTPS (so it cannot be deleted) and tells web to load it.
    """
    try:
        choice = SetWebCertificate(cert_id=cert_id, actor=actor)
    except ValidationError:
        raise Invalid(f"certificate: there is no certificate {cert_id!r}") from None
    await deps.bus.request(choice)


async def serve_own_certificate(deps: Deps) -> None:
    """HTTPS back on the device's own certificate, as restored settings (no certificate) say.

    accounts serves whatever was chosen last; without this a restore would leave it serving a
    certificate the settings no longer name.
    """
    try:
        await deps.bus.request(SetWebCertificate())
    except BusError as exc:
        log.warning("HTTPS keeps its certificate after the restore: %s", exc.message)


async def announce_http(deps: Deps) -> None:
    """Tell the web server the access in force (at start, after a set or a restore)."""
    stored = await deps.store.load(HttpSettings)
    await deps.bus.publish(
        HttpChanged(access=stored.access, http_port=stored.http_port, https_port=stored.https_port)
    )
