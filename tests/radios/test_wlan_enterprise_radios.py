"""WPA2-Enterprise through real NetworkManager: hostapd's own EAP server on a hwsim radio.

The access point ``actkit-enterprise`` (``access-points/channel-11.conf``) authenticates with
hostapd's internal EAP server: PEAP-MSCHAPv2 and EAP-TLS for the users of
``access-points/enterprise.users``, with the certificates ``eap.py`` made before the VM booted.
The kit joins it as a person would set it up: the CA and, for EAP-TLS, the client certificate
and its key imported into the device's certificate store (the accounts service, which writes
the files NetworkManager reads while the WLAN uses them), then chosen by name in the WLAN
settings. What only the real stack shows: that the ``802-1x`` section the wired interface uses
joins a WLAN too, that the files accounts writes are what wpa_supplicant loads, and what
NetworkManager says when the password is wrong.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_proto import Invalid
from actkit_proto.accounts import GetCertificate, ImportCertificate
from actkit_proto.network import (
    GetWlan,
    Ipv4Settings,
    SetWlan,
    WlanConnected,
    WlanEapMethod,
    WlanSecurity,
    WlanSettings,
)

from .eap import users
from .wlan import NetworkManagerVm, networks

pytestmark = [pytest.mark.timeout(300), pytest.mark.usefixtures("certificate_store")]

NETWORKS = networks()
ENTERPRISE, PSK = NETWORKS["actkit-enterprise"], NETWORKS["actkit-psk"]
USERS = users()
CA, CLIENT = "radios-ca", USERS.tls_identity
JOIN_TIMEOUT_S = 90.0


def _enterprise(method: WlanEapMethod, *, password: str | None = None) -> WlanSettings:
    """The enterprise network, its server validated by the store's CA, a static address."""
    is_tls = method is WlanEapMethod.EAP_TLS
    return WlanSettings(
        ssid=ENTERPRISE.ssid,
        security=WlanSecurity.WPA2_ENTERPRISE,
        eap_method=method,
        eap_identity=USERS.tls_identity if is_tls else USERS.peap_identity,
        eap_password=password,
        client_certificate=CLIENT if is_tls else None,
        ca_certificates=[CA],
        ipv4=Ipv4Settings(
            is_dhcp=False,
            address=ipaddress.IPv4Address("198.51.100.10"),
            subnet_mask="255.255.255.0",
        ),
    )


async def _import_certificates(bus: Bus) -> None:
    """The CA and the client certificate with its key, as a person imports them."""
    made = Path(os.environ["ACTKIT_RADIOS_LOGS"]) / "eap"
    await bus.request(
        ImportCertificate(cert_id=CA, kind="ca", certificate=(made / "ca.pem").read_text())
    )
    await bus.request(
        ImportCertificate(
            cert_id=CLIENT,
            certificate=(made / f"{CLIENT}.pem").read_text(),
            private_key=(made / f"{CLIENT}.key").read_text(),
        )
    )


async def _joined(bus: Bus) -> list[object]:
    seen: list[object] = []

    async def collect(event: object) -> None:
        seen.append(event)

    await bus.subscribe(WlanConnected, collect)
    return seen


async def test_peap_mschapv2_joins_with_the_identity_and_its_password(
    network: Bus, networkmanager: NetworkManagerVm
) -> None:
    await _import_certificates(network)
    seen = await _joined(network)

    stored = await network.request(
        SetWlan(settings=_enterprise(WlanEapMethod.PEAP_MSCHAPV2, password=USERS.peap_password))
    )

    assert (stored.eap_password, stored.has_eap_password) == (None, True)
    assert await networkmanager.associated() == ENTERPRISE.bssid
    await eventually(lambda: WlanConnected(interface="wlan2", ssid=ENTERPRISE.ssid) in seen)
    assert (await network.request(GetCertificate(cert_id=CA))).used_by == ["wlan"]


async def test_eap_tls_joins_with_the_client_certificate_key_and_ca_of_the_store(
    network: Bus, networkmanager: NetworkManagerVm, certificate_dir: Path
) -> None:
    await _import_certificates(network)

    await network.request(SetWlan(settings=_enterprise(WlanEapMethod.EAP_TLS)))

    assert await networkmanager.associated() == ENTERPRISE.bssid
    # NetworkManager was pointed at the files accounts wrote while the WLAN uses them.
    assert sorted(path.name for path in certificate_dir.iterdir()) == sorted(
        [f"{CA}.pem", f"{CLIENT}.key", f"{CLIENT}.pem"]
    )
    assert (await network.request(GetCertificate(cert_id=CLIENT))).used_by == ["wlan"]


async def test_a_wrong_password_is_refused_with_a_sentence_and_the_network_before_is_kept(
    network: Bus, networkmanager: NetworkManagerVm
) -> None:
    await _import_certificates(network)
    await network.request(
        SetWlan(
            settings=WlanSettings(
                ssid=PSK.ssid,
                passphrase=PSK.passphrase,
                ipv4=_enterprise(WlanEapMethod.PEAP_MSCHAPV2).ipv4,
            )
        )
    )

    with pytest.raises(Invalid) as refused:
        await network.request(
            SetWlan(settings=_enterprise(WlanEapMethod.PEAP_MSCHAPV2, password="not-the-password"))
        )

    assert refused.value.message == (
        f"{ENTERPRISE.ssid} did not accept the EAP identity {USERS.peap_identity!r} and its "
        "password; the WLAN is unchanged"
    )
    assert (await network.request(GetWlan())).ssid == PSK.ssid
    assert await eventually(networkmanager.associated, timeout_s=JOIN_TIMEOUT_S) == PSK.bssid
    assert (await network.request(GetCertificate(cert_id=CA))).used_by == []
