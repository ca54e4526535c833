"""Certificates: make, import, describe, delete; the web's HTTPS identity; pre-installed CAs."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from functools import cache

import certifi
from cryptography import x509

from actkit_accounts.domain import certificates as x509_tools
from actkit_accounts.domain.certificates import DistinguishedName, StoredCertificate
from actkit_accounts.handlers.certificate_files import FILE_USERS, keep_files, needs_files
from actkit_accounts.handlers.deps import Deps
from actkit_accounts.store import CaCertificatesInstalled
from actkit_proto import Ack, Conflict, Invalid, NotFound, Unavailable
from actkit_proto.accounts import (
    WEB_CERTIFICATE_USER,
    CertificateInfo,
    CertificateList,
    ClientIdentity,
    CreateSelfSignedCertificate,
    CreateSigningRequest,
    DeleteCertificate,
    GetCertificate,
    GetClientIdentity,
    GetWebServerIdentity,
    ImportCertificate,
    Keystore,
    KeyType,
    ListCertificates,
    SetCertificateUse,
    SetWebCertificate,
    SigningRequest,
    WebCertificateChanged,
    WebServerIdentity,
)

WEB_CERTIFICATE_ID = "web-https"
PREINSTALLED_CA = {
    "ISRG Root X1": "isrg-root-x1",
    "ISRG Root X2": "isrg-root-x2",
    "DigiCert Global Root G2": "digicert-global-root-g2",
    "DigiCert Global Root G3": "digicert-global-root-g3",
    "USERTrust RSA Certification Authority": "usertrust-rsa",
    "Amazon Root CA 1": "amazon-root-ca-1",
    "Microsoft RSA Root Certificate Authority 2017": "microsoft-rsa-root-2017",
    "GlobalSign Root R46": "globalsign-root-r46",
}
"""The CA certificates a new device (or one reset to factory default) has, from certifi."""


async def list_certificates(command: ListCertificates, deps: Deps) -> CertificateList:
    stored = await deps.certificates.load()
    return CertificateList(
        certificates=[x509_tools.describe(c) for c in stored if command.kind in (None, c.kind)]
    )


async def get_certificate(command: GetCertificate, deps: Deps) -> CertificateInfo:
    return x509_tools.describe(await _existing(deps, command.cert_id))


async def create_self_signed_certificate(
    command: CreateSelfSignedCertificate, deps: Deps
) -> CertificateInfo:
    _check_keystore(command.keystore)
    subject = DistinguishedName(
        common_name=command.common_name,
        organization=command.organization,
        organizational_unit=command.organizational_unit,
        locality=command.locality,
        state=command.state,
        country=command.country,
    )
    subject.to_name()
    x509_tools.general_names(command.subject_alt_names)
    if await deps.certificates.get(command.cert_id) is not None:
        raise _taken(command.cert_id)
    stored = await make_self_signed(
        deps,
        command.cert_id,
        subject,
        command.subject_alt_names,
        command.key_type,
        command.valid_days,
    )
    return x509_tools.describe(stored)


async def make_self_signed(
    deps: Deps,
    cert_id: str,
    subject: DistinguishedName,
    alt_names: list[str],
    key_type: KeyType,
    valid_days: int,
    used_by: tuple[str, ...] = (),
) -> StoredCertificate:
    """Make a key (in a thread: RSA 4096 takes a while) and its certificate, and keep them."""
    now = deps.clock.now()

    def make() -> tuple[str, str]:
        key = x509_tools.generate_key(key_type)
        certificate = x509_tools.self_signed(key, subject, alt_names, now, valid_days)
        return x509_tools.pem(certificate), x509_tools.key_pem(key)

    certificate_pem, key_pem = await asyncio.to_thread(make)
    stored = StoredCertificate(
        cert_id, "client-server", certificate_pem, private_key_pem=key_pem, used_by=used_by
    )
    async with deps.writing:
        if await deps.certificates.get(cert_id) is not None:
            raise _taken(cert_id)
        await deps.certificates.save(stored)
    return stored


async def create_signing_request(command: CreateSigningRequest, deps: Deps) -> SigningRequest:
    stored = await _existing(deps, command.cert_id)
    if stored.private_key_pem is None:
        raise Conflict(
            f"the device has no private key for {command.cert_id!r}; it cannot sign a CSR"
        )
    key = x509_tools.load_private_key(stored.private_key_pem, None)
    certificate = x509.load_pem_x509_certificate(stored.certificate_pem.encode())
    request = x509_tools.signing_request(key, certificate)
    return SigningRequest(cert_id=stored.cert_id, csr_pem=x509_tools.pem(request))


async def import_certificate(command: ImportCertificate, deps: Deps) -> CertificateInfo:
    _check_keystore(command.keystore)
    key, certificate, chain = _read_import(command)
    existing = await deps.certificates.get(command.cert_id)
    if command.kind == "ca":
        if key is not None:
            raise Invalid("a CA certificate is imported without a private key")
    elif key is None:
        # The answer to a CSR: the device already holds the key.
        if existing is None or existing.private_key_pem is None:
            raise Invalid(
                "a client/server certificate needs its private key: give it, or import a PFX"
            )
        key = x509_tools.load_private_key(existing.private_key_pem, None)
    if key is not None:
        x509_tools.check_key_matches(key, certificate)
    replaces_own_csr = (
        existing is not None
        and existing.kind == command.kind == "client-server"
        and existing.private_key_pem is not None
        and command.private_key is None
        and command.pkcs12 is None
    )
    if existing is not None and not replaces_own_csr:
        raise _taken(command.cert_id)
    stored = StoredCertificate(
        cert_id=command.cert_id,
        kind=command.kind,
        certificate_pem=x509_tools.pem(certificate),
        chain_pem="".join(x509_tools.pem(c) for c in chain),
        private_key_pem=x509_tools.key_pem(key) if key is not None else None,
        keystore=command.keystore,
        used_by=existing.used_by if existing is not None else (),
    )
    async with deps.writing:
        if needs_files(stored):  # renewed: the program reading the files gets the new one
            await keep_files(deps.certificate_dir, stored)
        await deps.certificates.save(stored)
    if WEB_CERTIFICATE_USER in stored.used_by:
        await deps.bus.publish(WebCertificateChanged(cert_id=stored.cert_id))
    return x509_tools.describe(stored)


async def delete_certificate(command: DeleteCertificate, deps: Deps) -> Ack:
    async with deps.writing:
        stored = await _existing(deps, command.cert_id)
        if stored.used_by:
            raise Conflict(
                f"{command.cert_id!r} is in use by {', '.join(stored.used_by)}; "
                "choose another certificate there first"
            )
        await deps.certificates.delete(command.cert_id)
    return Ack()


async def set_certificate_use(command: SetCertificateUse, deps: Deps) -> CertificateInfo:
    if command.user == WEB_CERTIFICATE_USER:
        raise Invalid("choose the web server's certificate with SetWebCertificate")
    async with deps.writing:
        stored = await _existing(deps, command.cert_id)
        users = set(stored.used_by) - {command.user}
        if command.is_used:
            users.add(command.user)
        stored = dataclasses.replace(stored, used_by=tuple(sorted(users)))
        if command.user in FILE_USERS:
            await keep_files(deps.certificate_dir, stored)
        await deps.certificates.save(stored)
    return x509_tools.describe(stored)


async def set_web_certificate(command: SetWebCertificate, deps: Deps) -> CertificateInfo:
    cert_id = command.cert_id or await _own_web_certificate(deps)
    async with deps.writing:
        chosen = await _existing(deps, cert_id)
        if chosen.kind != "client-server" or chosen.private_key_pem is None:
            raise Invalid(f"{cert_id!r} has no private key on the device; it cannot serve HTTPS")
        for stored in await deps.certificates.load():
            if WEB_CERTIFICATE_USER in stored.used_by and stored.cert_id != chosen.cert_id:
                users = tuple(u for u in stored.used_by if u != WEB_CERTIFICATE_USER)
                await deps.certificates.save(dataclasses.replace(stored, used_by=users))
        users = tuple(sorted({*chosen.used_by, WEB_CERTIFICATE_USER}))
        chosen = dataclasses.replace(chosen, used_by=users)
        await deps.certificates.save(chosen)
    await deps.bus.publish(WebCertificateChanged(cert_id=chosen.cert_id))
    return x509_tools.describe(chosen)


async def _own_web_certificate(deps: Deps) -> str:
    """The device's own HTTPS certificate, made again (self-signed) if it is gone or keyless."""
    own = await deps.certificates.get(WEB_CERTIFICATE_ID)
    if own is not None and own.kind == "client-server" and own.private_key_pem is not None:
        return WEB_CERTIFICATE_ID
    made = await _new_web_certificate(deps, list(deps.web_host_names), is_taken=own is not None)
    return made.cert_id


