"""SFTP delivery, its server's host key checked in the handshake, before the password is sent.

The key is checked against the recipient's fingerprints when it has some, else accepted and told
in :class:`~actkit_events.ports.Delivered` so that the caller pins it (trust on first use).
"""

from __future__ import annotations

from actkit_events.ports import Delivered, DeliveryFailed
from actkit_proto.events import SftpRecipient


def host_key_matches(spec: SftpRecipient, sha256: str, md5: str) -> bool:
    """Whether a host key with these fingerprints is the one the recipient expects.

    A recipient without fingerprints expects any key (its first connection pins one).

    >>> spec = SftpRecipient(name="s", host="h", username="u", host_key_sha256="A" * 43)
    >>> host_key_matches(spec, "A" * 43 + "=", "00:11"), host_key_matches(spec, "B" * 43, "")
    (True, False)
    """
    if spec.host_key_sha256 and spec.host_key_sha256.rstrip("=") != sha256.rstrip("="):
        return False
    expected_md5 = (spec.host_key_md5 or "").lower().replace(":", "")
    return not expected_md5 or expected_md5 == md5.lower().replace(":", "")


def host_key_refused(spec: SftpRecipient, sha256: str, md5: str) -> str:
    """Why a delivery stopped at the server's host key, naming both keys and the way out."""
    expected = " and ".join(
        f"{kind}:{value}"
        for kind, value in (("SHA256", spec.host_key_sha256), ("MD5", spec.host_key_md5))
        if value
    )
    shown = f"SHA256:{sha256}" if spec.host_key_sha256 else f"MD5:{md5} (SHA256:{sha256})"
    return (
        f"SFTP server {spec.host}:{spec.port} shows host key {shown}, but this recipient "
        f"expects {expected}: nothing was sent, not even the password. If the server's key "
        "was changed on purpose, clear the recipient's host key fingerprints (host_key_sha256, "
        "host_key_md5) and save: the next delivery or test pins the new key"
    )


async def send_sftp(spec: SftpRecipient, name: str, message: str, timeout_s: float) -> Delivered:
    # Imported here: asyncssh (with its cryptography) costs the service ~0.25 s at every start,
    # and most devices never send to SFTP.
    import asyncssh

    shown: list[tuple[str, str]] = []

    class HostKeyCheck(asyncssh.SSHClient):
        """Checks the server's key in the handshake, before any password is sent."""

        def validate_host_public_key(
            self, _host: str, _addr: str, _port: int, key: asyncssh.SSHKey
        ) -> bool:
            sha256 = key.get_fingerprint("sha256").removeprefix("SHA256:")
            md5 = key.get_fingerprint("md5").removeprefix("MD5:")
            shown.append((sha256, md5))
            return host_key_matches(spec, sha256, md5)

    try:
        async with asyncssh.connect(
            spec.host,
            spec.port,
            username=spec.username,
            password=spec.password,
            client_factory=HostKeyCheck,
            # No key is trusted beforehand, so that every key goes through HostKeyCheck; all the
            # client's host key algorithms are offered, since none is known for the server.
            known_hosts=lambda _host, _addr, _port: ([], [], []),
            server_host_key_algs="default",
            client_keys=None,
            connect_timeout=timeout_s,
        ) as connection:
            folder = spec.folder.rstrip("/")
            final = f"{folder}/{name}" if folder else name
            upload = f"{folder}/.{name}.part" if folder else f".{name}.part"
            async with connection.start_sftp_client() as sftp:
                target = upload if spec.use_temporary_name else final
                async with sftp.open(target, "wb") as remote:
                    await remote.write(message.encode())
                if spec.use_temporary_name:
                    await sftp.rename(upload, final)
    except asyncssh.HostKeyNotVerifiable as exc:
        if not shown:
            raise DeliveryFailed(f"{_where(spec)}: {exc}") from exc
        raise DeliveryFailed(host_key_refused(spec, *shown[-1])) from exc
    except asyncssh.Error as exc:
        raise DeliveryFailed(f"{_where(spec)}: {exc}") from exc
    sha256, _md5 = shown[-1]
    checked = "checked" if spec.host_key_sha256 or spec.host_key_md5 else "seen for the first time"
    answer = f"uploaded {final} to {spec.host}:{spec.port} (host key SHA256:{sha256} {checked})"
    return Delivered(answer, host_key_sha256=sha256.rstrip("="))


def _where(spec: SftpRecipient) -> str:
    return f"{spec.type} {spec.host}:{spec.port}"
