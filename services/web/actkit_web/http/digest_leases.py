"""Digest nonces accounts handed over: the next answers on each are checked here, not over the bus.

A VAPIX client keeps its nonce and counts up (``nc``) for as long as it lives. Accounts checks the
first answer on a nonce and, asked to, hands it over with what the check needs (the account's
H(name:realm:password), never the password): from then the web accepts an answer on it that counts
higher, names the same account and request target and is correct. Anything else, a replayed count
too, drops the nonce and goes to accounts, which checks the answer: a wrong one is counted as a
failure from the client's address (its blocking sees it), a right one is refused as stale (accounts
no longer takes answers on the nonce), and the client asks anew. A change of the account, of the
authentication settings, or a failure from the client's address (their events) drops the nonces
concerned at once.
"""

from __future__ import annotations

import hmac
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from actkit_core.bus import Bus
from actkit_proto.accounts import (
    AccessFailed,
    AccountsChanged,
    AuthSettingsChanged,
    DigestIdentity,
    DigestLease,
    Identity,
)
from actkit_proto.errors import BusError
from actkit_proto.http_digest import DigestAnswer

CAPACITY = 1000
"""Nonces held at most; the oldest go first (their clients then ask accounts again)."""


@dataclass
class _Held:
    lease: DigestLease
    identity: Identity
    client_address: str
    highest_nc: int


class DigestLeases:
    """The nonces held, by nonce, oldest first."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._held: OrderedDict[str, _Held] = OrderedDict()
        self.reconnects: Callable[[], int] = lambda: 0
        """How often the bus connection was made anew: events may have been missed meanwhile."""
        self._reconnects_seen = 0

    def __len__(self) -> int:
        return len(self._held)

    def take(self, identity: DigestIdentity, client_address: str) -> None:
        """Hold the nonce accounts handed over with ``identity``, if it did."""
        lease = identity.lease
        if lease is None:
            return
        who = Identity(name=identity.name, role=identity.role)
        self._held[lease.nonce] = _Held(lease, who, client_address, lease.nc)
        while len(self._held) > self.capacity:
            self._held.popitem(last=False)

    def check(
        self, authorization: str, method: str, target: str, client_address: str, now_s: float
    ) -> Identity | None:
        """Who answered, when the answer is on a held nonce, counts higher and is right.

        None: accounts answers (the nonce is dropped if it was held for this address).
        """
        reconnects = self.reconnects()
        if reconnects != self._reconnects_seen:
            self._reconnects_seen = reconnects
            self.forget_all()
        try:
            answer = DigestAnswer.parse(authorization)
        except BusError:
            return None
        held = self._held.get(answer.nonce)
        if held is None or held.client_address != client_address:
            return None
        lease = held.lease
        if not (
            answer.nc > held.highest_nc
            and now_s <= lease.expires_at_s
            and answer.username == held.identity.name
            and not answer.is_userhash
            and answer.realm == lease.realm
            and answer.algorithm == lease.algorithm
            and answer.uri == target
            and (answer.opaque is None or hmac.compare_digest(answer.opaque, lease.opaque))
            and answer.is_correct(lease.ha1, method.upper())
        ):
            del self._held[answer.nonce]
            return None
        held.highest_nc = answer.nc
        return held.identity

    def forget_accounts(self, names: list[str]) -> None:
        """Drop the nonces of these accounts (changed, deleted)."""
        for nonce in [n for n, held in self._held.items() if held.identity.name in names]:
            del self._held[nonce]

    def forget_client(self, client_address: str) -> None:
        """Drop the nonces held for this address (a failure from it: blocking is accounts')."""
        for nonce in [n for n, held in self._held.items() if held.client_address == client_address]:
            del self._held[nonce]

    def forget_all(self) -> None:
        """Drop every nonce (the authentication settings changed)."""
        self._held.clear()


async def watch_digest_leases(bus: Bus, leases: DigestLeases) -> None:
    """Drop held nonces as accounts' events say: accounts changed, settings changed, a failure.

    Every one goes once the connection was made anew, in case one of those was missed.
    """

    async def accounts_changed(event: AccountsChanged) -> None:
        leases.forget_accounts(event.names)

    async def settings_changed(_event: AuthSettingsChanged) -> None:
        leases.forget_all()

    async def access_failed(event: AccessFailed) -> None:
        leases.forget_client(event.client_address)

    leases.reconnects = lambda: int(bus.client.stats["reconnects"])
    await bus.subscribe(AccountsChanged, accounts_changed)
    await bus.subscribe(AuthSettingsChanged, settings_changed)
    await bus.subscribe(AccessFailed, access_failed)
