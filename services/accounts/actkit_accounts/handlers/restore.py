"""Maintenance's restore and factory default, the accounts service's part.

Restore puts the security settings back to their defaults (authentication, anonymous access,
brute-force blocking, OpenID, SSH off) and keeps the accounts and certificates; factory default
also removes every account (the device asks for a first administrator again), the ONVIF and SSH
accounts, the certificates (the pre-installed CA set and a new web certificate come back) and
the custom signed OS certificate. The README says why.
"""

from __future__ import annotations

import logging

from actkit_accounts.handlers.certificates import install_defaults
from actkit_accounts.handlers.deps import Deps, OpenIdState
from actkit_accounts.handlers.openid import mark_openid_authority
from actkit_accounts.handlers.policy import blocking_policy
from actkit_accounts.store import SshEnabled, StoredOpenId
from actkit_proto import Ack, BusError
from actkit_proto.accounts import (
    WEB_CERTIFICATE_USER,
    AccountsChanged,
    AuthSettings,
    BruteForceSettings,
    WebCertificateChanged,
)
from actkit_proto.params import RestoreScope, RestoreSettings

log = logging.getLogger(__name__)

SETTINGS_SECTIONS = (AuthSettings, BruteForceSettings, StoredOpenId, SshEnabled)
"""The stored settings a restore forgets."""


async def restore_settings(command: RestoreSettings, deps: Deps) -> Ack:
    authority = deps.openid.settings.ca_certificate
    async with deps.writing:
        await deps.ssh.set_enabled(False)
        if command.scope is RestoreScope.FACTORY_DEFAULT:
            await _factory_default(deps)
        else:
            await deps.store.sections.delete(*SETTINGS_SECTIONS)
        _default_settings(deps)
    await mark_openid_authority(deps, "", authority)  # OpenID no longer uses it
    if command.scope is RestoreScope.FACTORY_DEFAULT:
        await install_defaults(deps, list(deps.web_host_names))
        web = [c for c in await deps.certificates.load() if WEB_CERTIFICATE_USER in c.used_by]
        for certificate in web:
            await deps.bus.publish(WebCertificateChanged(cert_id=certificate.cert_id))
    return Ack()


def _default_settings(deps: Deps) -> None:
    deps.options.auth = AuthSettings()
    deps.blocker.policy = blocking_policy(BruteForceSettings())
    openid = OpenIdState()
    deps.openid.settings, deps.openid.client_secret = openid.settings, openid.client_secret
    deps.openid.provider = None
    deps.openid.pending.clear()
    deps.sessions.end_all(remote_only=True)


async def _factory_default(deps: Deps) -> None:
    for name in await deps.ssh_accounts.load():
        try:
            await deps.ssh.remove_user(name)
        except BusError as exc:  # the reset goes on; the system user is left behind
            log.warning("factory default: SSH account %s not removed: %s", name, exc.message)
    await deps.store.factory_reset()
    names = sorted(deps.accounts)
    for name in names:
        deps.passwords.forget(name)
    deps.accounts.clear()
    deps.sessions.end_all()
    deps.access_log.clear()
    if names:
        await deps.bus.publish(AccountsChanged(names=names))
