import base64
import hashlib
import ssl
from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from actkit_core.testing.oidc_provider import CLIENT_ID, CLIENT_SECRET, serve_provider

VERIFIER = "a-code-verifier-long-enough-for-pkce-0123456789"
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
)
REDIRECT = "https://device.example/login/openid/callback"


def test_a_browser_login_at_the_provider_comes_back_with_a_code_for_a_signed_token() -> None:
    with serve_provider() as provider:
        provider.signed_in = {"preferred_username": "alice"}
        with httpx.Client(verify=ssl.create_default_context(cadata=provider.ca_pem)) as http:
            discovery = http.get(provider.discovery_url).json()
            assert discovery["authorization_endpoint"] == f"{provider.url}/authorize"
            keys = KeySet.import_key_set(http.get(discovery["jwks_uri"]).json())
            assert http.get(f"{provider.url}/nothing").status_code == 404
            query = {"client_id": "someone", "redirect_uri": REDIRECT}
            assert http.get(discovery["authorization_endpoint"], params=query).status_code == 400

            query = {
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT,
                "state": "s1",
                "nonce": "n1",
                "code_challenge": CHALLENGE,
            }
            back = http.get(discovery["authorization_endpoint"], params=query)
            assert back.status_code == 302
            assert back.headers["location"].startswith(REDIRECT + "?")
            answer = {
                k: v[0] for k, v in parse_qs(urlsplit(back.headers["location"]).query).items()
            }
            assert answer["state"] == "s1"

            token_url = discovery["token_endpoint"]
            exchange = {"code": answer["code"], "code_verifier": VERIFIER, "redirect_uri": REDIRECT}
            assert http.post(token_url, data=exchange).status_code == 401
            client = (CLIENT_ID, CLIENT_SECRET)
            wrong = {**exchange, "code_verifier": "another"}
            assert http.post(token_url, data=wrong, auth=client).status_code == 400
            back = http.get(discovery["authorization_endpoint"], params=query)
            code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
            tokens = http.post(token_url, data={**exchange, "code": code}, auth=client).json()
        token = jwt.decode(tokens["id_token"], keys)
        assert (token.claims["nonce"], token.claims["preferred_username"]) == ("n1", "alice")
        assert token.claims["iss"] == provider.url
        assert provider.token_requests == 3


def test_an_impostor_key_signs_tokens_the_published_keys_do_not_verify() -> None:
    with serve_provider() as provider:
        provider.impostor_key = RSAKey.generate_key(2048)
        grant_code = provider.log_in("n", CHALLENGE, REDIRECT)
        token = provider.id_token(provider.grants[grant_code])
        header = jwt.decode(token, provider.impostor_key).header
        assert header["kid"] == "test-key"
