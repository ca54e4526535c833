"""The certificates 802.1X uses, chosen from accounts' store and marked in use there.

The wired interface's and a WPA2-Enterprise WLAN's are two uses, so neither releases the other's.
accounts refuses an unknown certificate, refuses to delete one in use, and writes the files
NetworkManager reads (``<id>.pem``, ``<id>.key``) while 802.1X uses it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from actkit_core import certificate_uses
from actkit_network.handlers.deps import Deps
from actkit_proto.base import Actor
from actkit_proto.errors import Invalid
from actkit_proto.network import Dot1xMethod, Dot1xSettings

DOT1X_USER = "ieee8021x"
"""How the wired interface's 802.1X is named in a certificate's ``used_by``."""
WLAN_USER = "wlan"
"""How a WPA2-Enterprise WLAN is named in a certificate's ``used_by``."""


def certificates_used(settings: Dot1xSettings) -> set[str]:
    """The store's certificates ``settings`` uses: the client's and the CAs, while enabled."""
    if not settings.is_enabled or settings.method is Dot1xMethod.MACSEC_PSK:
        return set()
    used = set(settings.ca_certificates)
    if settings.method is Dot1xMethod.EAP_TLS and settings.client_certificate is not None:
        used.add(settings.client_certificate)
    return used


@contextlib.asynccontextmanager
async def certificates_in_use(
    stored: Dot1xSettings,
    new: Dot1xSettings,
    actor: Actor | None,
    deps: Deps,
    user: str = DOT1X_USER,
) -> AsyncIterator[None]:
    """Mark what ``new`` starts using, apply (the body), then unmark what it no longer uses.

    A certificate refused (unknown, a client certificate without its key on the device) or a
    body that fails leaves the marks as they were.
    """
    async with certificate_uses.certificates_in_use(
        deps.bus, user, certificates_used(stored), certificates_used(new), actor
    ) as marked:
        client = marked.get(new.client_certificate or "")
        if client is not None and not client.has_private_key:
            raise Invalid(
                f"client_certificate: the device has no private key for {client.cert_id!r}; "
                "choose a client certificate made or imported with its key"
            )
        yield


async def release_certificates(
    before: Dot1xSettings, after: Dot1xSettings, user: str, deps: Deps
) -> None:
    """A restore took the wire's or the WLAN's 802.1X from ``before`` to ``after``.

    What it used and uses no more is released: a factory default releases all, a restore keeps
    the wire's, as its settings stay.
    """
    await certificate_uses.release_certificates(
        deps.bus, user, sorted(certificates_used(before) - certificates_used(after)), None
    )
