"""The events service's interface to the outside world: the recipients' servers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from actkit_proto.events import RecipientSpec


@dataclass(frozen=True)
class Delivered:
    """A delivery that happened: what the peer answered, and the host key an SFTP server showed."""

    answer: str
    host_key_sha256: str | None = None
    """The SFTP server's SHA-256 host key fingerprint (base64, no ``SHA256:``), once checked or
    accepted; ``None`` for the other types."""


class DeliveryFailed(Exception):
    """The peer refused or could not be reached; the message says which and why."""


class NotSupported(DeliveryFailed):
    """The recipient type has no client on this device."""


class Notifier(Protocol):
    """Delivers notifications to recipients: email, HTTP(S), TCP, FTP, SFTP."""

    def not_supported_reason(self, spec: RecipientSpec) -> str | None:
        """Why this recipient type cannot be used here, or ``None`` when it can."""
        ...

    async def send(self, spec: RecipientSpec, subject: str, message: str) -> Delivered:
        """Deliver one notification; returns the peer's answer.

        Raises:
            DeliveryFailed: the delivery did not happen; the message says why.
        """
        ...
