"""Answers to "which ONVIF account is this": WS-Security UsernameTokens or HTTP Digest."""

from __future__ import annotations

from actkit_accounts.domain.accounts import ServiceAccount
from actkit_accounts.domain.digest import DigestAnswer, digest_hash, ha1
from actkit_accounts.domain.username_token import UsernameToken
from actkit_accounts.handlers.authentication import (
    WRONG_CREDENTIALS,
    check_not_blocked,
    count,
    record_failure,
)
from actkit_accounts.handlers.deps import Deps
from actkit_accounts.handlers.service_accounts import onvif_role
from actkit_proto import BusError, Unauthenticated
from actkit_proto.accounts import OnvifIdentity, VerifyOnvifDigest, VerifyUsernameToken

PAGE = "onvif"
METHOD = "ONVIF UsernameToken"
DIGEST_METHOD = "ONVIF Digest"


async def verify_username_token(command: VerifyUsernameToken, deps: Deps) -> OnvifIdentity:
    client, name = command.client_address, command.username
    await check_not_blocked(deps, client, PAGE, METHOD, name)
    now = deps.clock.now()
    try:
        token = UsernameToken.parse(
            name,
            command.password,
            command.password_type == "digest",
            command.nonce,
            command.created,
        )
        deps.onvif_nonces.check(token, now)
    except BusError as exc:
        await record_failure(deps, client, name, PAGE, METHOD, exc.message)
        raise
    account = await deps.onvif_accounts.get(name)
    if account is None or account.sealed_password is None:
        # No sealed password: made before tokens were checked; setting it again seals it.
        await record_failure(deps, client, name, PAGE, METHOD, WRONG_CREDENTIALS)
        raise Unauthenticated(WRONG_CREDENTIALS)
    password = deps.keystore.unseal(account.sealed_password, f"onvif:{account.name}")
    if not token.is_correct(password):
        await record_failure(deps, client, name, PAGE, METHOD, WRONG_CREDENTIALS)
        raise Unauthenticated(WRONG_CREDENTIALS)
    deps.onvif_nonces.accept(token, now)
    count(METHOD, "accepted")
    return OnvifIdentity(name=account.name, role=onvif_role(account))


async def verify_onvif_digest(command: VerifyOnvifDigest, deps: Deps) -> OnvifIdentity:
    client = command.client_address
    await check_not_blocked(deps, client, PAGE, DIGEST_METHOD, "")
    try:
        answer = DigestAnswer.parse(command.authorization)
    except BusError as exc:
        await record_failure(deps, client, "", PAGE, DIGEST_METHOD, exc.message)
        raise
    # A stale nonce is the normal end of a client's Digest session, not an attack: no count.
    deps.nonces.check(answer, deps.clock.now().timestamp())
    name = answer.username
    if not answer.names_target(command.uri):
        reason = f"the Digest uri {answer.uri[:200]!r} is not the address asked for"
        await record_failure(deps, client, name, PAGE, DIGEST_METHOD, reason)
        raise Unauthenticated(reason)
    account = await _digest_account(deps, answer)
    if account is None or account.sealed_password is None or answer.realm != deps.realm:
        await record_failure(deps, client, name, PAGE, DIGEST_METHOD, WRONG_CREDENTIALS)
        raise Unauthenticated(WRONG_CREDENTIALS)
    password = deps.keystore.unseal(account.sealed_password, f"onvif:{account.name}")
    stored = ha1(answer.algorithm, account.name, deps.realm, password)
    if not answer.is_correct(stored, command.method.upper()):
        await record_failure(deps, client, account.name, PAGE, DIGEST_METHOD, WRONG_CREDENTIALS)
        raise Unauthenticated(WRONG_CREDENTIALS)
    deps.nonces.accept(answer)
    count(DIGEST_METHOD, "accepted")
    return OnvifIdentity(name=account.name, role=onvif_role(account))


async def _digest_account(deps: Deps, answer: DigestAnswer) -> ServiceAccount | None:
    if not answer.is_userhash:
        return await deps.onvif_accounts.get(answer.username)
    for account in (await deps.onvif_accounts.load()).values():
        if digest_hash(answer.algorithm, f"{account.name}:{deps.realm}") == answer.username:
            return account
    return None
