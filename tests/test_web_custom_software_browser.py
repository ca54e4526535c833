"""Custom software in headless Chromium: an update signed with a custom signed OS certificate's key
is installed while the certificate is, and refused once it is removed."""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID
from playwright.async_api import Browser, Page, expect

from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.forker import StackForker
from actkit_core.testing.stack import Stack, running_stack

from .conftest import printed_since_up
from .test_web_browser import _logged_in_administrator, _shot, browser, pytestmark

__all__ = ["browser", "pytestmark"]
SERIAL = "ACCC8E123456"
"""The simulated device's serial number (its MAC address, AC:CC:8E:12:34:56)."""


@pytest.fixture
def signer() -> CertificateAuthority:
    return CertificateAuthority("OS signing")


@pytest.fixture
def custom_stack(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    signer: CertificateAuthority,
    forker: StackForker,
) -> Iterator[Stack]:
    """The stack of a device that accepts custom signed OS certificates from ``signer``."""
    public_pem = signer.certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    monkeypatch.setenv("ACTKIT_ACCOUNTS_OS_SIGNING_KEY_PEM", public_pem.decode())
    monkeypatch.setenv("ACTKIT_ACCOUNTS_DEVICE_SERIAL", SERIAL)
    with running_stack(tmp_path / "var", forker=forker) as running:
        yield running
        refused = [line for line in printed_since_up(running) if "permissions violation" in line]
        assert refused == [], "a service reached past its NATS permissions (make nats-conf)"


def _os_certificate(signer: CertificateAuthority, key: Ed25519PrivateKey) -> bytes:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "test software"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, SERIAL),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = signer.sign(
        key.public_key(),
        subject,
        not_before=now - datetime.timedelta(days=1),
        not_after=now + datetime.timedelta(days=30),
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def _bundle(key: Ed25519PrivateKey, version: str) -> bytes:
    manifest = json.dumps({"version": version, "services": {"io": {"image": f"actkit:{version}"}}})
    signature = base64.b64encode(key.sign(manifest.encode())).decode()
    return json.dumps({"manifest": manifest, "signature": signature}).encode()


async def _upload(page: Page, bundle: bytes) -> None:
    await page.click("nav >> text=Maintenance")
    await page.set_input_files(
        "#upgrade-bundle",
        {"name": "update.json", "mimeType": "application/json", "buffer": bundle},
    )
    await page.select_option("#upgrade-mode", "standard")
    await page.click("#upgrade-start")


async def test_an_update_signed_with_the_custom_os_certificates_key_installs_until_removed(
    custom_stack: Stack, browser: Browser, signer: CertificateAuthority, tmp_path: Path
) -> None:
    context, page = await _logged_in_administrator(custom_stack, browser)
    key = Ed25519PrivateKey.generate()

    await _upload(page, _bundle(key, "9.9.9"))
    # Maintenance answers the signature's refusal (403) with its error page.
    await expect(page.get_by_role("alert")).to_contain_text("does not verify with any trusted key")

    certificate = tmp_path / "custom-os.pem"
    certificate.write_bytes(_os_certificate(signer, key))
    await page.goto(custom_stack.https_url + "system/certificates")
    await page.set_input_files("#os-file", certificate)
    await page.click("#os-install")
    await expect(page.locator("#os-certificate")).to_contain_text(f"for device {SERIAL}")
    await _shot(page, "47-custom-os-certificate")

    await _upload(page, _bundle(key, "9.9.9"))
    await expect(page.locator("#upgrade-stage")).to_have_text("committed", timeout=60_000)
    await expect(page.locator("#upgrade-version")).to_have_text("9.9.9")

    await page.click("nav >> text=Certificates")
    await page.click("#os-delete")
    await expect(page.locator("#os-certificate")).to_have_text("None installed.")
    await _upload(page, _bundle(key, "9.9.10"))
    await expect(page.get_by_role("alert")).to_contain_text("does not verify with any trusted key")
    await page.goto(custom_stack.https_url + "maintenance")
    await expect(page.locator("#upgrade-version")).to_have_text("9.9.9")
    await context.close()
