"""NetworkManager connection profiles built from the settings: pure, so they are table-tested."""

from __future__ import annotations

import ipaddress

from dbus_fast import Variant

from actkit_network.domain.settings import wlan_dot1x
from actkit_proto.errors import Invalid, Unavailable
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

WIRED_ID = "actkit-wired"
WIRED_FALLBACK_ID = "actkit-wired-fallback"
WLAN_ID = "actkit-wlan"
WLAN_TRIAL_ID = "actkit-wlan-trial"
"""A network being joined, kept in memory until it is; then it becomes ``WLAN_ID``."""
MACSEC_ID = "actkit-macsec"
SECRET_NOT_REQUIRED = 4
"""NMSettingSecretFlags: the secret is not needed."""
NO_SECRETS, SUPPLICANT_DISCONNECT, SUPPLICANT_TIMEOUT, SSID_NOT_FOUND = 7, 8, 11, 53
"""NetworkManager's reasons for a failed join that a person can act on."""

Profile = dict[str, dict[str, Variant]]


def _ipv4_section(ipv4: Ipv4Settings, dns: DnsSettings, static: bool) -> dict[str, Variant]:
    section: dict[str, Variant] = {}
    if static:
        section["method"] = Variant("s", "manual")
        section["address-data"] = Variant(
            "aa{sv}",
            [
                {
                    "address": Variant("s", str(ipv4.address)),
                    "prefix": Variant("u", ipv4.prefix_length),
                }
            ],
        )
        if ipv4.router is not None:
            section["gateway"] = Variant("s", str(ipv4.router))
    else:
        section["method"] = Variant("s", "auto")
    if not dns.is_auto:
        servers = [s for s in dns.servers if isinstance(s, ipaddress.IPv4Address)]
        # NetworkManager wants IPv4 DNS servers as 32-bit numbers in network byte order.
        section["dns"] = Variant("au", [int.from_bytes(s.packed, "little") for s in servers])
        section["dns-search"] = Variant("as", list(dns.search_domains))
        section["ignore-auto-dns"] = Variant("b", True)
    return section


def _ipv6_section(ipv6: Ipv6Settings, dns: DnsSettings) -> dict[str, Variant]:
    section = {"method": Variant("s", "auto" if ipv6.is_auto else "disabled")}
    if ipv6.is_auto and not dns.is_auto:
        servers = [s for s in dns.servers if isinstance(s, ipaddress.IPv6Address)]
        section["dns"] = Variant("aay", [s.packed for s in servers])
        section["ignore-auto-dns"] = Variant("b", True)
    return section


def wired_profiles(
    interface: str,
    ipv4: Ipv4Settings,
    ipv6: Ipv6Settings,
    dns: DnsSettings,
    dot1x: Dot1xSettings | None = None,
    certificate_dir: str = "",
) -> list[Profile]:
    """The connection profiles for the wired interface: the main one, and a static fallback.

    The fallback profile has a lower autoconnect priority, so NetworkManager turns to it only
    when DHCP times out on the main one.
    """
    profiles = [
        {
            "connection": _connection(WIRED_ID, "802-3-ethernet", interface, priority=10),
            "ipv4": _ipv4_section(ipv4, dns, static=not ipv4.is_dhcp),
            "ipv6": _ipv6_section(ipv6, dns),
        }
    ]
    authentication = dot1x_section(dot1x or Dot1xSettings(), certificate_dir)
    if authentication is not None:
        profiles[0]["802-1x"] = authentication
    if ipv4.is_dhcp and ipv4.has_fallback:
        profiles[0]["ipv4"]["dhcp-timeout"] = Variant("i", 30)
        fallback = ipv4.model_copy(update={"router": None})
        profiles.append(
            {
                "connection": _connection(WIRED_FALLBACK_ID, "802-3-ethernet", interface, 0),
                "ipv4": _ipv4_section(fallback, dns, static=True),
                "ipv6": _ipv6_section(ipv6, dns),
            }
        )
        if authentication is not None:
            profiles[1]["802-1x"] = authentication
    return profiles


def wlan_profile(
    settings: WlanSettings, profile_id: str = WLAN_ID, certificate_dir: str = ""
) -> Profile:
    """The wireless profile; below the wired one in priority, as ethernet is preferred.

    A WPA2-Enterprise network's ``802-1x`` section is the wired one's, its certificates in the
    same ``certificate_dir``.
    """
    assert settings.ssid is not None
    dns = DnsSettings()
    profile: Profile = {
        "connection": _connection(profile_id, "802-11-wireless", None, priority=5),
        "802-11-wireless": {
            "ssid": Variant("ay", settings.ssid.encode()),
            "hidden": Variant("b", settings.is_hidden),
        },
        "ipv4": _ipv4_section(settings.ipv4, dns, static=not settings.ipv4.is_dhcp),
        "ipv6": _ipv6_section(settings.ipv6, dns),
    }
    key_mgmt = {
        WlanSecurity.WPA2_PSK: "wpa-psk",
        WlanSecurity.WPA3_SAE: "sae",
        WlanSecurity.WPA2_ENTERPRISE: "wpa-eap",
    }
    if settings.security in key_mgmt:
        security = {"key-mgmt": Variant("s", key_mgmt[settings.security])}
        is_personal = settings.security is not WlanSecurity.WPA2_ENTERPRISE
        if settings.passphrase is not None and is_personal:
            security["psk"] = Variant("s", settings.passphrase)
        profile["802-11-wireless"]["security"] = Variant("s", "802-11-wireless-security")
        profile["802-11-wireless-security"] = security
    authentication = dot1x_section(wlan_dot1x(settings), certificate_dir)
    if authentication is not None:
        profile["802-1x"] = authentication
    return profile


