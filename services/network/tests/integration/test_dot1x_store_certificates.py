"""802.1X EAP-TLS with certificates of the store: the accounts service (its own process, as on the
board) writes the files, the network service points the real NetworkManager at them."""

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from actkit_core.bus import Bus
from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.eventually import eventually
from actkit_core.testing.plugin import running
from actkit_network.adapters.networkmanager import NetworkManager
from actkit_network.main import serve
from actkit_proto import BusError, Conflict
from actkit_proto.accounts import DeleteCertificate, ImportCertificate, ListCertificates
from actkit_proto.network import Dot1xMethod, Dot1xSettings, SetDot1x

from .conftest import NetworkManagerPeer

pytestmark = pytest.mark.timeout(60)


@asynccontextmanager
async def accounts_process(bus: Bus, nats_server: str, data_dir: Path) -> AsyncIterator[None]:
    """The accounts service as its own process, answering on the bus; stopped by its PID."""
    environment = {
        **os.environ,
        "ACTKIT_ACCOUNTS_NATS_URL": nats_server,
        "ACTKIT_ACCOUNTS_DATA_DIR": str(data_dir),
        "ACTKIT_ACCOUNTS_METRICS_PORT": "0",
        "ACTKIT_CERTIFICATE_DIR": str(data_dir / "certificates"),
    }
    program = Path(sys.executable).parent / "actkit-accounts"
    process = await asyncio.create_subprocess_exec(program, env=environment)

    async def answers() -> bool:
        try:
            await bus.request(ListCertificates(kind="ca"), timeout_s=1)
        except (BusError, TimeoutError):
            return False
        return True

    try:
        await eventually(answers, timeout_s=30, interval_s=0.2)
        yield
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


def _path(value: object) -> Path:
    """A NetworkManager certificate property (``file://<path>`` and a NUL) as a path."""
    text = bytes(value).decode()  # type: ignore[call-overload]
    assert text.startswith("file://") and text.endswith("\0"), text
    return Path(text.removeprefix("file://").removesuffix("\0"))


async def test_eap_tls_with_store_certificates_gives_networkmanager_files_that_match(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    networkmanager: NetworkManager,
    networkmanager_peer: NetworkManagerPeer,
) -> None:
    ca = CertificateAuthority()
    car = ca.issue("car-12.fleet.example")
    certificates = tmp_path / "accounts" / "certificates"
    settings = networkmanager_peer.service_settings(
        nats_server, tmp_path / "network", certificate_dir=certificates
    )
    async with (
        accounts_process(bus, nats_server, tmp_path / "accounts"),
        running(serve, settings),
    ):
        await bus.request(
            ImportCertificate(
                cert_id="car-12", certificate=car.certificate_pem, private_key=car.private_key_pem
            )
        )
        await bus.request(ImportCertificate(cert_id="fleet-ca", kind="ca", certificate=ca.pem))
        eap_tls = Dot1xSettings(
            is_enabled=True,
            method=Dot1xMethod.EAP_TLS,
            client_certificate="car-12",
            ca_certificates=["fleet-ca"],
            eap_identity="car-12",
        )
        await bus.request(SetDot1x(settings=eap_tls), timeout_s=15)

        wired = await networkmanager.stored_profile("actkit-wired")
        assert wired is not None
        dot1x = {key: variant.value for key, variant in wired["802-1x"].items()}
        assert (dot1x["eap"], dot1x["identity"]) == (["tls"], "car-12")
        client, key, authority = (
            _path(dot1x[name]) for name in ("client-cert", "private-key", "ca-cert")
        )
        assert (client, key, authority) == (
            certificates / "car-12.pem",
            certificates / "car-12.key",
            certificates / "fleet-ca.pem",
        )
        assert x509.load_pem_x509_certificate(client.read_bytes()) == car.certificate
        assert x509.load_pem_x509_certificate(authority.read_bytes()) == ca.certificate
        private_key = serialization.load_pem_private_key(key.read_bytes(), password=None)
        assert private_key.public_key() == car.certificate.public_key()
        assert stat.S_IMODE(key.stat().st_mode) == 0o600

        with pytest.raises(Conflict, match="'car-12' is in use by ieee8021x"):
            await bus.request(DeleteCertificate(cert_id="car-12"))
        with pytest.raises(Conflict, match="'fleet-ca' is in use by ieee8021x"):
            await bus.request(DeleteCertificate(cert_id="fleet-ca"))

        await bus.request(SetDot1x(settings=Dot1xSettings()), timeout_s=15)
        await bus.request(DeleteCertificate(cert_id="car-12"))
        assert sorted(path.name for path in certificates.iterdir()) == []
