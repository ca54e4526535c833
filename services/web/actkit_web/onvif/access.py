"""Who calls an ONVIF operation: a WS-UsernameToken or HTTP Digest, checked by accounts.

Every operation has an ONVIF access class (Core specification, 5.9.4); an ONVIF account's role
gives the classes it may use. ``PRE_AUTH`` operations are answered to anyone, with no check at
all (clients read the clock before they can sign). The commands an operation sends carry the
account as actor with the device role of its ONVIF role, so each owner checks it too.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import IntEnum

from actkit_core.bus import Publisher
from actkit_proto.accounts import (
    GetDigestChallenge,
    OnvifIdentity,
    OnvifRole,
    VerifyOnvifDigest,
    VerifyUsernameToken,
)
from actkit_proto.base import Actor, Role
from actkit_proto.errors import BusError, Invalid, TooManyRequests, Unauthenticated
from actkit_web.http.auth import fitted
from actkit_web.onvif.soap import WSSE, WSU, Fault, not_authorized

PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)


class AccessClass(IntEnum):
    """ONVIF's access classes, ordered by what they need."""

    PRE_AUTH = 0
    READ_SYSTEM = 1
    READ_MEDIA = 2
    ACTUATE = 3
    READ_SYSTEM_SECRET = 4
    WRITE_SYSTEM = 5
    UNRECOVERABLE = 6


DEVICE_ROLE: dict[OnvifRole, Role] = {
    "administrator": Role.ADMINISTRATOR,
    "operator": Role.OPERATOR,
    "media": Role.VIEWER,
}
"""The device role an ONVIF account acts with: an ONVIF *user* (media) only views."""

ALLOWED: dict[OnvifRole, AccessClass] = {
    "administrator": AccessClass.UNRECOVERABLE,
    "operator": AccessClass.ACTUATE,
    "media": AccessClass.READ_MEDIA,
}
"""The highest class each ONVIF role may use (Core: Operator actuates, User reads)."""

UNAUTHENTICATED = Actor(name="ONVIF client before authentication", role=Role.VIEWER)
"""Who PRE_AUTH operations read for: nobody signed them, so no more than a viewer."""


class DigestRequired(Fault):
    """401 with a Digest challenge: no credentials, or HTTP Digest ones that were refused."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "NotAuthorized", status_code=401)


@dataclass(frozen=True)
class HttpDigest:
    """An ``Authorization: Digest ...`` header, with what its answer must name."""

    method: str
    authorization: str
    """The header value after ``Digest``."""
    uri: str
    """The request target as sent (path and query)."""


@dataclass(frozen=True)
class UsernameToken:
    """The ``wsse:UsernameToken`` of a request's Security header, as sent."""

    username: str
    password: str
    is_digest: bool
    nonce: str | None
    created: str | None


def username_token(header: ET.Element | None) -> UsernameToken | None:
    """The request's UsernameToken; None without one. A missing password Type means text."""
    if header is None:
        return None
    token = header.find(f"{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
    if token is None:
        return None
    password = token.find(f"{{{WSSE}}}Password")
    return UsernameToken(
        username=(token.findtext(f"{{{WSSE}}}Username") or "").strip(),
        password=(password.text or "").strip() if password is not None else "",
        is_digest=password is not None and password.get("Type", PASSWORD_TEXT) != PASSWORD_TEXT,
        nonce=_stripped(token.findtext(f"{{{WSSE}}}Nonce")),
        created=_stripped(token.findtext(f"{{{WSU}}}Created")),
    )


def _stripped(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


async def authenticate(
    bus: Publisher,
    token: UsernameToken | None,
    digest: HttpDigest | None,
    client_address: str,
    timeout_s: float,
) -> OnvifIdentity:
    """The ONVIF account the UsernameToken, or else the HTTP Digest answer, proves.

    Accounts logs and counts each failure.

    Raises:
        Fault: a token accounts refused (NotAuthorized, HTTP 400, which clients read as an
            authentication error); DigestRequired when there is no credential at all or a
            Digest answer accounts refused.
    """
    if token is None and digest is None:
        raise DigestRequired(
            "Sender not authorized: sign with a WS-Security UsernameToken or HTTP Digest"
        )
    try:
        if token is not None:
            return await bus.request(
                fitted(
                    VerifyUsernameToken,
                    username=token.username,
                    password=token.password,
                    password_type="digest" if token.is_digest else "text",
                    nonce=token.nonce,
                    created=token.created,
                    client_address=client_address,
                ),
                timeout_s,
            )
        assert digest is not None
        return await bus.request(
            fitted(
                VerifyOnvifDigest,
                method=digest.method,
                authorization=digest.authorization,
                uri=digest.uri,
                client_address=client_address,
            ),
            timeout_s,
        )
    except (Unauthenticated, TooManyRequests, Invalid) as exc:
        reason = f"Sender not authorized: {exc.message}"
        raise (not_authorized(reason) if token is not None else DigestRequired(reason)) from None


async def digest_challenge(bus: Publisher, client_address: str, timeout_s: float) -> str:
    """A ``WWW-Authenticate`` value with a fresh nonce: one challenge, MD5 (what most know)."""
    challenge = await bus.request(GetDigestChallenge(client_address=client_address), timeout_s)
    return challenge.www_authenticate()[0]


def check_access(identity: OnvifIdentity, needed: AccessClass, operation: str) -> Actor:
    """The actor for ``identity``'s commands, when its role may use ``needed``.

    Raises:
        Fault: the role may not (NotAuthorized).
    """
    if needed > ALLOWED[identity.role]:
        raise not_authorized(
            f"Sender not authorized: the ONVIF {identity.role} account {identity.name!r} "
            f"may not use {operation}"
        )
    return Actor(name=identity.name, role=DEVICE_ROLE[identity.role])


def fault_of(exc: BusError) -> Fault:
    """An owner's refusal as the fault a client understands."""
    if exc.code in ("401", "403", "429"):
        return not_authorized(f"Sender not authorized: {exc.message}")
    if exc.code in ("400", "404", "409", "413", "422"):
        return Fault(exc.message, "InvalidArgVal")
    return Fault(exc.message, "Action", is_sender=False)
