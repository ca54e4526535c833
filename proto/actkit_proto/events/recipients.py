"""Recipients: where notifications go, and the test notification."""

from __future__ import annotations

import base64
import binascii
import io
import wave
from enum import StrEnum
from typing import Annotated, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, model_validator

from actkit_proto.base import Ack, Command, Reply, Role, RowId
from actkit_proto.events.common import Host, Name, NetPort, Part, Secret


class Encryption(StrEnum):
    """How an email recipient's SMTP connection is encrypted."""

    NONE = "none"
    SSL = "ssl"
    """Implicit TLS from the first byte (port 465)."""
    TLS = "tls"
    """STARTTLS after connecting in clear (port 587)."""


class EmailRecipient(Part):
    """Email: SMTP with optional SSL/TLS and authentication, several To addresses."""

    type: Literal["email"] = "email"
    name: Name
    to: list[Annotated[str, Field(pattern=r"^[^@\s,]+@[^@\s,]+$")]] = Field(
        min_length=1, max_length=20
    )
    sender: Annotated[str, Field(pattern=r"^[^@\s,]+@[^@\s,]+$")]
    host: Host
    port: NetPort = 587
    encryption: Encryption = Encryption.NONE
    validate_certificate: bool = True
    username: str = Field(default="", max_length=256)
    password: Secret = None
    pop_host: Host | None = None
    """POP authentication (POP before SMTP): the POP3 server to log in to with ``username`` and
    ``password`` before sending, for mail servers that let in only who read their mail lately.
    Empty, none."""
    pop_port: NetPort = 110
    """The POP3 server's port: 110 (plain or STLS), 995 (SSL)."""
    pop_encryption: Encryption = Encryption.NONE
    """SSL: implicit TLS (port 995); TLS: STLS after connecting in clear. The certificate is
    checked as ``validate_certificate`` says, as for SMTP."""

    @model_validator(mode="after")
    def _pop_needs_a_login(self) -> EmailRecipient:
        if self.pop_host and not self.username:
            raise ValueError(
                "POP authentication logs in with the username and password: give a username"
            )
        return self


class HttpRecipient(Part):
    """HTTP or HTTPS: the notification is POSTed to ``url`` as a form."""

    type: Literal["http", "https"] = "http"
    name: Name
    url: str = Field(pattern=r"^https?://\S+$", max_length=2048)
    username: str = Field(default="", max_length=256)
    password: Secret = None
    validate_certificate: bool = True
    proxy: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=2048)

    @model_validator(mode="after")
    def _scheme_matches_type(self) -> HttpRecipient:
        scheme = self.url.split("://", 1)[0].lower()
        if scheme != self.type:
            raise ValueError(f"a {self.type} recipient needs a {self.type}:// URL, not {scheme}://")
        return self

    @model_validator(mode="after")
    def _no_password_in_a_url(self, info: ValidationInfo) -> HttpRecipient:
        # Refused where a person sends it (STRICT); one stored before is still read.
        if not (info.context or {}).get("refuse_unknown_fields"):
            return self
        if urlsplit(self.url).password is not None:
            raise ValueError(
                "put the password in the password field, not in the URL, where every viewer "
                "would read it"
            )
        if self.proxy is not None and urlsplit(self.proxy).password is not None:
            raise ValueError(
                "a password in the proxy URL would be shown to every viewer: recipients reach "
                "proxies that need no password (allow the device's address at the proxy)"
            )
        return self


class TcpRecipient(Part):
    """TCP: the message is written to a plain TCP connection."""

    type: Literal["tcp"] = "tcp"
    name: Name
    host: Host
    port: NetPort


class FtpRecipient(Part):
    """FTP: the notification is uploaded as a text file."""

    type: Literal["ftp"] = "ftp"
    name: Name
    host: Host
    port: NetPort = 21
    folder: str = Field(default="", max_length=1024)
    username: str = Field(default="anonymous", max_length=256)
    password: Secret = None
    is_passive: bool = True
    use_temporary_name: bool = True


