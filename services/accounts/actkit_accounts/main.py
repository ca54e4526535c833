"""Composition root of the accounts service: builds its dependencies and serves its handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator

from argon2 import PasswordHasher

from actkit_accounts.adapters.keystore import SoftwareKeystore
from actkit_accounts.adapters.sim import SimSsh
from actkit_accounts.adapters.system import SshLayout, SystemSsh
from actkit_accounts.domain.blocking import Blocker
from actkit_accounts.domain.certificates import load_public_key
from actkit_accounts.domain.digest import NonceBook
from actkit_accounts.domain.sessions import SessionBook
from actkit_accounts.domain.username_token import NonceLedger
from actkit_accounts.handlers import HANDLERS, Deps
from actkit_accounts.handlers.certificates import install_defaults
from actkit_accounts.handlers.deps import OpenIdState, Options
from actkit_accounts.handlers.passwords import Passwords
from actkit_accounts.handlers.policy import blocking_policy
from actkit_accounts.metrics import SESSIONS
from actkit_accounts.ports import OpenIdPort, SshPort
from actkit_accounts.settings import AccountsSettings
from actkit_accounts.store import (
    AccountStore,
    CertificateStore,
    ServiceAccountStore,
    SshEnabled,
    StoredOpenId,
)
from actkit_core import lifecycle
from actkit_core.lifecycle import Runtime, serve_service
from actkit_proto import BusError
from actkit_proto.accounts import AuthSettings, BruteForceSettings, OpenIdSettings

MIGRATIONS = "actkit_accounts:migrations"

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def build_deps(settings: AccountsSettings, runtime: Runtime) -> AsyncIterator[Deps]:
    assert runtime.sessions is not None
    store = AccountStore(runtime.sessions)
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    deps = Deps(
        store=store,
        certificates=CertificateStore(runtime.sessions),
        onvif_accounts=ServiceAccountStore(runtime.sessions, "onvif"),
        ssh_accounts=ServiceAccountStore(runtime.sessions, "ssh"),
        ssh=ssh_adapter(settings),
        bus=runtime.bus,
        passwords=Passwords(hasher, settings.realm),
        accounts={account.name: account for account in await store.load()},
        nonces=NonceBook(settings.nonce_lifetime_s),
        blocker=Blocker(blocking_policy(await store.sections.load(BruteForceSettings))),
        sessions=SessionBook(settings.session_idle_s),
        realm=settings.realm,
        keystore=SoftwareKeystore(settings.keystore_path),
        onvif_nonces=NonceLedger(settings.onvif_token_window_s),
        open_openid=open_openid,
        options=Options(auth=await store.sections.load(AuthSettings)),
        os_signing_key=(
            load_public_key(settings.os_signing_key_pem) if settings.os_signing_key_pem else None
        ),
        device_serial=settings.device_serial,
        certificate_dir=settings.certificate_path,
        openid=openid_state(await store.sections.load(StoredOpenId)),
        web_host_names=tuple(web_host_names(settings)),
    )
    SESSIONS.set_function(lambda: deps.sessions.count(deps.clock.now()))
    await install_defaults(deps, list(deps.web_host_names))
    try:
        await deps.ssh.set_enabled((await store.sections.load(SshEnabled)).root)
    except BusError as exc:  # the service still starts: every other way in depends on it
        log.error("SSH is on but could not be started: %s", exc.message)
    try:
        yield deps
    finally:
        await deps.ssh.close()


def ssh_adapter(settings: AccountsSettings) -> SshPort:
    if settings.adapter == "sim":
        return SimSsh()
    return SystemSsh(
        SshLayout(
            user_prefix=settings.ssh_user_prefix,
            group=settings.ssh_group,
            home_base=settings.ssh_home_base,
            shell=settings.ssh_shell,
            config_dir=settings.ssh_config_dir,
            sshd_binary=settings.sshd_binary,
            port=settings.ssh_port,
        )
    )


def open_openid(ca_pem: str, proxy: str) -> OpenIdPort:
    # Imported when a login needs it: with httpx, Authlib and joserfc, ~0.3 s of every start.
    from actkit_accounts.adapters.openid import OpenIdClient

    return OpenIdClient(ca_pem, proxy)


def openid_state(stored: StoredOpenId) -> OpenIdState:
    settings = OpenIdSettings.model_validate(stored.model_dump(exclude={"client_secret"}))
    return OpenIdState(settings=settings, client_secret=stored.client_secret)


def web_host_names(settings: AccountsSettings) -> list[str]:
    return settings.web_host_names or [socket.gethostname(), "localhost", "127.0.0.1", "::1"]


async def serve(settings: AccountsSettings, ready: asyncio.Event | None = None) -> None:
    await serve_service(
        settings,
        handlers=HANDLERS,
        build_deps=build_deps,
        migrations=MIGRATIONS,
        adapter=settings.adapter,
        ready=ready,
    )


def run() -> None:
    lifecycle.run(serve(AccountsSettings()))
