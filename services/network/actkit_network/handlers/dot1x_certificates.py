"""The certificates 802.1X uses, chosen from accounts' store and marked in use there.

accounts refuses an unknown certificate, refuses to delete one in use, and writes the files
NetworkManager reads (``<id>.pem``, ``<id>.key``) while 802.1X uses it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable

from pydantic import ValidationError

from actkit_network.handlers.deps import Deps
from actkit_proto.accounts import CertificateInfo, SetCertificateUse
from actkit_proto.base import Actor
from actkit_proto.errors import BusError, Invalid
from actkit_proto.network import Dot1xMethod, Dot1xSettings

DOT1X_USER = "ieee8021x"
"""How 802.1X is named in a certificate's ``used_by``."""
log = logging.getLogger(__name__)


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
    stored: Dot1xSettings, new: Dot1xSettings, actor: Actor | None, deps: Deps
) -> AsyncIterator[None]:
    """Mark what ``new`` starts using, apply (the body), then unmark what it no longer uses.

    A certificate refused (unknown, a client certificate without its key on the device) or a
    body that fails leaves the marks as they were.
    """
    before, after = certificates_used(stored), certificates_used(new)
    started: list[str] = []
    try:
        for cert_id in sorted(after - before):
            info = await _mark(cert_id, actor, deps, is_used=True)
            started.append(cert_id)
            if cert_id == new.client_certificate and not info.has_private_key:
                raise Invalid(
                    f"client_certificate: the device has no private key for {cert_id!r}; "
                    "choose a client certificate made or imported with its key"
                )
        yield
    except BaseException:
        await _unmark(started, actor, deps)
        raise
    await _unmark(sorted(before - after), actor, deps)


async def _mark(cert_id: str, actor: Actor | None, deps: Deps, *, is_used: bool) -> CertificateInfo:
    try:
        command = SetCertificateUse(cert_id=cert_id, user=DOT1X_USER, is_used=is_used, actor=actor)
    except ValidationError:
        raise Invalid(f"there is no certificate {cert_id!r}") from None
    return await deps.bus.request(command)


async def _unmark(cert_ids: Iterable[str], actor: Actor | None, deps: Deps) -> None:
    for cert_id in cert_ids:
        try:
            await _mark(cert_id, actor, deps, is_used=False)
        except BusError as exc:  # gone already: nothing to release
            log.warning("802.1X no longer uses %r, but it stays marked: %s", cert_id, exc.message)
