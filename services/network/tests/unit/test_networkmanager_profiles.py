import ipaddress
from typing import Any

import pytest
from dbus_fast import Variant

from actkit_network.adapters.nm_profiles import (
    channel_of,
    join_refusal,
    macsec_profile,
    wired_profiles,
    wlan_profile,
)
from actkit_proto import Invalid, Unavailable
from actkit_proto.network import (
    DnsSettings,
    Dot1xMethod,
    Dot1xSettings,
    Ipv4Settings,
    Ipv6Settings,
    WlanEapMethod,
    WlanSecurity,
    WlanSettings,
)

STATIC = Ipv4Settings.model_validate(
    {
        "is_dhcp": False,
        "address": "192.0.2.10",
        "subnet_mask": "255.255.255.0",
        "router": "192.0.2.1",
    }
)
FALLBACK = Ipv4Settings.model_validate(
    {
        "has_fallback": True,
        "address": "192.0.2.10",
        "subnet_mask": "255.255.0.0",
        "router": "192.0.2.1",
    }
)


def values(section: dict[str, Variant]) -> dict[str, Any]:
    return {key: variant.value for key, variant in section.items()}


def test_dhcp_is_method_auto_on_the_wired_interface() -> None:
    [profile] = wired_profiles("eth0", Ipv4Settings(), Ipv6Settings(), DnsSettings())
    assert values(profile["connection"]) == {
        "id": "actkit-wired",
        "type": "802-3-ethernet",
        "autoconnect": True,
        "autoconnect-priority": 10,
        "interface-name": "eth0",
    }
    assert values(profile["ipv4"]) == {"method": "auto"}
    assert values(profile["ipv6"]) == {"method": "auto"}


def test_a_static_address_carries_prefix_and_gateway() -> None:
    [profile] = wired_profiles("eth0", STATIC, Ipv6Settings(is_auto=False), DnsSettings())
    ipv4 = values(profile["ipv4"])
    assert ipv4["method"] == "manual"
    assert ipv4["gateway"] == "192.0.2.1"
    [address] = ipv4["address-data"]
    assert (address["address"].value, address["prefix"].value) == ("192.0.2.10", 24)
    assert values(profile["ipv6"]) == {"method": "disabled"}


def test_manual_dns_goes_in_network_byte_order_and_ignores_dhcp_dns() -> None:
    dns = DnsSettings(
        is_auto=False,
        servers=[ipaddress.ip_address("192.0.2.53"), ipaddress.ip_address("2001:db8::53")],
        search_domains=["fleet.example"],
    )
    [profile] = wired_profiles("eth0", STATIC, Ipv6Settings(), dns)
    ipv4 = values(profile["ipv4"])
    assert ipv4["dns"] == [0x3502_00C0]  # 192.0.2.53, first octet in the lowest byte
    assert (ipv4["dns-search"], ipv4["ignore-auto-dns"]) == (["fleet.example"], True)
    assert values(profile["ipv6"])["dns"] == [ipaddress.ip_address("2001:db8::53").packed]


def test_a_static_fallback_is_a_second_profile_of_lower_priority_without_a_router() -> None:
    main, fallback = wired_profiles("eth0", FALLBACK, Ipv6Settings(), DnsSettings())
    assert values(main["ipv4"])["dhcp-timeout"] == 30
    assert values(fallback["connection"])["id"] == "actkit-wired-fallback"
    assert values(fallback["connection"])["autoconnect-priority"] == 0
    assert "gateway" not in values(fallback["ipv4"])
    assert values(fallback["ipv4"])["method"] == "manual"


@pytest.mark.parametrize(
    ("security", "key_mgmt"), [(WlanSecurity.WPA2_PSK, "wpa-psk"), (WlanSecurity.WPA3_SAE, "sae")]
)
def test_a_wlan_profile_has_its_ssid_and_key_management(
    security: WlanSecurity, key_mgmt: str
) -> None:
    profile = wlan_profile(WlanSettings(ssid="depot", security=security, passphrase="depot-key"))
    assert values(profile["802-11-wireless"])["ssid"] == b"depot"
    assert values(profile["802-11-wireless-security"]) == {"key-mgmt": key_mgmt, "psk": "depot-key"}
    assert values(profile["connection"])["autoconnect-priority"] == 5


def test_an_open_wlan_has_no_security_section() -> None:
    profile = wlan_profile(WlanSettings(ssid="guest", security=WlanSecurity.OPEN))
    assert "802-11-wireless-security" not in profile


def test_an_enterprise_wlan_has_the_wired_8021x_section_for_eap_tls_and_peap() -> None:
    tls = WlanSettings(
        ssid="corp",
        security=WlanSecurity.WPA2_ENTERPRISE,
        eap_method=WlanEapMethod.EAP_TLS,
        eap_identity="car-12",
        client_certificate="car-12",
        ca_certificates=["fleet-ca"],
    )
    profile = wlan_profile(tls, certificate_dir="/c")
    assert values(profile["802-11-wireless-security"]) == {"key-mgmt": "wpa-eap"}
    assert values(profile["802-1x"]) == {
        "identity": "car-12",
        "eap": ["tls"],
        "ca-cert": b"file:///c/fleet-ca.pem\0",
        "client-cert": b"file:///c/car-12.pem\0",
        "private-key": b"file:///c/car-12.key\0",
        "private-key-password-flags": 4,  # not required: accounts writes the key unencrypted
    }

    peap = WlanSettings(
        ssid="corp",
        security=WlanSecurity.WPA2_ENTERPRISE,
        eap_identity="driver",
        eap_password="radius-secret",
    )
    dot1x = values(wlan_profile(peap)["802-1x"])
    assert (dot1x["eap"], dot1x["phase2-auth"], dot1x["password"]) == (
        ["peap"],
        "mschapv2",
        "radius-secret",
    )
    assert "ca-cert" not in dot1x  # without a CA the server is not validated


