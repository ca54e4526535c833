"""The certificate store stand-in answers as accounts does for the services that use it."""

import pytest

from actkit_core.testing.certificate_store import CertificateStore
from actkit_core.testing.certificates import CertificateAuthority
from actkit_proto import Conflict, NotFound
from actkit_proto.accounts import GetCertificate, GetClientIdentity, SetCertificateUse


async def test_marks_tells_and_gives_a_key_only_to_its_user() -> None:
    ca = CertificateAuthority()
    kit = ca.issue("kit.example")
    store = CertificateStore(
        {"ca": (ca.pem, ""), "kit": (kit.certificate_pem, kit.private_key_pem)}
    )
    handlers = store.handlers()
    assert set(handlers) == {SetCertificateUse, GetCertificate, GetClientIdentity}

    ca_info = await store.get(GetCertificate(cert_id="ca"), None)
    assert (ca_info.kind, ca_info.is_self_signed, ca_info.certificate_pem) == ("ca", True, ca.pem)
    with pytest.raises(Conflict, match="'kit' is not in use by mqtt"):
        await store.identity(GetClientIdentity(cert_id="kit", user="mqtt"), None)
    marked = await store.set_use(SetCertificateUse(cert_id="kit", user="mqtt", is_used=True), None)
    assert (marked.kind, marked.has_private_key, marked.used_by) == (
        "client-server",
        True,
        ["mqtt"],
    )
    identity = await store.identity(GetClientIdentity(cert_id="kit", user="mqtt"), None)
    assert identity.private_key_pem == kit.private_key_pem
    with pytest.raises(NotFound, match="there is no certificate 'gone'"):
        await store.set_use(SetCertificateUse(cert_id="gone", user="mqtt", is_used=True), None)