async def _new_web_certificate(
    deps: Deps, host_names: list[str], *, is_taken: bool, used_by: tuple[str, ...] = ()
) -> StoredCertificate:
    """A self-signed certificate for the web server, ``web-https`` unless that id is taken."""
    cert_id = WEB_CERTIFICATE_ID
    if is_taken:
        cert_id = f"{WEB_CERTIFICATE_ID}-{deps.clock.now():%Y%m%d%H%M%S}"
    subject = DistinguishedName(common_name=host_names[0])
    return await make_self_signed(
        deps, cert_id, subject, host_names, "ecdsa-p256", 3650, used_by=used_by
    )


async def get_web_server_identity(_command: GetWebServerIdentity, deps: Deps) -> WebServerIdentity:
    # No person gets here: the command is internal_for the web, so the bus refuses actors.
    for stored in await deps.certificates.load():
        if WEB_CERTIFICATE_USER in stored.used_by and stored.private_key_pem is not None:
            return WebServerIdentity(
                cert_id=stored.cert_id,
                certificate_chain_pem=stored.certificate_pem + stored.chain_pem,
                private_key_pem=stored.private_key_pem,
            )
    raise NotFound("no certificate is chosen for HTTPS")


async def get_client_identity(command: GetClientIdentity, deps: Deps) -> ClientIdentity:
    # Internal for the services that present a client certificate: the bus refuses actors.
    stored = await _existing(deps, command.cert_id)
    if command.user not in stored.used_by:
        raise Conflict(f"{command.cert_id!r} is not in use by {command.user}")
    if stored.private_key_pem is None:
        raise Invalid(f"the device has no private key for {command.cert_id!r}")
    return ClientIdentity(
        cert_id=stored.cert_id,
        certificate_chain_pem=stored.certificate_pem + stored.chain_pem,
        private_key_pem=stored.private_key_pem,
    )


