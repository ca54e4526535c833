"""Certificates in headless Chromium: a CSR signed by a CA, installed and served for HTTPS."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from playwright.async_api import Browser, Page, expect

from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.stack import Stack

from .test_web_browser import _logged_in_administrator, _shot, browser, pytestmark

__all__ = ["browser", "pytestmark"]
COMMON_NAME = "car-12.fleet.example"


async def test_a_csr_signed_by_a_ca_is_installed_and_served_from_the_next_handshake(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    authority = CertificateAuthority("Fleet test CA")

    await page.click("nav >> text=Certificates")
    await expect(page.locator("#certificate-isrg-root-x1")).to_contain_text("pre-installed")
    await expect(page.locator("#certificate-web-https .used-by")).to_have_text("https")
    await page.fill("#ss-cert_id", "fleet-web")
    await page.fill("#ss-common_name", COMMON_NAME)
    await page.fill("#ss-subject_alt_names", "localhost, 127.0.0.1")
    await page.select_option("#ss-key_type", "ecdsa-p256")
    await page.click("#self-signed button[type=submit]")
    await expect(page.locator("#certificate-fleet-web")).to_contain_text("Self-signed")

    async with page.expect_download() as downloading:
        await page.click("#csr-fleet-web")
    csr_path = await (await downloading.value).path()
    request = x509.load_pem_x509_csr(Path(csr_path).read_bytes())
    assert request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == COMMON_NAME
    answer = authority.sign(request.public_key(), request.subject)
    answer_path = tmp_path / "fleet-web.cer"
    answer_path.write_bytes(answer.public_bytes(Encoding.DER))

    await page.fill("#im-cert_id", "fleet-web")
    await page.set_input_files("#im-certificate", answer_path)
    await page.click("#import button[type=submit]")
    await expect(page.locator("#certificate-fleet-web")).to_contain_text("OU=Fleet test CA")
    await _shot(page, "40-certificates-ca-answer-installed")

    await page.click("nav >> text=Network")
    await page.select_option("#http-certificate", "fleet-web")
    await page.click("#http button[type=submit]")
    await expect(page.locator("#http-certificate")).to_have_value("fleet-web")
    served = await _served_certificate(stack)
    for _ in range(50):  # web loads it when accounts says so, a moment after the save
        if served.issuer == authority.certificate.subject:
            break
        await asyncio.sleep(0.2)
        served = await _served_certificate(stack)
    assert served.issuer == authority.certificate.subject
    assert served.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == COMMON_NAME

    await _refused_deletion(page, stack, "fleet-web", "in use by https")
    await _shot(page, "41-certificates-in-use")
    await context.close()


async def _refused_deletion(page: Page, stack: Stack, cert_id: str, sentence: str) -> None:
    await page.click("nav >> text=Certificates")
    await page.click(f"#delete-{cert_id}")
    await expect(page.locator(f"#certificate-{cert_id} .error")).to_contain_text(sentence)
    await page.goto(stack.https_url + "system/certificates")
    await expect(page.locator(f"#certificate-{cert_id}")).to_be_visible()


async def _served_certificate(stack: Stack) -> x509.Certificate:
    """The certificate a fresh TLS handshake with the dashboard presents (no session reused)."""
    address = urlsplit(stack.https_url)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    _reader, writer = await asyncio.open_connection(address.hostname, address.port, ssl=context)
    try:
        transport = writer.get_extra_info("ssl_object")
        der = transport.getpeercert(binary_form=True)
    finally:
        writer.close()
        await writer.wait_closed()
    return x509.load_der_x509_certificate(der)
