"""Certificates made and read by the service, checked with the ``openssl`` command."""

import base64
import subprocess
from pathlib import Path

from actkit_accounts.main import serve
from actkit_accounts.settings import AccountsSettings
from actkit_core.bus import Bus
from actkit_core.testing.plugin import running
from actkit_proto.accounts import (
    CreateSelfSignedCertificate,
    CreateSigningRequest,
    GetWebServerIdentity,
    ImportCertificate,
)

from ..conftest import CHEAP_ARGON2


def openssl(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["openssl", *args], input=stdin, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout + done.stderr


async def test_openssl_reads_what_the_service_makes_and_the_service_reads_what_openssl_makes(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    settings = AccountsSettings(
        nats_url=nats_server, data_dir=tmp_path, metrics_port=0, **CHEAP_ARGON2
    )
    async with running(serve, settings):
        made = await bus.request(
            CreateSelfSignedCertificate(
                cert_id="big", common_name="box.example", key_type="rsa-4096", valid_days=10
            ),
            timeout_s=60,
        )
        text = openssl("x509", "-noout", "-text", stdin=made.certificate_pem)
        assert "Public-Key: (4096 bit)" in text
        assert "Subject: CN = box.example" in text

        csr = await bus.request(CreateSigningRequest(cert_id="big"))
        assert "verify OK" in openssl("req", "-verify", "-noout", stdin=csr.csr_pem)

        identity = await bus.request(GetWebServerIdentity())
        (tmp_path / "web.pem").write_text(identity.certificate_chain_pem)
        (tmp_path / "web.key").write_text(identity.private_key_pem)
        certificate_key = openssl("x509", "-noout", "-pubkey", "-in", str(tmp_path / "web.pem"))
        private_key = openssl("pkey", "-pubout", "-in", str(tmp_path / "web.key"))
        assert certificate_key == private_key

        key, certificate, pfx = (tmp_path / n for n in ("o.key", "o.pem", "o.pfx"))
        openssl(
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-nodes",
            "-subj",
            "/CN=from-openssl",
            "-days",
            "5",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        )
        openssl(
            "pkcs12",
            "-export",
            "-inkey",
            str(key),
            "-in",
            str(certificate),
            "-passout",
            "pass:pfx-pass",
            "-out",
            str(pfx),
        )
        imported = await bus.request(
            ImportCertificate(
                cert_id="from-openssl",
                pkcs12=base64.b64encode(pfx.read_bytes()).decode(),
                passphrase="pfx-pass",
            )
        )
        fingerprint = openssl("x509", "-noout", "-fingerprint", "-sha256", "-in", str(certificate))
        assert imported.fingerprint_sha256.upper() == fingerprint.strip().split("=", 1)[1]
        assert (imported.key_type, imported.has_private_key) == ("ecdsa-p384", True)
