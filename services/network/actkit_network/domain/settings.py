"""Rules of the settings groups beyond their own validation: roles, warnings, secrets, names."""

from __future__ import annotations

from typing import TypeVar

from actkit_proto.base import Actor, Role
from actkit_proto.errors import Conflict, Forbidden, Invalid
from actkit_proto.network import (
    DiscoverySettings,
    Dot1xMethod,
    Dot1xSettings,
    HttpAccess,
    HttpSettings,
    Ipv4Settings,
    O3cSettings,
    SnmpSettings,
    SnmpVersion,
    WlanEapMethod,
    WlanSecurity,
    WlanSettings,
)

_STANDARD_PORTS = {"HTTP": 80, "HTTPS": 443}

S = TypeVar("S", O3cSettings, Dot1xSettings, WlanSettings, SnmpSettings)

# Which field holds each group's secret, and the read-only flag that says one is stored.
_SECRETS: dict[type[object], tuple[tuple[str, str], ...]] = {
    O3cSettings: (("proxy_password", "has_proxy_password"), ("nkey_seed", "has_nkey_seed")),
    Dot1xSettings: (("password", "has_password"), ("cak", "has_cak")),
    WlanSettings: (("passphrase", "has_passphrase"), ("eap_password", "has_eap_password")),
    SnmpSettings: (
        ("read_community", "has_read_community"),
        ("write_community", "has_write_community"),
        ("trap_community", "has_trap_community"),
    ),
}


def check_http(
    settings: HttpSettings, actor: Actor | None, stored: HttpSettings | None = None
) -> HttpSettings:
    """Enforce the manual's port rules and attach warnings for privileged ports.

    A port is the protocol's standard port or 1024-65535; 1-1023 needs an administrator (an
    internal caller without an actor is trusted) and is kept with a warning. The ports are what
    the manual leaves to operators; which protocols are allowed and the HTTPS certificate are
    Security, so only an administrator changes them from ``stored``.

    Raises:
        Forbidden: an operator chose a port in 1-1023 other than the standard one, or changed
            the protocols or the certificate.
    """
    warnings = []
    for protocol, port in (("HTTP", settings.http_port), ("HTTPS", settings.https_port)):
        if port >= 1024 or port == _STANDARD_PORTS[protocol]:
            continue
        if actor is not None and actor.role < Role.ADMINISTRATOR:
            raise Forbidden(
                f"{protocol} port {port} is in 1-1023: only an administrator may choose it; "
                f"use {_STANDARD_PORTS[protocol]} or a port in 1024-65535"
            )
        warnings.append(
            f"{protocol} port {port} is a privileged port (1-1023) that other services may need"
        )
    is_operator = actor is not None and actor.role < Role.ADMINISTRATOR
    if is_operator and stored is not None:
        security = {"access": "the protocols allowed", "certificate": "the certificate"}
        changed = [
            what
            for name, what in security.items()
            if getattr(settings, name) != getattr(stored, name)
        ]
        if changed:
            raise Forbidden(
                f"only an administrator may change {' or '.join(changed)} of the web server "
                "(Security); an operator may change its ports"
            )
    if settings.access is not HttpAccess.HTTP and settings.certificate is None:
        warnings.append(
            "HTTPS serves the device's own self-signed certificate; install one under "
            "Certificates and choose it here"
        )
    return settings.model_copy(update={"warnings": warnings})


def refuse_cutting_off(what: str, changes: list[str], *, confirmed: bool) -> None:
    """Refuse an unconfirmed change that may cut the device off the network it is reached on.

    Raises:
        Conflict: ``changes`` is not empty and the change was not confirmed; says what it changes.
    """
    if changes and not confirmed:
        raise Conflict(
            f"changing the {what} ({'; '.join(changes)}) may cut the device off the network it "
            "is reached on: send it again with confirm set (REST: ?confirm=true) to apply it"
        )


def ipv4_changes(stored: Ipv4Settings, new: Ipv4Settings) -> list[str]:
    """What in ``new`` moves the device's wired IPv4 address, said as a person reads it."""
    if stored.is_dhcp != new.is_dhcp:
        return ["DHCP to a static address" if stored.is_dhcp else "a static address to DHCP"]
    if new.is_dhcp:
        return []
    fields = ("address", "subnet_mask", "router")
    return [
        f"{name.replace('_', ' ')} {getattr(stored, name)} to {getattr(new, name)}"
        for name in fields
        if getattr(stored, name) != getattr(new, name)
    ]


def http_changes(stored: HttpSettings, new: HttpSettings) -> list[str]:
    """What in ``new`` moves where the web interface answers."""
    fields = ("access", "http_port", "https_port")
    return [
        f"{name.replace('_', ' ')} {getattr(stored, name)} to {getattr(new, name)}"
        for name in fields
        if getattr(stored, name) != getattr(new, name)
    ]


