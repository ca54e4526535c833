"""Answers to "who is this": Basic, Digest and browser sessions, with brute-force blocking."""

from __future__ import annotations

from actkit_accounts.domain.accounts import Account
from actkit_accounts.domain.digest import ALGORITHMS, DigestAnswer, digest_hash
from actkit_accounts.domain.sessions import SessionEntry
from actkit_accounts.handlers.deps import Deps
from actkit_accounts.metrics import AUTHENTICATIONS
from actkit_proto import Ack, BusError, Unauthenticated
from actkit_proto.accounts import (
    AccessFailed,
    CreateSession,
    DigestChallenge,
    DigestIdentity,
    DigestLease,
    EndSession,
    GetDigestChallenge,
    Identity,
    Session,
    VerifyAnonymous,
    VerifyBasic,
    VerifyDigest,
    VerifySession,
)
from actkit_proto.base import Role

WRONG_CREDENTIALS = "wrong user name or password"
ANONYMOUS = "anonymous"
"""The name a client without credentials goes by while anonymous viewing is on."""


async def verify_basic(command: VerifyBasic, deps: Deps) -> Identity:
    if deps.options.auth.http_authentication == "digest":
        raise Unauthenticated("Basic authentication is turned off on this device; use Digest")
    account = await _check_password(
        deps, command.name, command.password, command.client_address, command.page, "Basic"
    )
    return _identity(account)


async def verify_anonymous(_command: VerifyAnonymous, deps: Deps) -> Identity:
    if not deps.options.auth.allow_anonymous_viewing:
        raise Unauthenticated("log in first: this needs a user name and password")
    return Identity(name=ANONYMOUS, role=Role.VIEWER)


async def create_session(command: CreateSession, deps: Deps) -> Session:
    account = await _check_password(
        deps, command.name, command.password, command.client_address, "login", "Session"
    )
    token, entry = deps.sessions.open(account.name, deps.clock.now())
    return session(token, entry, account.name, account.role)


async def verify_session(command: VerifySession, deps: Deps) -> Session:
    entry = deps.sessions.renew(command.token, deps.clock.now())
    if entry.remote_role is not None:
        return session(command.token, entry, entry.name, entry.remote_role)
    account = deps.accounts.get(entry.name)
    if account is None:
        deps.sessions.end(command.token)
        raise Unauthenticated("the session's account no longer exists; log in again")
    return session(command.token, entry, account.name, account.role)


async def end_session(command: EndSession, deps: Deps) -> Ack:
    deps.sessions.end(command.token)
    return Ack()


async def get_digest_challenge(_command: GetDigestChallenge, deps: Deps) -> DigestChallenge:
    return DigestChallenge(
        realm=deps.realm,
        nonce=deps.nonces.issue(deps.clock.now().timestamp()),
        opaque=deps.nonces.opaque,
        algorithms=list(ALGORITHMS),
    )


async def verify_digest(command: VerifyDigest, deps: Deps) -> DigestIdentity:
    _require_setup(deps)
    if deps.options.auth.http_authentication == "basic":
        raise Unauthenticated("Digest authentication is turned off on this device; use Basic")
    now = deps.clock.now()
    await check_not_blocked(deps, command.client_address, command.page, "Digest", "")
    try:
        answer = DigestAnswer.parse(command.authorization)
    except BusError as exc:
        await record_failure(deps, command.client_address, "", command.page, "Digest", exc.message)
        raise
    # A stale nonce is the normal end of a client's Digest session, not an attack: no count.
    deps.nonces.check(answer, now.timestamp())
    if command.uri is not None and not answer.names_target(command.uri):
        reason = f"the Digest uri {answer.uri[:200]!r} is not the page asked for"
        await record_failure(
            deps, command.client_address, answer.username, command.page, "Digest", reason
        )
        raise Unauthenticated(reason)
    account = _digest_account(deps, answer)
    stored = None
    if account is not None and answer.realm == deps.realm:
        hashes = account.hashes
        stored = hashes.ha1_md5 if answer.algorithm == "MD5" else hashes.ha1_sha256
    if stored is None or not answer.is_correct(stored, command.method.upper()):
        await record_failure(
            deps, command.client_address, answer.username, command.page, "Digest", WRONG_CREDENTIALS
        )
        raise Unauthenticated(WRONG_CREDENTIALS)
    assert account is not None
    deps.nonces.confirm(answer)
    count("Digest", "accepted")
    # Handed over only when the web's check of the next answers is the same: the answer names
    # the account and the request target as they are (no user hash, no absolute URI).
    if not command.lease or answer.is_userhash or answer.uri != command.uri:
        deps.nonces.accept(answer)
        return DigestIdentity(name=account.name, role=account.role)
    lease = DigestLease(
        nonce=answer.nonce,
        ha1=stored,
        algorithm=answer.algorithm,
        realm=deps.realm,
        opaque=deps.nonces.opaque,
        nc=answer.nc,
        expires_at_s=deps.nonces.hand_over(answer),
    )
    return DigestIdentity(name=account.name, role=account.role, lease=lease)


def _digest_account(deps: Deps, answer: DigestAnswer) -> Account | None:
    if not answer.is_userhash:
        return deps.accounts.get(answer.username)
    for account in deps.accounts.values():
        hashed = digest_hash(answer.algorithm, f"{account.name}:{deps.realm}")
        if hashed == answer.username:
            return account
    return None


async def _check_password(
    deps: Deps, name: str, password: str, client: str, page: str, method: str
) -> Account:
    _require_setup(deps)
    await check_not_blocked(deps, client, page, method, name)
    account = deps.accounts.get(name)
    if not await deps.passwords.verify(account, password) or account is None:
        await record_failure(deps, client, name, page, method, WRONG_CREDENTIALS)
        raise Unauthenticated(WRONG_CREDENTIALS)
    count(method, "accepted")
    return account


def _require_setup(deps: Deps) -> None:
    if not deps.accounts:
        raise Unauthenticated("the device has no account yet: create the first administrator")


async def check_not_blocked(deps: Deps, client: str, page: str, method: str, name: str) -> None:
    try:
        deps.blocker.check(client, page, deps.clock.now().timestamp())
    except BusError as exc:
        count(method, "blocked")
        await _log(deps, client, name, page, method, exc.message)
        raise


async def record_failure(
    deps: Deps, client: str, name: str, page: str, method: str, reason: str
) -> None:
    deps.blocker.record_failure(client, page, deps.clock.now().timestamp())
    count(method, "refused")
    await _log(deps, client, name, page, method, reason)


async def _log(deps: Deps, client: str, name: str, page: str, method: str, reason: str) -> None:
    event = AccessFailed(
        at=deps.clock.now(),
        client_address=client,
        name=name[:64],
        method=method,
        page=page,
        reason=reason,
    )
    deps.access_log.append(event)
    await deps.bus.publish(event)


def count(method: str, outcome: str) -> None:
    """Count one check of credentials, by ``method`` as the access log names it."""
    AUTHENTICATIONS.labels(method.lower().replace(" ", "_"), outcome).inc()


def _identity(account: Account) -> Identity:
    return Identity(name=account.name, role=account.role)


def session(token: str, entry: SessionEntry, name: str, role: Role) -> Session:
    return Session(
        token=token,
        csrf_token=entry.csrf_token,
        expires_at=entry.expires_at,
        identity=Identity(name=name, role=role),
    )
