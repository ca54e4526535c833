"""A WPA2-Enterprise WLAN: its 802.1X is the wire's, its certificates of accounts' store.

The store marks them in use by ``wlan`` (beside the wired 802.1X's ``ieee8021x``, so neither
releases what the other still uses); the password is write only.
"""

import pytest
from pydantic import ValidationError

from actkit_core.testing.fake_bus import FakeBus
from actkit_network.adapters.sim import SimNetwork
from actkit_network.handlers import Deps
from actkit_proto import Invalid, NotFound
from actkit_proto.base import STRICT
from actkit_proto.network import (
    Dot1xMethod,
    Dot1xSettings,
    GetWlan,
    SetDot1x,
    SetWlan,
    WlanEapMethod,
    WlanSecurity,
    WlanSettings,
)
from actkit_proto.params import RestoreScope, RestoreSettings

from ..conftest import CertificateStandIn

EAP_TLS = WlanSettings(
    ssid="corp",
    security=WlanSecurity.WPA2_ENTERPRISE,
    eap_method=WlanEapMethod.EAP_TLS,
    eap_identity="car-12",
    client_certificate="car-12",
    ca_certificates=["fleet-ca"],
)
PEAP = WlanSettings(
    ssid="corp",
    security=WlanSecurity.WPA2_ENTERPRISE,
    eap_method=WlanEapMethod.PEAP_MSCHAPV2,
    eap_identity="driver",
    eap_password="radius-secret",
    ca_certificates=["root-ca"],
)


def _marked(store: CertificateStandIn) -> dict[str, list[str]]:
    return {cert_id: sorted(users) for cert_id, users in store.used_by.items() if users}


def _applied(deps: Deps) -> list[object]:
    assert isinstance(deps.network, SimNetwork)
    return [settings for group, settings in deps.network.applied if group == "wlan"]


async def test_eap_tls_marks_its_certificates_in_use_by_the_wlan_and_the_next_network_frees_them(
    fake_bus: FakeBus, deps: Deps, certificate_store: CertificateStandIn
) -> None:
    stored = await fake_bus.request(SetWlan(settings=EAP_TLS))

    assert (stored.client_certificate, stored.ca_certificates) == ("car-12", ["fleet-ca"])
    assert _marked(certificate_store) == {"car-12": ["wlan"], "fleet-ca": ["wlan"]}

    await fake_bus.request(SetWlan(settings=PEAP))
    assert _marked(certificate_store) == {"root-ca": ["wlan"]}
    await fake_bus.request(SetWlan(settings=WlanSettings(ssid="guest", security="open")))
    assert _marked(certificate_store) == {}


async def test_the_wlan_and_the_wire_share_a_ca_and_neither_frees_it_for_the_other(
    fake_bus: FakeBus, deps: Deps, certificate_store: CertificateStandIn
) -> None:
    wired = Dot1xSettings(
        is_enabled=True,
        method=Dot1xMethod.EAP_TLS,
        client_certificate="car-12",
        ca_certificates=["fleet-ca"],
        eap_identity="car-12",
    )
    await fake_bus.request(SetDot1x(settings=wired))
    await fake_bus.request(SetWlan(settings=EAP_TLS))

    await fake_bus.request(SetWlan(settings=WlanSettings()))

    assert _marked(certificate_store) == {"car-12": ["ieee8021x"], "fleet-ca": ["ieee8021x"]}


async def test_the_password_is_write_only_and_kept_when_left_out(
    fake_bus: FakeBus, deps: Deps, certificate_store: CertificateStandIn
) -> None:
    stored = await fake_bus.request(SetWlan(settings=PEAP))
    assert (stored.eap_password, stored.has_eap_password) == (None, True)
    assert "radius-secret" not in (await fake_bus.request(GetWlan())).model_dump_json()

    await fake_bus.request(SetWlan(settings=PEAP.model_copy(update={"eap_password": None})))

    assert _applied(deps)[-1].eap_password == "radius-secret"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("settings", "refusal", "message"),
    [
        (
            PEAP.model_copy(update={"eap_password": None}),
            Invalid,
            "eap_password: PEAP-MSCHAPv2 on 'corp' needs the password",
        ),
        (
            EAP_TLS.model_copy(update={"client_certificate": "gone"}),
            NotFound,
            "there is no certificate 'gone'",
        ),
        (
            EAP_TLS.model_copy(update={"client_certificate": "root-ca"}),
            Invalid,
            "client_certificate: the device has no private key for 'root-ca'",
        ),
    ],
)
async def test_an_enterprise_network_that_cannot_be_joined_is_refused_and_nothing_changes(
    fake_bus: FakeBus,
    deps: Deps,
    certificate_store: CertificateStandIn,
    settings: WlanSettings,
    refusal: type[Exception],
    message: str,
) -> None:
    with pytest.raises(refusal, match=message):
        await fake_bus.request(SetWlan(settings=settings))

    assert _marked(certificate_store) == {}
    assert _applied(deps) == []
    assert await fake_bus.request(GetWlan()) == WlanSettings()


async def test_a_restore_frees_the_wlans_certificates(
    fake_bus: FakeBus, deps: Deps, certificate_store: CertificateStandIn
) -> None:
    await fake_bus.request(SetWlan(settings=EAP_TLS))

    await fake_bus.request(RestoreSettings(service="network", scope=RestoreScope.RESTORE))

    assert _marked(certificate_store) == {}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"eap_identity": None}, "a WPA2-Enterprise network needs an EAP identity"),
        ({"client_certificate": None}, "EAP-TLS needs a client certificate"),
        ({"eap_secret": "x"}, "unknown field eap_secret"),
    ],
)
def test_the_contract_refuses_an_enterprise_network_without_its_fields_and_unknown_ones(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        SetWlan.model_validate({"settings": EAP_TLS.model_dump() | fields}, context=STRICT)
