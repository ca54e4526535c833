"""The broker's CA and the client certificate, chosen from accounts' store and marked in use.

accounts refuses an unknown certificate and refuses to delete one in use; the client asks it for
their PEM (the client certificate's key too, a request only this service may send) each time it
connects, so a renewed certificate is used from the next connection on.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from actkit_core import certificate_uses
from actkit_mqtt import domain
from actkit_mqtt.domain import TlsMaterial
from actkit_mqtt.handlers.deps import Deps
from actkit_proto import Invalid
from actkit_proto.accounts import GetCertificate, GetClientIdentity
from actkit_proto.base import Actor
from actkit_proto.mqtt import ClientSettings

MQTT_USER = "mqtt"
"""How the MQTT client is named in a certificate's ``used_by``."""


@contextlib.asynccontextmanager
async def certificates_in_use(
    stored: ClientSettings, new: ClientSettings, actor: Actor | None, deps: Deps
) -> AsyncIterator[None]:
    """Mark what ``new`` starts using, store (the body), then unmark what it no longer uses.

    A certificate refused (unknown, a client certificate without its key on the device) or a
    body that fails leaves the marks as they were.
    """
    async with certificate_uses.certificates_in_use(
        deps.bus, MQTT_USER, domain.certificates_used(stored), domain.certificates_used(new), actor
    ) as marked:
        client = marked.get(new.client_certificate)
        if client is not None and not client.has_private_key:
            raise Invalid(
                f"client_certificate: the device has no private key for {client.cert_id!r}; "
                "choose a client certificate made or imported with its key"
            )
        yield


async def release_certificates(settings: ClientSettings, deps: Deps) -> None:
    """The client no longer uses the certificates ``settings`` chose (restore)."""
    await certificate_uses.release_certificates(
        deps.bus, MQTT_USER, sorted(domain.certificates_used(settings)), None
    )


async def tls_material(settings: ClientSettings, deps: Deps) -> TlsMaterial:
    """The PEM of the certificates ``settings`` chooses, as the store has them now.

    Raises:
        BusError: the store did not give one (unknown, not in use by the client, no answer).
    """
    ca_pem = client_pem = key_pem = ""
    if settings.ca_certificate:
        ca_pem = (
            await deps.bus.request(GetCertificate(cert_id=settings.ca_certificate))
        ).certificate_pem
    if settings.client_certificate:
        identity = await deps.bus.request(
            GetClientIdentity(cert_id=settings.client_certificate, user=MQTT_USER)
        )
        client_pem, key_pem = identity.certificate_chain_pem, identity.private_key_pem
    return TlsMaterial(ca_pem, client_pem, key_pem)
