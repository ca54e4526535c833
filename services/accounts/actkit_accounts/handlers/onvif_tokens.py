"""Answers to "which ONVIF account is this": WS-Security UsernameTokens, digest or text."""

from __future__ import annotations

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
from actkit_proto.accounts import OnvifIdentity, VerifyUsernameToken

PAGE = "onvif"
METHOD = "ONVIF UsernameToken"


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
