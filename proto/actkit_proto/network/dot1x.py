"""IEEE 802.1X and MACsec."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, Field, model_validator

from actkit_proto.base import Command, Reply, Role, read_only, write_only
from actkit_proto.network.common import _HEX, Secret


class Dot1xMethod(StrEnum):
    """How the device authenticates to the network switch."""

    EAP_TLS = "eap_tls"
    PEAP_MSCHAPV2 = "peap_mschapv2"
    MACSEC_PSK = "macsec_psk"
    """IEEE 802.1AE MACsec with a static CAK (pre-shared key)."""


def _check_ckn(value: str) -> str:
    if not (2 <= len(value) <= 64) or len(value) % 2 or not _HEX.match(value):
        raise ValueError("the CKN must be 2 to 64 hexadecimal characters, an even number of them")
    return value.lower()


def _check_cak(value: str) -> str:
    if len(value) not in (32, 64) or not _HEX.match(value):
        raise ValueError("the CAK must be 32 or 64 hexadecimal characters")
    return value.lower()


class Dot1xSettings(Reply):
    """IEEE 802.1X (EAP-TLS, PEAP-MSCHAPv2) and IEEE 802.1AE MACsec (static CAK)."""

    is_enabled: bool = False
    method: Dot1xMethod = Dot1xMethod.EAP_TLS
    client_certificate: str | None = Field(default=None, max_length=128)
    ca_certificates: list[str] = Field(default_factory=list)
    """Without CA certificates the server is not validated."""
    eap_identity: str | None = Field(default=None, min_length=1, max_length=128)
    eapol_version: int = Field(default=1, ge=1, le=3)
    """The EAPOL version sent to the switch. NetworkManager has no setting for it: its supplicant
    (wpa_supplicant) always sends version 1, which switches of every 802.1X revision accept, so
    the network service refuses another."""
    password: Secret | None = write_only()
    has_password: bool = read_only(False)
    """Read only."""
    peap_version: int = Field(default=0, ge=0, le=1)
    peap_label: int = Field(default=1, ge=1, le=2)
    """1: client EAP encryption; 2: client PEAP encryption (PEAP version 1)."""
    ckn: Annotated[str, AfterValidator(_check_ckn)] | None = None
    cak: Annotated[str, AfterValidator(_check_cak)] | None = write_only()
    """Write only."""
    has_cak: bool = read_only(False)
    """Read only."""

    @model_validator(mode="after")
    def _method_has_its_fields(self) -> Self:
        if not self.is_enabled:
            return self
        if self.method is Dot1xMethod.EAP_TLS:
            if self.client_certificate is None or self.eap_identity is None:
                raise ValueError("EAP-TLS needs a client certificate and an EAP identity")
        elif self.method is Dot1xMethod.PEAP_MSCHAPV2:
            if self.eap_identity is None:
                raise ValueError("PEAP-MSCHAPv2 needs an EAP identity")
        elif self.ckn is None:
            raise ValueError("MACsec needs a CKN (connectivity association key name)")
        return self


class GetDot1x(Command[Dot1xSettings]):
    """Read the 802.1X/MACsec settings."""

    subject: ClassVar[str] = "network.dot1x.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class SetDot1x(Command[Dot1xSettings]):
    """Store and apply the 802.1X/MACsec settings; answers with them as stored."""

    subject: ClassVar[str] = "network.dot1x.set"
    settings: Dot1xSettings
