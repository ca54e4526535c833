"""802.1X takes its certificates from accounts' store and marks them in use there."""

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_network.adapters.sim import SimNetwork
from actkit_network.handlers import Deps
from actkit_proto import Invalid, NotFound
from actkit_proto.network import Dot1xMethod, Dot1xSettings, GetDot1x, SetDot1x
from actkit_proto.params import RestoreScope, RestoreSettings

from ..conftest import CertificateStandIn

EAP_TLS = Dot1xSettings(
    is_enabled=True,
    method=Dot1xMethod.EAP_TLS,
    client_certificate="car-12",
    ca_certificates=["fleet-ca"],
    eap_identity="car-12",
)


def _marked(store: CertificateStandIn) -> dict[str, list[str]]:
    return {cert_id: sorted(users) for cert_id, users in store.used_by.items() if users}


def _applied(deps: Deps) -> int:
    assert isinstance(deps.network, SimNetwork)
    return len(deps.network.applied)


async def test_eap_tls_marks_its_client_certificate_and_ca_in_use(
    fake_bus: FakeBus, deps: Deps, certificate_store: CertificateStandIn
) -> None:
    assert (await fake_bus.request(SetDot1x(settings=EAP_TLS))).client_certificate == "car-12"
    assert _marked(certificate_store) == {"car-12": ["ieee8021x"], "fleet-ca": ["ieee8021x"]}

    peap = Dot1xSettings(
        is_enabled=True,
        method=Dot1xMethod.PEAP_MSCHAPV2,
        eap_identity="car-12",
        password="radius-secret",
        ca_certificates=["root-ca"],
    )
    await fake_bus.request(SetDot1x(settings=peap))
    assert _marked(certificate_store) == {"root-ca": ["ieee8021x"]}
    await fake_bus.request(SetDot1x(settings=peap.model_copy(update={"is_enabled": False})))
    assert _marked(certificate_store) == {}


@pytest.mark.parametrize(
    ("client", "refusal", "message"),
    [
        ("gone", NotFound, "there is no certificate 'gone'"),
        ("not a name", Invalid, "there is no certificate 'not a name'"),
        ("root-ca", Invalid, "client_certificate: the device has no private key for 'root-ca'"),
    ],
)
async def test_an_unusable_client_certificate_is_refused_and_nothing_changes(
    fake_bus: FakeBus,
    deps: Deps,
    certificate_store: CertificateStandIn,
    client: str,
    refusal: type[Exception],
    message: str,
) -> None:
    applied = _applied(deps)
    with pytest.raises(refusal, match=message):
        await fake_bus.request(
            SetDot1x(settings=EAP_TLS.model_copy(update={"client_certificate": client}))
        )
    assert _marked(certificate_store) == {}
    assert _applied(deps) == applied
    assert await fake_bus.request(GetDot1x()) == Dot1xSettings()


async def test_a_factory_default_frees_the_wires_certificates_and_a_restore_keeps_them(
    fake_bus: FakeBus, deps: Deps, certificate_store: CertificateStandIn
) -> None:
    await fake_bus.request(SetDot1x(settings=EAP_TLS))

    # A restore keeps the wire's 802.1X settings (the manual's list), so it keeps using them.
    await fake_bus.request(RestoreSettings(service="network", scope=RestoreScope.RESTORE))
    assert _marked(certificate_store) == {"car-12": ["ieee8021x"], "fleet-ca": ["ieee8021x"]}

    await fake_bus.request(RestoreSettings(service="network", scope=RestoreScope.FACTORY_DEFAULT))
    assert await fake_bus.request(GetDot1x()) == Dot1xSettings()
    assert _marked(certificate_store) == {}
