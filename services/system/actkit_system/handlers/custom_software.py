"""Which signatures an upgrade trusts: the configured keys, then the custom signed OS certificate's.

accounts keeps the certificate; it is asked at each upgrade, so removing it stops custom
software at once.
"""

from __future__ import annotations

from actkit_proto import Forbidden, NotFound
from actkit_proto.accounts import GetOsCertificate
from actkit_proto.errors import BusError
from actkit_proto.system import UpgradeBundle, UpgradeSettings
from actkit_system.domain.custom_software import custom_signing_key
from actkit_system.domain.rollout import Release, verify_bundle
from actkit_system.handlers.deps import Deps


async def verified_release(bundle: UpgradeBundle, trusted: UpgradeSettings, deps: Deps) -> Release:
    """The bundle's release, signed by a trusted key or one the custom OS certificate certifies.

    That is the OS certificate's own key, or the first of the bundle's signer chain leading to it.

    Raises:
        Forbidden: neither verifies; why the certificate's key does not count, when installed.
    """
    try:
        return verify_bundle(bundle, trusted)
    except Forbidden as refused:
        if bundle.signature is None:
            raise
        try:
            installed = await deps.bus.request(GetOsCertificate())
        except NotFound:
            raise refused from None
        except BusError as exc:
            raise Forbidden(f"{refused.message} (custom software: {exc.message})") from None
        key = custom_signing_key(
            installed.certificate_pem,
            deps.identity.serial_number,
            deps.time.now(),
            bundle.signer_chain,
        )
        return verify_bundle(bundle, UpgradeSettings(public_keys=[key]))