async def install_defaults(deps: Deps, host_names: list[str]) -> None:
    """First start: the pre-installed CA certificates and the web's self-signed certificate."""
    stored = await deps.certificates.load()
    if not any(WEB_CERTIFICATE_USER in c.used_by for c in stored):
        is_taken = any(c.cert_id == WEB_CERTIFICATE_ID for c in stored)
        await _new_web_certificate(
            deps, host_names, is_taken=is_taken, used_by=(WEB_CERTIFICATE_USER,)
        )
    if not (await deps.store.sections.load(CaCertificatesInstalled)).root:
        present = {c.cert_id for c in stored}
        await deps.certificates.save_all(
            [
                StoredCertificate(cert_id, "ca", pem, is_preinstalled=True)
                for cert_id, pem in (await asyncio.to_thread(preinstalled_ca_certificates)).items()
                if cert_id not in present
            ]
        )
        await deps.store.sections.save(CaCertificatesInstalled(True))


@cache
def preinstalled_ca_certificates() -> dict[str, str]:
    """The chosen CA certificates from certifi's bundle, read by their ``# Label:`` comments."""
    with open(certifi.where(), encoding="utf-8") as bundle:
        text = bundle.read()
    found: dict[str, str] = {}
    for match in re.finditer(
        r'^# Label: "(?P<label>[^"]+)"\n(?:#[^\n]*\n)*(?P<pem>-----BEGIN CERTIFICATE-----\n'
        r".+?-----END CERTIFICATE-----\n)",
        text,
        re.MULTILINE | re.DOTALL,
    ):
        cert_id = PREINSTALLED_CA.get(match["label"])
        if cert_id is not None:
            found[cert_id] = match["pem"]
    return found


def _read_import(
    command: ImportCertificate,
) -> tuple[x509_tools.PrivateKey | None, x509.Certificate, list[x509.Certificate]]:
    if (command.pkcs12 is None) == (command.certificate is None):
        raise Invalid("give either a certificate (PEM or DER) or a PFX file, not both or neither")
    if command.pkcs12 is not None:
        if command.private_key is not None:
            raise Invalid("a PFX file carries its own private key; leave private_key empty")
        return x509_tools.load_pkcs12(command.pkcs12, command.passphrase)
    assert command.certificate is not None
    certificate, *chain = x509_tools.load_certificates(command.certificate)
    key = (
        x509_tools.load_private_key(command.private_key, command.passphrase)
        if command.private_key is not None
        else None
    )
    return key, certificate, chain


def _check_keystore(keystore: Keystore) -> None:
    if keystore != "software":
        raise Unavailable(f"this device has no {keystore} keystore; use the software keystore")


async def _existing(deps: Deps, cert_id: str) -> StoredCertificate:
    stored = await deps.certificates.get(cert_id)
    if stored is None:
        raise NotFound(f"there is no certificate {cert_id!r}")
    return stored


def _taken(cert_id: str) -> Conflict:
    return Conflict(f"a certificate named {cert_id!r} already exists; choose another name")
