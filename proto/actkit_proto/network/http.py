"""HTTP and HTTPS access."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from actkit_proto.base import Command, Event, Reply, Role, read_only
from actkit_proto.network.common import CUTS_OFF, PortNumber


class HttpAccess(StrEnum):
    """Which protocols the web server accepts."""

    HTTP = "http"
    HTTPS = "https"
    BOTH = "both"


class HttpSettings(Reply):
    """Web server access: protocols, ports and the HTTPS certificate.

    Ports are 80 (HTTP) or 443 (HTTPS) or 1024-65535; 1-1023 only for administrators, with a
    warning. The owner enforces the role; the model checks the range.
    """

    access: HttpAccess = HttpAccess.BOTH
    http_port: PortNumber = 80
    https_port: PortNumber = 443
    certificate: str | None = Field(default=None, max_length=128)
    """Name of the installed certificate HTTPS uses (accounts owns certificates)."""
    warnings: list[str] = read_only([])
    """Read only: what deserves attention in the stored settings (privileged ports)."""

    @model_validator(mode="after")
    def _ports_differ(self) -> Self:
        if self.http_port == self.https_port:
            raise ValueError(f"HTTP and HTTPS cannot both use port {self.http_port}")
        return self


class GetHttp(Command[HttpSettings]):
    """Read the HTTP/HTTPS access settings."""

    subject: ClassVar[str] = "network.http.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetHttp(Command[HttpSettings]):
    """Operators change the ports; the protocols and the certificate are an administrator's.

    Ports are the standard ones or 1024-65535; 1-1023 needs an administrator. The protocols
    allowed and the certificate belong to Security.

    A change of the protocols or ports is refused (409) unless confirmed.
    """

    subject: ClassVar[str] = "network.http.set"
    required_role: ClassVar[Role] = Role.OPERATOR
    settings: HttpSettings
    confirm: bool = Field(default=False, description=CUTS_OFF)


class HttpChanged(Event):
    """The web server's access in force: at the network service's start, on every set and restore.

    Kept in the KV bucket: the web service reads it at start and follows it, listening on these
    ports and allowing these protocols, so it never has to ask again.
    """

    subject: ClassVar[str] = "network.http.changed"
    stateful: ClassVar[bool] = True

    access: HttpAccess
    http_port: PortNumber
    https_port: PortNumber
