"""System > Certificates: the device's certificate store, client/server and CA certificates.

Create a self-signed certificate, a CSR for it (downloaded from REST), install the CA's answer
under the same name, import PEM, DER (.cer) or PFX files, delete what nothing uses; and the
custom signed OS certificate, which lets this device install custom software. Which
certificate HTTPS serves is chosen on the Network page, 802.1X's on Firewall and 802.1X.
"""

from __future__ import annotations

import base64
import typing
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from actkit_core.bus import check_role
from actkit_proto.accounts import (
    CertificateKind,
    CreateSelfSignedCertificate,
    DeleteCertificate,
    DeleteOsCertificate,
    ImportCertificate,
    InstallOsCertificate,
    KeyType,
    OsCertificate,
)
from actkit_proto.base import Command
from actkit_proto.errors import BusError, Invalid, NotFound
from actkit_web.api import certificates
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import REFUSALS, field_errors, form_fields

router = APIRouter(prefix="/system", include_in_schema=False)
PAGE = "/system/certificates"
KEY_TYPES: tuple[str, ...] = typing.get_args(KeyType)
PEM_START = b"-----BEGIN"


async def store_options(
    bus: ActingBus, kind: CertificateKind, *, needs_key: bool = False
) -> tuple[tuple[str, str], ...]:
    """The store's certificates of ``kind`` as choices (with their key on the device, if asked)."""
    listed = (await certificates.list_certificates(bus, kind=kind)).certificates
    return tuple(
        (c.cert_id, f"{c.cert_id} ({c.subject_name})")
        for c in listed
        if c.has_private_key or not needs_key
    )


async def eap_options(bus: ActingBus) -> dict[str, tuple[tuple[str, str], ...]]:
    """The certificates 802.1X chooses from, on the wire or on a WPA2-Enterprise WLAN."""
    return {
        "client_certificate": await store_options(bus, "client-server", needs_key=True),
        "ca_certificates": await store_options(bus, "ca"),
    }


SELF_SIGNED_FIELDS = {
    "common_name": ("common_name", "common name"),
    "cert_id": ("cert_id", "named", "another name"),
    "organization": ("organization",),
    "country": ("country",),
    "subject_alt_names": ("subject_alt_names", "alternative name"),
    "key_type": ("key_type", "key type"),
    "valid_days": ("valid_days", "days"),
}
IMPORT_FIELDS = {
    "pkcs12": ("pkcs12", "pfx", "pkcs#12"),
    "private_key": ("private_key", "private key"),
    "passphrase": ("passphrase", "password"),
    "cert_id": ("cert_id", "named", "another name"),
    "kind": ("kind",),
    "certificate": ("certificate",),
}
"""Each form's inputs and the words that name them in accounts' sentences, the more particular
first (a private key's sentence may name the certificate too)."""
NEVER_SHOWN_AGAIN = ("passphrase", "csrf_token")


async def _certificates_page(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    errors: dict[str, str],
    status: int = 200,
    typed: dict[str, dict[str, str]] | None = None,
) -> Response:
    """The page; ``typed``: a refused form's fields as they were sent, by the form's key."""
    listed = (await certificates.list_certificates(bus)).certificates
    try:
        os_certificate: OsCertificate | None = await certificates.get_os_certificate(bus=bus)
    except NotFound:
        os_certificate = None
    return render_page(
        request,
        "certificates.html",
        caller,
        client_server=[c for c in listed if c.kind == "client-server"],
        ca=[c for c in listed if c.kind == "ca"],
        key_types=KEY_TYPES,
        os_certificate=os_certificate,
        errors=errors,
        typed=typed or {},
        status_code=status,
    )


async def _sent(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    key: str,
    command_type: type[Command[Any]],
    *,
    beside: Mapping[str, tuple[str, ...]] | None = None,
    **fields: object,
) -> Response:
    """Send the form's command; a refusal comes back beside the field it names (``beside``)."""
    _check_role(command_type, bus)
    try:
        await bus.request(command_from_fields(command_type, **fields))
    except REFUSALS as exc:
        return await _refused(request, caller, bus, key, exc, beside)
    return RedirectResponse(f"{PAGE}#{key}", status_code=303)


