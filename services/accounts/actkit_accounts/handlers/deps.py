"""What every handler of the accounts service is given, built in main.py."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from actkit_accounts.domain.accounts import Account
from actkit_accounts.domain.blocking import Blocker
from actkit_accounts.domain.certificates import PublicKey
from actkit_accounts.domain.digest import NonceBook
from actkit_accounts.domain.openid import PendingLogin, Provider
from actkit_accounts.domain.sessions import SessionBook
from actkit_accounts.domain.username_token import NonceLedger
from actkit_accounts.handlers.passwords import Passwords
from actkit_accounts.ports import KeystorePort, OpenIdConnector, SshPort
from actkit_accounts.store import AccountStore, CertificateStore, ServiceAccountStore
from actkit_core.bus import Publisher
from actkit_core.clock import Clock, SystemClock
from actkit_proto.accounts import AccessFailed, AuthSettings, OpenIdSettings

ACCESS_LOG_SIZE = 1000


@dataclass
class Options:
    """The settings people change over the bus, kept in memory and in the options table."""

    auth: AuthSettings = field(default_factory=AuthSettings)


@dataclass
class OpenIdState:
    """OpenID's settings with the client secret, the provider once discovered, logins under way."""

    settings: OpenIdSettings = field(default_factory=OpenIdSettings)
    client_secret: str = ""
    provider: Provider | None = None
    pending: dict[str, PendingLogin] = field(default_factory=dict)
    """Logins sent to the provider, by state, oldest first."""


@dataclass(frozen=True)
class Deps:
    store: AccountStore
    certificates: CertificateStore
    onvif_accounts: ServiceAccountStore
    ssh_accounts: ServiceAccountStore
    ssh: SshPort
    bus: Publisher
    passwords: Passwords
    accounts: dict[str, Account]
    """Every account, kept in memory: each request's check is a dictionary look-up."""
    nonces: NonceBook
    blocker: Blocker
    sessions: SessionBook
    realm: str
    keystore: KeystorePort
    """Seals what must be read back (ONVIF passwords)."""
    onvif_nonces: NonceLedger
    open_openid: OpenIdConnector
    """Opens a connection to the OpenID provider (the outgoing HTTPS of a login)."""
    certificate_dir: Path | None = None
    """Where certificates in use by a program that reads files (802.1X) are written; none:
    nowhere."""
    os_signing_key: PublicKey | None = None
    """What custom signed OS certificates must be signed by; none configured: none installed."""
    device_serial: str = ""
    """The serial number a custom signed OS certificate must name (none installs when empty)."""
    options: Options = field(default_factory=Options)
    web_host_names: tuple[str, ...] = ("localhost",)
    """Names in the web's self-signed certificate, made at first start and after a reset."""
    openid: OpenIdState = field(default_factory=OpenIdState)
    clock: Clock = field(default_factory=SystemClock)
    access_log: deque[AccessFailed] = field(default_factory=lambda: deque(maxlen=ACCESS_LOG_SIZE))
    """The latest failed attempts, newest last (the system service keeps the long log)."""
    writing: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Serialises changes to the accounts so that the checks and the write see the same state."""
