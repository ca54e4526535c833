"""A small OpenID Connect provider for tests: discovery, keys, authorization and tokens over HTTPS.

Its authorization endpoint is a login page that has already decided: it grants the claims in
``OidcProvider.signed_in`` and sends the browser back with a code at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from actkit_core.testing.certificates import CertificateAuthority

CLIENT_ID = "actkit-device"
CLIENT_SECRET = "device-secret"


@dataclass
class Grant:
    """What the provider remembers of a login until the code is exchanged."""

    nonce: str
    code_challenge: str
    redirect_uri: str
    claims: dict[str, Any]


@dataclass
class OidcProvider:
    """The provider's state; ``url`` is set once it serves."""

    ca_pem: str
    url: str = ""
    signing_key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    )
    impostor_key: RSAKey | None = None
    """Signs ID tokens instead of the published key when set (a forged token)."""
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: int = 0
    signed_in: dict[str, Any] = field(default_factory=dict)
    """The claims of whoever logs in at the authorization endpoint (a browser's login)."""

    @property
    def discovery_url(self) -> str:
        """Where the provider's discovery document is."""
        return f"{self.url}/.well-known/openid-configuration"

    def log_in(self, nonce: str, code_challenge: str, redirect_uri: str, **claims: Any) -> str:
        """What the provider's login page does: remember the grant, hand out a code."""
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(nonce, code_challenge, redirect_uri, claims)
        return code

    def id_token(self, grant: Grant) -> str:
        """The signed ID token for ``grant``: its nonce and claims, for five minutes."""
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "sub": "user-1",
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            **grant.claims,
        }
        header = {"alg": "RS256", "kid": "test-key"}
        return jwt.encode(header, claims, self.impostor_key or self.signing_key)


def _handler(provider: OidcProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                self._send(
                    200,
                    {
                        "issuer": provider.url,
                        "authorization_endpoint": f"{provider.url}/authorize",
                        "token_endpoint": f"{provider.url}/token",
                        "jwks_uri": f"{provider.url}/jwks",
                        "response_types_supported": ["code"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                    },
                )
            elif self.path == "/jwks":
                self._send(200, dict(KeySet([provider.signing_key]).as_dict(private=False)))
            elif self.path.startswith("/authorize?"):
                self._authorize({k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})
            else:
                self._send(404, {"error": "not_found"})

        def _authorize(self, query: dict[str, str]) -> None:
            if query.get("client_id") != CLIENT_ID or "redirect_uri" not in query:
                self._send(400, {"error": "invalid_request"})
                return
            code = provider.log_in(
                query.get("nonce", ""),
                query.get("code_challenge", ""),
                query["redirect_uri"],
                **provider.signed_in,
            )
            answer = urlencode({"code": code, "state": query.get("state", "")})
            self.send_response(302)
            self.send_header("Location", f"{query['redirect_uri']}?{answer}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            provider.token_requests += 1
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {expected}":
                self._send(401, {"error": "invalid_client"})
                return
            grant = provider.grants.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if (
                grant is None
                or grant.code_challenge != challenge
                or grant.redirect_uri != form.get("redirect_uri")
            ):
                self._send(400, {"error": "invalid_grant"})
                return
            self._send(
                200,
                {
                    "access_token": "at",
                    "token_type": "Bearer",
                    "id_token": provider.id_token(grant),
                },
            )

    return Handler


@contextmanager
def serve_provider() -> Iterator[OidcProvider]:
    """Run the provider on 127.0.0.1 on a free port, over HTTPS, until the block ends."""
    ca = CertificateAuthority("Test OIDC CA")
    provider = OidcProvider(ca.pem)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    server.socket = ca.server_context("127.0.0.1").wrap_socket(server.socket, server_side=True)
    provider.url = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