async def _refused(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    key: str,
    exc: BusError,
    beside: Mapping[str, tuple[str, ...]] | None,
) -> Response:
    """The page again: each sentence beside its field, the form as sent (never a password)."""
    if beside is None:
        return await _certificates_page(request, caller, bus, {key: exc.message}, 400)
    errors = {f"{key}-{name}": text for name, text in field_errors(exc, beside).items()}
    sent = form_fields(await request.form())
    typed = {key: {name: value for name, value in sent.items() if name not in NEVER_SHOWN_AGAIN}}
    return await _certificates_page(request, caller, bus, errors, 400, typed)


@router.get("/certificates")
async def certificates_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _certificates_page(request, caller, bus, {})


@router.post("/certificates/self-signed")
async def create_self_signed(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    cert_id: Annotated[str, Form()] = "",
    common_name: Annotated[str, Form()] = "",
    organization: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "",
    subject_alt_names: Annotated[str, Form()] = "",
    key_type: Annotated[str, Form()] = "rsa-2048",
    valid_days: Annotated[str, Form()] = "365",
) -> Response:
    return await _sent(
        request,
        caller,
        bus,
        "self-signed",
        CreateSelfSignedCertificate,
        beside=SELF_SIGNED_FIELDS,
        cert_id=cert_id,
        common_name=common_name,
        organization=organization,
        country=country,
        subject_alt_names=[name.strip() for name in subject_alt_names.split(",") if name.strip()],
        key_type=key_type,
        valid_days=valid_days,
    )


@router.post("/certificates/import")
async def import_certificate(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    cert_id: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "client-server",
    certificate: Annotated[UploadFile | None, File()] = None,
    private_key: Annotated[UploadFile | None, File()] = None,
    pkcs12: Annotated[UploadFile | None, File()] = None,
    passphrase: Annotated[str, Form()] = "",
) -> Response:
    _check_role(ImportCertificate, bus)
    try:
        files = {
            "certificate": certificate_text(await _read(certificate)),
            "private_key": _text(await _read(private_key), "the private key"),
            "pkcs12": _base64(await _read(pkcs12)),
        }
    except BusError as exc:
        return await _refused(request, caller, bus, "import", exc, IMPORT_FIELDS)
    return await _sent(
        request,
        caller,
        bus,
        "import",
        ImportCertificate,
        beside=IMPORT_FIELDS,
        cert_id=cert_id,
        kind=kind,
        passphrase=passphrase or None,
        **files,
    )


def _check_role(command_type: type[Command[Any]], bus: ActingBus) -> None:
    # Who may not change the store learns that first, not what is wrong with a field or file.
    check_role(command_type.model_construct(actor=bus.actor))


@router.post("/certificates/os")
async def install_os_certificate(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    certificate: Annotated[UploadFile | None, File()] = None,
) -> Response:
    _check_role(InstallOsCertificate, bus)
    try:
        text = certificate_text(await _read(certificate))
    except BusError as exc:
        return await _certificates_page(request, caller, bus, {"os": exc.message}, 400)
    if text is None:
        refusal = "choose the custom signed OS certificate file first"
        return await _certificates_page(request, caller, bus, {"os": refusal}, 400)
    return await _sent(request, caller, bus, "os", InstallOsCertificate, certificate=text)


@router.post("/certificates/os/delete")
async def delete_os_certificate(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _sent(request, caller, bus, "os", DeleteOsCertificate)


# After the OS certificate's routes: "os" is a name a certificate may have too.
@router.post("/certificates/{cert_id}/delete")
async def delete_certificate(
    request: Request, cert_id: str, caller: CallerDep, bus: ActingBusDep
) -> Response:
    return await _sent(
        request,
        caller,
        bus,
        f"certificate-{cert_id}",
        DeleteCertificate,
        cert_id=cert_id,
    )


async def _read(upload: UploadFile | None) -> bytes | None:
    """A chosen file's bytes; ``None`` when the input was left empty."""
    if upload is None or not upload.filename:
        return None
    return await upload.read() or None


def certificate_text(data: bytes | None) -> str | None:
    """A certificate file as the contract takes it: PEM as it is, DER (.cer) in base64."""
    if data is None:
        return None
    if data.lstrip().startswith(PEM_START):
        return _text(data, "the certificate")
    return _base64(data)


def _text(data: bytes | None, what: str) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise Invalid(f"{what} is not a PEM file; choose the .pem or .key file") from None


def _base64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")