@pytest.mark.parametrize(
    ("frequency_mhz", "channel"),
    [(2412, 1), (2462, 11), (2484, 14), (5180, 36), (5825, 165), (5955, 1), (6415, 93), (60, 0)],
)
def test_frequencies_map_to_channels(frequency_mhz: int, channel: int) -> None:
    assert channel_of(frequency_mhz) == channel


def test_eap_tls_names_the_client_certificate_and_key_files() -> None:
    tls = Dot1xSettings(is_enabled=True, client_certificate="car-12", eap_identity="car-12")
    [profile] = wired_profiles("eth0", Ipv4Settings(), Ipv6Settings(), DnsSettings(), tls, "/c")
    dot1x = values(profile["802-1x"])
    assert dot1x["eap"] == ["tls"]
    assert dot1x["client-cert"] == b"file:///c/car-12.pem\0"
    assert dot1x["private-key"] == b"file:///c/car-12.key\0"
    assert "ca-cert" not in dot1x  # without a CA the server is not validated


def test_peap_maps_version_and_label_and_keeps_the_password() -> None:
    peap = Dot1xSettings(
        is_enabled=True,
        method=Dot1xMethod.PEAP_MSCHAPV2,
        eap_identity="car-12",
        password="pw",
        peap_label=2,
    )
    [profile] = wired_profiles("eth0", Ipv4Settings(), Ipv6Settings(), DnsSettings(), peap, "/c")
    dot1x = values(profile["802-1x"])
    assert (dot1x["phase1-peapver"], dot1x["phase1-peaplabel"], dot1x["password"]) == (
        "0",
        "1",
        "pw",
    )

    # Label 1 (client EAP encryption) is the supplicant's default; NetworkManager refuses "0".
    [profile] = wired_profiles(
        "eth0",
        Ipv4Settings(),
        Ipv6Settings(),
        DnsSettings(),
        peap.model_copy(update={"peap_label": 1}),
        "/c",
    )
    assert "phase1-peaplabel" not in values(profile["802-1x"])


def test_macsec_is_its_own_profile_on_the_wired_interface() -> None:
    macsec = Dot1xSettings(is_enabled=True, method=Dot1xMethod.MACSEC_PSK, ckn="0a0b", cak="c" * 32)
    [wired] = wired_profiles("eth0", Ipv4Settings(), Ipv6Settings(), DnsSettings(), macsec)
    assert "802-1x" not in wired
    profile = macsec_profile("eth0", macsec)
    assert profile is not None
    assert values(profile["macsec"]) == {
        "parent": "eth0",
        "mode": 0,
        "mka-ckn": "0a0b",
        "mka-cak": "c" * 32,
    }
    assert macsec_profile("eth0", Dot1xSettings()) is None


@pytest.mark.parametrize(
    ("security", "reason", "kind", "sentence"),
    [
        (WlanSecurity.WPA2_PSK, 7, Invalid, "depot did not accept the passphrase"),
        (WlanSecurity.WPA3_SAE, 8, Invalid, "depot did not accept the passphrase"),
        (WlanSecurity.OPEN, 53, Invalid, "no network named depot is in range"),
        (WlanSecurity.WPA2_PSK, 11, Unavailable, "depot did not answer"),
        (
            WlanSecurity.OPEN,
            8,
            Unavailable,
            "depot could not be joined (NetworkManager's reason 8)",
        ),
    ],
)
def test_a_network_not_joined_is_refused_with_a_sentence_by_the_reason_networkmanager_gives(
    security: WlanSecurity, reason: int, kind: type[Exception], sentence: str
) -> None:
    settings = WlanSettings(ssid="depot", security=security)

    refusal = join_refusal(settings, reason)

    assert type(refusal) is kind
    assert str(refusal.message) == f"{sentence}; the WLAN is unchanged"


@pytest.mark.parametrize(
    ("method", "proof"),
    [(WlanEapMethod.PEAP_MSCHAPV2, "password"), (WlanEapMethod.EAP_TLS, "certificate")],
)
def test_an_enterprise_network_that_refuses_names_the_identity_and_what_proved_it(
    method: WlanEapMethod, proof: str
) -> None:
    settings = WlanSettings(
        ssid="corp",
        security=WlanSecurity.WPA2_ENTERPRISE,
        eap_method=method,
        eap_identity="driver",
        client_certificate="car-12",
    )

    refusal = join_refusal(settings, 8)

    assert refusal.message == (
        f"corp did not accept the EAP identity 'driver' and its {proof}; the WLAN is unchanged"
    )
