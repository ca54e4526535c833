"""REST: the certificate store (accounts): client/server and CA certificates, the OS certificate.

Nothing here ever answers a private key or a passphrase: they go in, only ``has_private_key``
comes back.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from actkit_proto.accounts import (
    CertificateId,
    CertificateKind,
    CertificateList,
    CreateSelfSignedCertificate,
    CreateSigningRequest,
    DeleteCertificate,
    DeleteOsCertificate,
    GetCertificate,
    GetOsCertificate,
    ImportCertificate,
    InstallOsCertificate,
    ListCertificates,
)
from actkit_web.api.commands import expose
from actkit_web.api.openapi import ErrorAnswer
from actkit_web.http.deps import ActingBusDep

router = APIRouter(prefix="/api/v1", tags=["certificates"])
CSR_MEDIA_TYPE = "application/pkcs10"


@router.get("/certificates")
async def list_certificates(
    bus: ActingBusDep, kind: Annotated[CertificateKind | None, Query()] = None
) -> CertificateList:
    """Client/server certificates (``kind=client-server``), CA certificates (``kind=ca``) or both.

    Each says who uses it (``used_by``: ``https``, ``ieee8021x`` ...); the pre-installed CA
    certificates are marked ``is_preinstalled``.
    """
    return await bus.request(ListCertificates(kind=kind))


create_self_signed = expose(
    router, "POST", "/certificates/self-signed", CreateSelfSignedCertificate, status_code=201
)
import_certificate = expose(router, "POST", "/certificates", ImportCertificate, status_code=201)
get_certificate = expose(router, "GET", "/certificates/{cert_id}", GetCertificate)
create_signing_request = expose(router, "POST", "/certificates/{cert_id}/csr", CreateSigningRequest)
delete_certificate = expose(router, "DELETE", "/certificates/{cert_id}", DeleteCertificate)


@router.get(
    "/certificates/{cert_id}/csr.pem",
    response_class=PlainTextResponse,
    responses={200: {"content": {CSR_MEDIA_TYPE: {}}}},
)
async def download_signing_request(cert_id: CertificateId, bus: ActingBusDep) -> PlainTextResponse:
    """A certificate signing request (PKCS#10, PEM) for the certificate, as a file to send a CA."""
    request = await bus.request(CreateSigningRequest(cert_id=cert_id))
    return PlainTextResponse(
        request.csr_pem,
        media_type=CSR_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{request.cert_id}.csr"'},
    )


NONE_INSTALLED: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorAnswer, "description": "No custom signed OS certificate is installed."}
}
get_os_certificate = expose(
    router, "GET", "/os-certificate", GetOsCertificate, responses=NONE_INSTALLED
)
install_os_certificate = expose(router, "PUT", "/os-certificate", InstallOsCertificate)
delete_os_certificate = expose(
    router, "DELETE", "/os-certificate", DeleteOsCertificate, responses=NONE_INSTALLED
)