def _connection(
    profile_id: str, kind: str, interface: str | None, priority: int
) -> dict[str, Variant]:
    section = {
        "id": Variant("s", profile_id),
        "type": Variant("s", kind),
        "autoconnect": Variant("b", True),
        "autoconnect-priority": Variant("i", priority),
    }
    if interface is not None:
        section["interface-name"] = Variant("s", interface)
    return section


def security_of(flags: int, wpa_flags: int, rsn_flags: int) -> WlanSecurity:
    """The security of an access point from its privacy, WPA and RSN flags."""
    key_mgmt_802_1x, key_mgmt_sae = 0x200, 0x400
    if (wpa_flags | rsn_flags) & key_mgmt_802_1x:
        return WlanSecurity.WPA2_ENTERPRISE
    if rsn_flags & key_mgmt_sae:
        return WlanSecurity.WPA3_SAE
    if flags or wpa_flags or rsn_flags:
        return WlanSecurity.WPA2_PSK
    return WlanSecurity.OPEN


def channel_of(frequency_mhz: int) -> int:
    """The Wi-Fi channel of a centre frequency (2.4, 5 and 6 GHz bands).

    >>> channel_of(2437), channel_of(5180)
    (6, 36)
    """
    if frequency_mhz == 2484:
        return 14
    if 2412 <= frequency_mhz < 2484:
        return (frequency_mhz - 2407) // 5
    if 5000 <= frequency_mhz < 5950:
        return (frequency_mhz - 5000) // 5
    if 5955 <= frequency_mhz <= 7115:
        return (frequency_mhz - 5950) // 5
    return 0


def _certificate(directory: str, file_name: str) -> Variant:
    # NetworkManager takes a certificate path as bytes: the "file://" scheme, the path, a NUL.
    return Variant("ay", f"file://{directory}/{file_name}".encode() + b"\0")


def dot1x_section(settings: Dot1xSettings, certificate_dir: str) -> dict[str, Variant] | None:
    """The ``802-1x`` section of the wired profile for EAP-TLS or PEAP-MSCHAPv2, if in use.

    Certificates are named as the accounts service stores them: ``<name>.pem`` (and the
    client key ``<name>.key``) in ``certificate_dir``.
    """
    if not settings.is_enabled or settings.method is Dot1xMethod.MACSEC_PSK:
        return None
    assert settings.eap_identity is not None
    section = {"identity": Variant("s", settings.eap_identity)}
    if settings.ca_certificates:
        # NetworkManager takes one CA file; the first chosen CA validates the server.
        section["ca-cert"] = _certificate(certificate_dir, f"{settings.ca_certificates[0]}.pem")
    if settings.method is Dot1xMethod.EAP_TLS:
        assert settings.client_certificate is not None
        section["eap"] = Variant("as", ["tls"])
        section["client-cert"] = _certificate(certificate_dir, f"{settings.client_certificate}.pem")
        section["private-key"] = _certificate(certificate_dir, f"{settings.client_certificate}.key")
        # accounts writes the key unencrypted (readable by root only): without this flag
        # NetworkManager asks an agent for the key's password and, with none, fails the join.
        section["private-key-password-flags"] = Variant("u", SECRET_NOT_REQUIRED)
    else:
        section["eap"] = Variant("as", ["peap"])
        section["phase2-auth"] = Variant("s", "mschapv2")
        section["phase1-peapver"] = Variant("s", str(settings.peap_version))
        if settings.peap_label == 2:
            # Label 1 is wpa_supplicant's default, and NetworkManager refuses "0" as invalid
            # (the radios VM showed it: the join failed before the supplicant was asked).
            section["phase1-peaplabel"] = Variant("s", "1")
        if settings.password is not None:
            section["password"] = Variant("s", settings.password)
    return section


def macsec_profile(interface: str, settings: Dot1xSettings) -> Profile | None:
    """A MACsec link on top of the wired interface with a static CAK, if MACsec is in use."""
    if not settings.is_enabled or settings.method is not Dot1xMethod.MACSEC_PSK:
        return None
    assert settings.ckn is not None
    macsec = {
        "parent": Variant("s", interface),
        "mode": Variant("i", 0),  # pre-shared key (static CAK)
        "mka-ckn": Variant("s", settings.ckn),
    }
    if settings.cak is not None:
        macsec["mka-cak"] = Variant("s", settings.cak)
    return {
        "connection": _connection(MACSEC_ID, "macsec", None, priority=10),
        "macsec": macsec,
        "ipv4": {"method": Variant("s", "disabled")},
        "ipv6": {"method": Variant("s", "disabled")},
    }


def join_refusal(settings: WlanSettings, reason: int) -> Invalid | Unavailable:
    """Why a network was not joined, as a sentence, from the device's failed state's reason."""
    if reason in (NO_SECRETS, SUPPLICANT_DISCONNECT) and settings.security is not WlanSecurity.OPEN:
        # The handshake (or the authentication) failed, and NetworkManager has nothing else to try.
        credentials = "the passphrase"
        if settings.security is WlanSecurity.WPA2_ENTERPRISE:
            proof = "certificate" if settings.eap_method is WlanEapMethod.EAP_TLS else "password"
            credentials = f"the EAP identity {settings.eap_identity!r} and its {proof}"
        return Invalid(f"{settings.ssid} did not accept {credentials}; the WLAN is unchanged")
    if reason == SSID_NOT_FOUND:
        return Invalid(f"no network named {settings.ssid} is in range; the WLAN is unchanged")
    if reason == SUPPLICANT_TIMEOUT:
        return Unavailable(f"{settings.ssid} did not answer; the WLAN is unchanged")
    return Unavailable(
        f"{settings.ssid} could not be joined (NetworkManager's reason {reason});"
        " the WLAN is unchanged"
    )