def keep_secrets(new: S, stored: S) -> S:
    """Secrets left out (``None``) of a new group keep their stored values."""
    update = {
        name: getattr(stored, name)
        for name, _flag in _SECRETS[type(new)]
        if getattr(new, name) is None
    }
    return new.model_copy(update=update)


def hide_secrets(settings: S) -> S:
    """The group as people read it: secrets blanked, flags saying which are set."""
    update: dict[str, object] = {}
    for name, flag in _SECRETS[type(settings)]:
        update[flag] = getattr(settings, name) is not None
        update[name] = None
    return settings.model_copy(update=update)


def check_wlan(settings: WlanSettings) -> WlanSettings:
    """A WPA network needs a passphrase, PEAP-MSCHAPv2 a password, given now or stored before.

    Raises:
        Invalid: it has none.
    """
    needs_key = settings.security in (WlanSecurity.WPA2_PSK, WlanSecurity.WPA3_SAE)
    if settings.ssid is not None and needs_key and settings.passphrase is None:
        raise Invalid(f"the network {settings.ssid!r} needs a passphrase of 8 to 63 characters")
    enterprise = wlan_dot1x(settings)
    if enterprise.method is Dot1xMethod.PEAP_MSCHAPV2 and enterprise.password is None:
        raise Invalid(f"eap_password: PEAP-MSCHAPv2 on {settings.ssid!r} needs the password")
    return settings


def wlan_dot1x(settings: WlanSettings) -> Dot1xSettings:
    """A WPA2-Enterprise network's 802.1X, as the wired interface's is set (disabled if none).

    The WLAN authenticates as the wire does, with the same profile section and certificates of
    the same store: one description of 802.1X serves both.
    """
    if settings.ssid is None or settings.security is not WlanSecurity.WPA2_ENTERPRISE:
        return Dot1xSettings()
    method = {
        WlanEapMethod.EAP_TLS: Dot1xMethod.EAP_TLS,
        WlanEapMethod.PEAP_MSCHAPV2: Dot1xMethod.PEAP_MSCHAPV2,
    }
    return Dot1xSettings(
        is_enabled=True,
        method=method[settings.eap_method],
        client_certificate=settings.client_certificate,
        ca_certificates=settings.ca_certificates,
        eap_identity=settings.eap_identity,
        password=settings.eap_password,
    )


NM_EAPOL_VERSION = 1
"""The EAPOL version NetworkManager's supplicant sends (wpa_supplicant's default); NetworkManager
has no 802-1x property to choose another."""


def check_dot1x(settings: Dot1xSettings) -> Dot1xSettings:
    """The EAPOL version is the one NetworkManager sends; MACsec with a static CAK needs the CAK.

    The CAK may be given now or stored before.

    Raises:
        Invalid: it is enabled and has no CAK (a switch would never open the port), or another
            EAPOL version is asked for (it could not be applied).
    """
    if settings.eapol_version != NM_EAPOL_VERSION:
        raise Invalid(
            f"eapol_version: this device sends EAPOL version {NM_EAPOL_VERSION} (its "
            f"NetworkManager has no setting for another), so {settings.eapol_version} cannot be "
            f"applied; choose {NM_EAPOL_VERSION}, which switches of every 802.1X revision accept"
        )
    if settings.is_enabled and settings.method is Dot1xMethod.MACSEC_PSK and settings.cak is None:
        raise Invalid(
            "cak: MACsec with a static CAK needs the CAK (32 or 64 hexadecimal characters), "
            "the same as the switch's"
        )
    return settings


def check_snmp(new: SnmpSettings, stored: SnmpSettings) -> SnmpSettings:
    """Traps turn off when SNMP is off or v3 is chosen; the v3 password flag is read only."""
    update: dict[str, object] = {"has_v3_password": stored.has_v3_password}
    if not new.is_enabled or new.version is SnmpVersion.V3:
        update["are_traps_enabled"] = False
    return new.model_copy(update=update)


def set_v3_password(stored: SnmpSettings) -> SnmpSettings:
    """Record that the ``initial`` password is set.

    Raises:
        Conflict: it was set before; only a factory reset clears it.
    """
    if stored.has_v3_password:
        raise Conflict(
            'the password of the SNMP v3 account "initial" is already set; '
            "reset the device to factory defaults to set it again"
        )
    return stored.model_copy(update={"has_v3_password": True})


def default_friendly_name(device_name: str, mac: str) -> str:
    """The manual's default discovery name: the device name and the MAC address.

    >>> default_friendly_name("AXIS W401", "AC:CC:8E:12:34:56")
    'AXIS W401 - ACCC8E123456'
    """
    return f"{device_name} - {mac.replace(':', '').upper()}"


def with_default_names(settings: DiscoverySettings, default_name: str) -> DiscoverySettings:
    """Fill in the names left to their default."""
    return settings.model_copy(
        update={
            "bonjour_name": settings.bonjour_name or default_name,
            "upnp_name": settings.upnp_name or default_name,
        }
    )
