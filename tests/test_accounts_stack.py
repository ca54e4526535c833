"""The accounts service in the stack as `make run` starts it, asked as the web service asks."""

from __future__ import annotations

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from actkit_core.bus import Bus
from actkit_core.testing.stack import Stack
from actkit_proto.accounts import (
    CreateFirstAdministrator,
    GetDigestChallenge,
    GetSetupState,
    GetWebServerIdentity,
    VerifyDigest,
)

pytestmark = pytest.mark.timeout(120)


async def test_the_web_user_sets_up_the_device_checks_digest_and_gets_its_tls_identity(
    stack: Stack,
) -> None:
    async with Bus.connect("web", servers=[stack.nats_url], **stack.credentials("web")) as bus:
        assert (await bus.request(GetSetupState())).is_setup_required
        await bus.request(
            CreateFirstAdministrator(name="root", password="pass word", accept_licence=True),
            timeout_s=10,
        )
        assert not (await bus.request(GetSetupState())).is_setup_required

        challenge = await bus.request(GetDigestChallenge(client_address="127.0.0.1"))
        auth = httpx.DigestAuth("root", "pass word")
        flow = auth.sync_auth_flow(httpx.Request("GET", "https://device/axis-cgi/param.cgi"))
        request = flow.send(
            httpx.Response(
                401,
                headers={"WWW-Authenticate": challenge.www_authenticate()[0]},
                request=next(flow),
            )
        )
        identity = await bus.request(
            VerifyDigest(
                method="GET",
                authorization=request.headers["Authorization"].removeprefix("Digest "),
                client_address="127.0.0.1",
            ),
            timeout_s=10,
        )
        assert identity.name == "root"

        tls = await bus.request(GetWebServerIdentity())
        [certificate] = x509.load_pem_x509_certificates(tls.certificate_chain_pem.encode())
        key = serialization.load_pem_private_key(tls.private_key_pem.encode(), password=None)
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        assert certificate.public_key().public_bytes(serialization.Encoding.DER, spki) == (
            key.public_key().public_bytes(serialization.Encoding.DER, spki)
        )
