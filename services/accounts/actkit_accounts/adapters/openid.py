"""OpenID Connect as a relying party, over HTTPS: discovery, code exchange, the ID token.

Authlib builds the token request, joserfc checks the ID token, httpx carries them, trusting the
device's CA certificates.
"""

from __future__ import annotations

import json
import ssl
import time
from typing import Any, cast

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_token_request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization

from actkit_accounts.domain.openid import PendingLogin, Provider
from actkit_proto import Invalid, Unauthenticated, Unavailable

_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "ES512", "EdDSA"]


class OpenIdClient:
    """Talks to one provider over HTTPS, trusting ``ca_pem`` (the device's CA certificates).

    Implements :class:`~actkit_accounts.ports.OpenIdPort`.
    """

    def __init__(self, ca_pem: str, proxy: str = "", timeout_s: float = 10.0) -> None:
        context = ssl.create_default_context(cadata=ca_pem or None)
        self._http = httpx.AsyncClient(verify=context, proxy=proxy or None, timeout=timeout_s)

    async def close(self) -> None:
        await self._http.aclose()

    async def discover(self, url: str) -> Provider:
        """Fetch and check the discovery document."""
        document = await self._get_json(url, "the provider's discovery document")
        missing = [
            key
            for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
            if not isinstance(document.get(key), str)
        ]
        if missing:
            raise Invalid(f"the discovery document at {url} lacks {', '.join(missing)}")
        return Provider(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks_uri=document["jwks_uri"],
        )

    async def complete(
        self,
        provider: Provider,
        client_id: str,
        client_secret: str,
        pending: PendingLogin,
        code: str,
    ) -> dict[str, object]:
        """Exchange the code for tokens and return the checked ID token's claims."""
        body = prepare_token_request(
            "authorization_code",
            redirect_uri=pending.redirect_uri,
            code=code,
            code_verifier=pending.code_verifier,
        )
        try:
            response = await self._http.post(
                provider.token_endpoint,
                content=body,
                auth=(client_id, client_secret),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        except httpx.HTTPError as exc:
            raise Unavailable(f"the OpenID provider cannot be reached: {exc}") from None
        if response.status_code != 200:
            raise Unauthenticated(
                f"the OpenID provider refused the login ({response.status_code}): "
                f"{response.text[:200]}"
            )
        id_token = _json(response, "the token response").get("id_token")
        if not isinstance(id_token, str):
            raise Unauthenticated("the OpenID provider sent no ID token")
        document = await self._get_json(provider.jwks_uri, "the provider's keys")
        try:
            keys = KeySet.import_key_set(cast(KeySetSerialization, document))
            token = jwt.decode(id_token, keys, algorithms=_ALGORITHMS)
            jwt.JWTClaimsRegistry(
                now=int(time.time()),
                leeway=60,
                iss={"essential": True, "value": provider.issuer},
                aud={"essential": True, "value": client_id},
                nonce={"essential": True, "value": pending.nonce},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise Unauthenticated(f"the ID token is not valid: {exc}") from None
        return dict(token.claims)

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url)
        except httpx.HTTPError as exc:
            raise Unavailable(f"{what} cannot be fetched from {url}: {exc}") from None
        if response.status_code != 200:
            raise Unavailable(f"{what} at {url} answered {response.status_code}")
        return _json(response, what)


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        document = response.json()
    except json.JSONDecodeError:
        raise Invalid(f"{what} is not JSON") from None
    if not isinstance(document, dict):
        raise Invalid(f"{what} is not a JSON object")
    return document
