"""The outside world the accounts service talks to, as interfaces; adapters/ implements them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from actkit_accounts.domain.openid import PendingLogin, Provider


class SshPort(Protocol):
    """The device's SSH server and its system users.

    On the board this is sshd's configuration and the system's user database (the password goes
    to ``chpasswd``, which hashes it the system's way); elsewhere it is simulated.
    """

    async def set_enabled(self, is_enabled: bool) -> None:
        """Start or stop the SSH server (and keep it so across restarts)."""

    async def set_user(self, name: str, password: str | None, comment: str) -> None:
        """Create or update a system user allowed to log in over SSH; None keeps the password."""

    async def remove_user(self, name: str) -> None:
        """Remove a system user created for SSH."""

    def login_name(self, name: str) -> str:
        """The user name an SSH client gives for the account ``name``; Invalid if none can be."""

    async def close(self) -> None:
        """Release what the adapter runs (the service is stopping)."""


class KeystorePort(Protocol):
    """Where the service keeps the key that seals secrets it must read back.

    Software here (a key file); a TPM or secure element would implement the same two calls.
    """

    def seal(self, secret: str, context: str) -> str:
        """``secret`` encrypted and bound to ``context`` (text to store)."""

    def unseal(self, sealed: str, context: str) -> str:
        """The secret back; Unavailable when it does not open (other key, other context)."""


class OpenIdPort(Protocol):
    """An OpenID provider, reached over HTTPS trusting the device's CA certificates."""

    async def discover(self, url: str) -> Provider:
        """Fetch and check the discovery document; Invalid or Unavailable when it cannot be."""

    async def complete(
        self,
        provider: Provider,
        client_id: str,
        client_secret: str,
        pending: PendingLogin,
        code: str,
    ) -> dict[str, object]:
        """Exchange the code for tokens and return the checked ID token's claims."""

    async def close(self) -> None:
        """Release the connection."""


OpenIdConnector = Callable[[str, str], OpenIdPort]
"""Opens an :class:`OpenIdPort` trusting these CA certificates (PEM), through this proxy."""
