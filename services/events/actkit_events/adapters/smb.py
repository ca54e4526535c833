"""Network storage delivery: a file written on an SMB 2/3 share (smbprotocol), then renamed.

Each delivery opens its own connection and session (the client's pool is not shared between
recipients, so a wrong password is never hidden behind another recipient's open session) and
closes them after. A write that fails leaves no temporary file behind when the server still
lets it be removed.
"""

from __future__ import annotations

import contextlib
import re
import uuid

import smbclient
from smbprotocol.connection import Connection, Dialects
from smbprotocol.exceptions import SMBException, SMBOSError
from smbprotocol.header import NtStatus

from actkit_events.ports import DeliveryFailed
from actkit_proto.events import NetworkStorageRecipient, SmbVersion

DIALECTS = {
    SmbVersion.SMB_2_0_2: Dialects.SMB_2_0_2,
    SmbVersion.SMB_2_1: Dialects.SMB_2_1_0,
    SmbVersion.SMB_3_0: Dialects.SMB_3_0_0,
    SmbVersion.SMB_3_0_2: Dialects.SMB_3_0_2,
    SmbVersion.SMB_3_1_1: Dialects.SMB_3_1_1,
}
_DIALECT_NAMES = {dialect: version.value for version, dialect in DIALECTS.items()}
_NO_FOLDER = (NtStatus.STATUS_OBJECT_PATH_NOT_FOUND, NtStatus.STATUS_OBJECT_NAME_NOT_FOUND)
_NO_SHARE = (NtStatus.STATUS_BAD_NETWORK_NAME, NtStatus.STATUS_NOT_FOUND)


def share_path(spec: NetworkStorageRecipient, name: str = "") -> str:
    r"""The UNC path of a file (or of the folder, without ``name``) in the recipient's share.

    >>> spec = NetworkStorageRecipient(name="n", host="nas", share="cams", username="u",
    ...     folder="/car 12/events/")
    >>> share_path(spec, "a.txt")
    '\\\\nas\\cams\\car 12\\events\\a.txt'
    """
    parts = [part for part in re.split(r"[\\/]+", spec.folder) if part]
    return "\\".join([f"\\\\{spec.host}", spec.share, *parts, *([name] if name else [])])


def send_smb(spec: NetworkStorageRecipient, name: str, message: str, timeout_s: float) -> str:
    """Write ``message`` as ``name`` in the recipient's folder; what was written, and how.

    Raises:
        DeliveryFailed: the server could not be reached, refused the login, or refused the file
            (no such share or folder, a full disk ...); the message says which.
    """
    final = share_path(spec, name)
    upload = share_path(spec, f".{name}.part") if spec.use_temporary_name else final
    user = f"{spec.domain}\\{spec.username}" if spec.domain else spec.username
    cache: dict[str, Connection] = {}
    options = {"port": spec.port, "connection_cache": cache}
    is_logged_in = False
    try:
        connection = Connection(uuid.uuid4(), spec.host, spec.port)
        connection.connect(dialect=DIALECTS.get(spec.smb_version), timeout=timeout_s)
        cache[f"{spec.host.lower()}:{spec.port}"] = connection
        smbclient.register_session(
            spec.host, username=user, password=spec.password or "", **options
        )
        is_logged_in = True
        with smbclient.open_file(upload, mode="wb", **options) as remote:
            remote.write(message.encode())
        if spec.use_temporary_name:
            smbclient.rename(upload, final, **options)
    except (SMBException, ValueError, OSError) as exc:
        if is_logged_in:
            with contextlib.suppress(SMBException, ValueError, OSError):
                smbclient.remove(upload, **options)
        raise DeliveryFailed(_sentence(spec, user, exc)) from exc
    finally:
        smbclient.reset_connection_cache(fail_on_error=False, connection_cache=cache)
    dialect = _DIALECT_NAMES.get(connection.dialect, hex(connection.dialect))
    return f"wrote {final} (SMB {dialect}, logged in as {user})"


def _sentence(spec: NetworkStorageRecipient, user: str, exc: Exception) -> str:
    where = f"network storage \\\\{spec.host}\\{spec.share} (port {spec.port})"
    status = getattr(exc, "ntstatus", None) or getattr(exc, "status", None)
    if status == NtStatus.STATUS_LOGON_FAILURE:
        return f"{where} refused the login as {user}: the user name or password is wrong"
    if isinstance(exc, SMBOSError) and status in _NO_FOLDER:
        return (
            f"{where}: the folder {spec.folder!r} does not exist in the share; create it on "
            "the server or correct the recipient's folder"
        )
    if isinstance(exc, SMBOSError) and status in _NO_SHARE:
        return f"{where}: the server has no share {spec.share!r}"
    said = str(exc).removeprefix("Received unexpected status from the server: ")
    return f"{where}: {said or type(exc).__name__}"
