"""A service's uses of the device's certificate store: marked in use there, released after.

accounts owns the certificates; a service that uses some (802.1X, MQTT, remote syslog) marks
them in use, so accounts refuses an unknown id and refuses to delete one still in use.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable

from pydantic import ValidationError

from actkit_core.bus import Publisher
from actkit_proto.accounts import CertificateInfo, SetCertificateUse
from actkit_proto.base import Actor
from actkit_proto.errors import BusError, Invalid

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def certificates_in_use(
    bus: Publisher,
    user: str,
    before: Iterable[str],
    after: Iterable[str],
    actor: Actor | None,
) -> AsyncIterator[dict[str, CertificateInfo]]:
    """Mark what ``after`` adds to ``before`` as ``user``'s, run the body, release the rest.

    What ``after`` no longer has is released once the body is done. The body gets the marked
    certificates' information by id, to refuse one that does not fit (a client certificate
    without its key). A refused id or a body that fails releases what was marked and leaves
    the rest as it was.

    Raises:
        Invalid: an id that cannot name a certificate.
        NotFound: an id the store does not have, named.
    """
    was, wanted = set(before), set(after)
    marked: dict[str, CertificateInfo] = {}
    try:
        for cert_id in sorted(wanted - was):
            marked[cert_id] = await _mark(bus, user, cert_id, actor, is_used=True)
        yield marked
    except BaseException:
        await release_certificates(bus, user, marked, actor)
        raise
    await release_certificates(bus, user, sorted(was - wanted), actor)


async def release_certificates(
    bus: Publisher, user: str, cert_ids: Iterable[str], actor: Actor | None
) -> None:
    """Mark ``cert_ids`` no longer used by ``user``; one the store lost already is logged."""
    for cert_id in cert_ids:
        try:
            await _mark(bus, user, cert_id, actor, is_used=False)
        except BusError as exc:
            log.warning("%s no longer uses %r, but it stays marked: %s", user, cert_id, exc.message)


async def _mark(
    bus: Publisher, user: str, cert_id: str, actor: Actor | None, *, is_used: bool
) -> CertificateInfo:
    try:
        command = SetCertificateUse(cert_id=cert_id, user=user, is_used=is_used, actor=actor)
    except ValidationError:
        raise Invalid(f"there is no certificate {cert_id!r}") from None
    return await bus.request(command)