class SftpRecipient(Part):
    """SFTP: uploaded once the server's host key is checked, before the password is sent.

    Trust on first use: a stored recipient without a SHA-256 fingerprint pins the key its server
    shows at the first successful delivery or test; from then on another key is refused.
    """

    type: Literal["sftp"] = "sftp"
    name: Name
    host: Host
    port: NetPort = 22
    folder: str = Field(default="", max_length=1024)
    username: str = Field(min_length=1, max_length=256)
    password: Secret = None
    host_key_md5: str | None = Field(
        default=None, pattern=r"^([0-9a-fA-F]{2}:?){15}[0-9a-fA-F]{2}$"
    )
    """The MD5 fingerprint (``aa:bb:...``) the server's host key must have."""
    host_key_sha256: str | None = Field(default=None, pattern=r"^[A-Za-z0-9+/]{43}=?$")
    """The SHA-256 fingerprint (base64, without ``SHA256:``) the server's host key must have;
    empty, the first connection pins it. Clear it to accept a server's new key."""
    use_temporary_name: bool = True


class SmbVersion(StrEnum):
    """The SMB dialect a network storage recipient speaks; ``auto`` takes the highest both know."""

    AUTO = "auto"
    SMB_2_0_2 = "2.0.2"
    SMB_2_1 = "2.1"
    SMB_3_0 = "3.0"
    SMB_3_0_2 = "3.0.2"
    SMB_3_1_1 = "3.1.1"


class NetworkStorageRecipient(Part):
    """Network storage: a file written on an SMB 2/3 share (a NAS, a Windows or Samba server).

    The notification is written as a text file under a temporary name, then renamed, as FTP
    does. SMB 1 is not offered: it is off in every current server for its known weaknesses.
    """

    type: Literal["network_storage"] = "network_storage"
    name: Name
    host: Host
    port: NetPort = 445
    share: str = Field(min_length=1, max_length=256, pattern=r"^[^\\/:*?\"<>|\x00-\x1f]+$")
    folder: str = Field(default="", max_length=1024, pattern=r"^[^:*?\"<>|\x00-\x1f]*$")
    """The folder in the share, ``/`` or ``\\`` between its parts; it must exist."""
    username: str = Field(min_length=1, max_length=256)
    password: Secret = None
    domain: str = Field(default="", max_length=256, pattern=r"^[^\\/\x00-\x1f]*$")
    """The user's Windows domain or workgroup; empty, the server's own."""
    smb_version: SmbVersion = SmbVersion.AUTO
    use_temporary_name: bool = True


MESSAGE_WAV_BYTES = 64 * 1024
"""About 4 s at 8 kHz: every recipient, its message included, goes in one list reply (1 MB)."""


def message_wav_samples(encoded: str) -> bytes:
    """A recipient's ``message_wav`` as its 16-bit 8 kHz mono samples (little-endian).

    Raises:
        ValueError: not base64, larger than 64 KiB, not a WAV, or another format; the
            sentence names the field and the format wanted.
    """
    wanted = "message_wav must be a WAV file (base64) of 16-bit PCM mono audio at 8000 Hz"
    try:
        data = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise ValueError(f"{wanted}; this is not base64") from None
    if len(data) > MESSAGE_WAV_BYTES:
        raise ValueError(f"{wanted}, at most 64 KiB (4 s); this one has {len(data)} bytes")
    try:
        with wave.open(io.BytesIO(data)) as audio:
            shape = (audio.getsampwidth() * 8, audio.getnchannels(), audio.getframerate())
            samples: bytes = audio.readframes(audio.getnframes())
    except (wave.Error, EOFError):
        raise ValueError(f"{wanted}; this is not a PCM WAV file") from None
    if shape != (16, 1, 8000):
        bits, channels, rate = shape
        raise ValueError(f"{wanted}; this one is {bits}-bit, {channels} channel(s) at {rate} Hz")
    if not samples:
        raise ValueError(f"{wanted}; this one holds no audio")
    return samples


SipAddress = Annotated[
    str, Field(min_length=1, max_length=256, pattern=r"^(sips?:)?[^@\s:;<>]+@[A-Za-z0-9.\-\[\]:]+$")
]


