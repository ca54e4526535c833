"""The system parts the accounts service changes, as interfaces; adapters/ implements them."""

from __future__ import annotations

from typing import Protocol


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
