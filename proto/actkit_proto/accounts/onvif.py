"""ONVIF accounts and their verification: WS-UsernameToken or HTTP Digest."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from actkit_proto.accounts.common import SIGN_IN, AccountName, ClientAddress, Password
from actkit_proto.accounts.users import MAX_ACCOUNTS
from actkit_proto.base import Ack, Command, Reply, Role

OnvifRole = Literal["administrator", "operator", "media"]


class OnvifAccountInfo(Reply):
    """An ONVIF account (never its password)."""

    name: str
    role: OnvifRole


class OnvifAccountList(Reply):
    """Every ONVIF account, by name; ONVIF communication is on while there is one."""

    accounts: list[OnvifAccountInfo]
    max_accounts: int = MAX_ACCOUNTS


class ListOnvifAccounts(Command[OnvifAccountList]):
    """List the ONVIF accounts."""

    subject: ClassVar[str] = "accounts.onvif.list"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class AddOnvifAccount(Command[OnvifAccountInfo]):
    """Add an ONVIF account (at most 100, unique name)."""

    subject: ClassVar[str] = "accounts.onvif.add"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password
    role: OnvifRole


class UpdateOnvifAccount(Command[OnvifAccountInfo]):
    """Change an ONVIF account's password and/or role; fields left out stay."""

    subject: ClassVar[str] = "accounts.onvif.update"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password | None = None
    role: OnvifRole | None = None


class DeleteOnvifAccount(Command[Ack]):
    """Delete an ONVIF account."""

    subject: ClassVar[str] = "accounts.onvif.delete"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName


class OnvifIdentity(Reply):
    """Which ONVIF account a token is, and its role."""

    name: str
    role: OnvifRole


class VerifyUsernameToken(Command[OnvifIdentity]):
    """Check a WS-Security UsernameToken against the ONVIF accounts (asked per SOAP request).

    ``digest``: the password is Base64(SHA-1(nonce + created + password)) and ``nonce`` (Base64)
    and ``created`` are required; ``text``: the password itself. A token whose ``created`` is
    too far from the device's clock (5 minutes by default) and a nonce accepted before are
    refused (401); failures go to the access log and count towards brute-force blocking.
    """

    subject: ClassVar[str] = "accounts.onvif.verify"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    username: str = Field(max_length=256)
    password: str = Field(max_length=256)
    password_type: Literal["digest", "text"] = "digest"
    nonce: str | None = Field(default=None, max_length=256)
    created: str | None = Field(default=None, max_length=64, description="xsd:dateTime, UTC.")
    client_address: ClientAddress


class VerifyOnvifDigest(Command[OnvifIdentity]):
    """Check an ``Authorization: Digest ...`` answer (RFC 7616, qop=auth) for an ONVIF account.

    For an ONVIF request that carries HTTP Digest instead of a UsernameToken. The challenge is
    :class:`GetDigestChallenge`'s (one realm and nonce book for the device); the answer is checked
    against the account's sealed password, MD5 or SHA-256. Failures go to the access log and count
    towards brute-force blocking (401; 429 while blocked); a stale nonce is refused uncounted.
    """

    subject: ClassVar[str] = "accounts.onvif.digest.verify"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    method: str = Field(max_length=16)
    authorization: str = Field(max_length=4096, description="The header value after 'Digest '.")
    uri: str = Field(max_length=4096)
    """The request target the client sent (path and query); the answer's ``uri`` must name it."""
    client_address: ClientAddress