class SipRecipient(Part):
    """SIP call: placed from a SIP account through its proxy, a message played, then hung up.

    The call is answered by a phone, a softphone or a PBX; "Test" places one and says how it
    went. VMS calls (``vms``) are not supported on this device.
    """

    type: Literal["sip", "vms"] = "sip"
    name: Name
    from_account: SipAddress
    """The SIP account calling (``user@domain``); its domain is the proxy unless one is set."""
    to_address: str = Field(
        min_length=1, max_length=256, pattern=r"^(sips?:)?[^@\s:;<>]+(@[A-Za-z0-9.\-\[\]:]+)?$"
    )
    """The SIP address called (``user@host``), or a number or user at the account's domain."""
    proxy_host: Host | None = None
    """The SIP proxy (registrar) the call goes through; empty, the account's domain."""
    proxy_port: NetPort = 5060
    username: str = Field(default="", max_length=256)
    """The name the proxy authenticates; empty, the account's user."""
    password: Secret = None
    play_alert: bool = True
    """Play a short alert (three beeps) when the call is answered, if no message is given."""
    message_wav: str | None = None
    """A message played once answered instead of the beeps: a WAV file in base64, 16-bit PCM
    mono at 8000 Hz, at most 64 KiB (4 s)."""
    call_duration_s: int = Field(default=5, ge=1, le=60)
    """How long the call lasts once answered, alert included, before it is hung up; a longer
    message is played whole."""

    @model_validator(mode="after")
    def _message_is_a_wav_to_play(self) -> SipRecipient:
        if self.message_wav is not None:
            message_wav_samples(self.message_wav)
        return self


RecipientSpec = Annotated[
    EmailRecipient
    | HttpRecipient
    | TcpRecipient
    | FtpRecipient
    | SftpRecipient
    | NetworkStorageRecipient
    | SipRecipient,
    Field(discriminator="type"),
]


class Recipient(Reply):
    """A recipient as shown: the password is never sent back, only whether one is set."""

    recipient_id: RowId
    recipient: RecipientSpec
    has_password: bool


class RecipientList(Reply):
    """Every recipient, passwords left out."""

    recipients: list[Recipient]


class CreateRecipient(Command[Recipient]):
    """Add a recipient (at most 20; the 21st is refused with 409)."""

    subject: ClassVar[str] = "events.recipients.create"
    recipient: RecipientSpec


class ListRecipients(Command[RecipientList]):
    """Read every recipient."""

    subject: ClassVar[str] = "events.recipients.list"
    required_role: ClassVar[Role] = Role.VIEWER


class GetRecipient(Command[Recipient]):
    """Read one recipient (its password left out)."""

    subject: ClassVar[str] = "events.recipient.{recipient_id}.get"
    required_role: ClassVar[Role] = Role.VIEWER
    recipient_id: RowId


class UpdateRecipient(Command[Recipient]):
    """Replace a recipient; an empty password keeps the stored one."""

    subject: ClassVar[str] = "events.recipient.{recipient_id}.update"
    recipient_id: RowId
    recipient: RecipientSpec


class DeleteRecipient(Command[Ack]):
    """Delete a recipient that no rule uses (409 otherwise)."""

    subject: ClassVar[str] = "events.recipient.{recipient_id}.delete"
    recipient_id: RowId


class RecipientTestResult(Reply):
    """The outcome of a test notification."""

    is_ok: bool
    answer: str
    """What the peer answered (e.g. the SMTP server's reply), or why it failed."""


class SendTestNotification(Command[RecipientTestResult]):
    """Send a test notification to a recipient (stored, or not yet saved)."""

    subject: ClassVar[str] = "events.recipients.test"
    answer_within_s: ClassVar[float] = 90.0
    """A test call rings and talks for up to a minute; every client has its own 10 s limits."""
    recipient_id: RowId | None = None
    recipient: RecipientSpec | None = None
    """An unsaved recipient; its empty password is taken from ``recipient_id`` if given."""
