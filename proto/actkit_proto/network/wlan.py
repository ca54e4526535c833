"""The wireless network."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from actkit_proto.base import Command, Reply, Role, read_only, write_only
from actkit_proto.network.addresses import Ipv4Settings, Ipv6Settings
from actkit_proto.network.common import Secret


class WlanSecurity(StrEnum):
    """Security of a wireless network."""

    OPEN = "open"
    WPA2_PSK = "wpa2_psk"
    WPA3_SAE = "wpa3_sae"
    WPA2_ENTERPRISE = "wpa2_enterprise"


class WlanEapMethod(StrEnum):
    """How the device authenticates to a WPA2-Enterprise network (IEEE 802.1X)."""

    EAP_TLS = "eap_tls"
    """With a client certificate of the device's certificate store, and its key."""
    PEAP_MSCHAPV2 = "peap_mschapv2"
    """With the EAP identity and its password."""


class WlanNetworkSeen(Reply):
    """A wireless network found by a scan."""

    ssid: str
    signal_percent: int = Field(ge=0, le=100)
    channel: int = Field(ge=0)
    security: WlanSecurity


class WlanScan(Reply):
    """The wireless networks in range, strongest first."""

    networks: list[WlanNetworkSeen]


class ScanWlan(Command[WlanScan]):
    """Refresh the list of wireless networks in range."""

    subject: ClassVar[str] = "network.wlan.scan"
    required_role: ClassVar[Role] = Role.VIEWER
    answer_within_s: ClassVar[float] = 45.0
    """A scan visits every channel before the owner answers (seconds on a real radio)."""


class WlanSettings(Reply):
    """The wireless network to join when the cable is unplugged (ethernet is preferred)."""

    ssid: str | None = Field(default=None, min_length=1, max_length=32)
    """``None``: no wireless network configured."""
    is_hidden: bool = False
    security: WlanSecurity = WlanSecurity.WPA2_PSK
    passphrase: str | None = write_only(min_length=8, max_length=63)
    """Write only."""
    has_passphrase: bool = read_only(False)
    """Read only."""
    eap_method: WlanEapMethod = WlanEapMethod.PEAP_MSCHAPV2
    """WPA2-Enterprise: how the device authenticates."""
    eap_identity: str | None = Field(default=None, min_length=1, max_length=128)
    """WPA2-Enterprise: the identity the device gives the network's authentication server."""
    eap_password: Secret | None = write_only()
    """PEAP-MSCHAPv2: the identity's password. Write only."""
    has_eap_password: bool = read_only(False)
    """Read only."""
    client_certificate: str | None = Field(default=None, max_length=128)
    """EAP-TLS: the certificate store's client certificate; the device holds its key."""
    ca_certificates: list[str] = Field(default_factory=list)
    """WPA2-Enterprise: the certificate store's CA certificates; the first validates the
    authentication server. Without one the server is not validated."""
    ipv4: Ipv4Settings = Field(default_factory=Ipv4Settings)
    ipv6: Ipv6Settings = Field(default_factory=Ipv6Settings)

    @model_validator(mode="after")
    def _enterprise_has_its_fields(self) -> Self:
        if self.ssid is None or self.security is not WlanSecurity.WPA2_ENTERPRISE:
            return self
        if self.eap_identity is None:
            raise ValueError("a WPA2-Enterprise network needs an EAP identity")
        if self.eap_method is WlanEapMethod.EAP_TLS and self.client_certificate is None:
            raise ValueError("EAP-TLS needs a client certificate")
        return self


class GetWlan(Command[WlanSettings]):
    """Read the WLAN settings."""

    subject: ClassVar[str] = "network.wlan.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetWlan(Command[WlanSettings]):
    """Store and apply the WLAN settings; answers with them as stored."""

    subject: ClassVar[str] = "network.wlan.set"
    answer_within_s: ClassVar[float] = 90.0
    """With the cable unplugged the network is joined before the owner answers (association,
    handshake, address; up to a minute), so that a refused passphrase is the answer."""
    settings: WlanSettings
