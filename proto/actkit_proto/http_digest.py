"""HTTP Digest (RFC 7616, qop=auth) as both its checkers read it: directives and hashes.

The accounts service checks an answer against the account; the web checks the next answers on a
nonce accounts handed over to it (``actkit_proto.accounts.DigestLease``) with the same reading.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from actkit_proto.errors import Invalid

Algorithm = Literal["MD5", "SHA-256"]
ALGORITHMS: tuple[Algorithm, ...] = ("MD5", "SHA-256")
_REQUIRED = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")

_DIRECTIVE = re.compile(
    r'\s*([^\s=,"]+)\s*=\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^\s,"]*))\s*(?:,|$)', re.DOTALL
)
"""One ``key=value`` or ``key="quoted value"`` of the header, with the comma after it.

A quoted value is read a run of plain characters at a time: the same text as one character or
escape at a time, which took nearly twice as long (the web reads one at every VAPIX request).
"""
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_PLAIN_DIRECTIVE = re.compile(r'(\s*([^\s=,"]+)\s*=\s*(?:"([^"]*)"|([^\s,"]*))\s*(?:,|$))')
""":data:`_DIRECTIVE` for a header without a backslash, where no value can hold an escape: the
same reading in under half the time (a VAPIX client's header never has one)."""
_NC = re.compile(r"[0-9a-fA-F]{8}")
_NOT_A_LIST = "the Digest header is not a list of key=value pairs"


def directives(value: str) -> dict[str, str]:
    """The header's directives (after ``Digest``) by lowercase name, quoted values unescaped.

    Raises:
        Invalid: it is not a comma-separated list of ``key=value`` pairs.
    """
    return _read_escaped(value) if "\\" in value else _read_plain(value)


def _read_plain(value: str) -> dict[str, str]:
    """:func:`directives` of a header without a backslash, in one pass of the regular expression."""
    found = _PLAIN_DIRECTIVE.findall(value)
    # The matches follow one another from the start to the end exactly when they cover it all.
    if sum(len(whole) for whole, _, _, _ in found) != len(value):
        raise Invalid(_NOT_A_LIST)
    return {
        key.lower(): token if whole.find('"') < 0 else quoted for whole, key, quoted, token in found
    }


def _read_escaped(value: str) -> dict[str, str]:
    """:func:`directives` of any header, escapes in quoted values read."""
    fields = {}
    position = 0
    while position < len(value):
        match = _DIRECTIVE.match(value, position)
        if match is None:
            raise Invalid(_NOT_A_LIST)
        key, quoted, token = match.groups()
        if quoted is None:
            fields[key.lower()] = token
        else:
            fields[key.lower()] = _ESCAPED.sub(r"\1", quoted) if "\\" in quoted else quoted
        position = match.end()
    return fields


def digest_hash(algorithm: Algorithm, text: str) -> str:
    """H(text) in lowercase hex for the Digest algorithm."""
    function = hashlib.md5 if algorithm == "MD5" else hashlib.sha256
    return function(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DigestAnswer:
    """The fields of an ``Authorization: Digest ...`` header."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: Algorithm
    qop: str
    nc: int
    cnonce: str
    opaque: str | None
    is_userhash: bool

    @classmethod
    def parse(cls, header: str) -> DigestAnswer:
        """Read the header value (after ``Digest``); Invalid when a field is missing or wrong."""
        value = header.strip()
        if value[:7].lower() == "digest ":
            value = value[7:]
        fields = directives(value)
        missing = [name for name in _REQUIRED if not fields.get(name)]
        if missing:
            raise Invalid(f"the Digest header lacks {', '.join(missing)} (qop=auth is required)")
        algorithm = fields.get("algorithm", "MD5").upper()
        if algorithm not in ALGORITHMS:
            raise Invalid(f"Digest algorithm {algorithm} is not offered; use MD5 or SHA-256")
        if fields["qop"] != "auth":
            raise Invalid(f"Digest qop {fields['qop']!r} is not offered; use qop=auth")
        nc = fields["nc"]
        if _NC.fullmatch(nc) is None:
            raise Invalid(f"Digest nc {nc!r} must be 8 hexadecimal digits")
        return cls(
            username=fields["username"],
            realm=fields["realm"],
            nonce=fields["nonce"],
            uri=fields["uri"],
            response=fields["response"].lower(),
            algorithm=algorithm,
            qop=fields["qop"],
            nc=int(nc, 16),
            cnonce=fields["cnonce"],
            opaque=fields.get("opaque"),
            is_userhash=fields.get("userhash", "false").lower() == "true",
        )

    def names_target(self, target: str) -> bool:
        """Whether the ``uri`` directive is the request target, as-is or as an absolute URI."""
        if self.uri == target:
            return True
        parts = urlsplit(self.uri)
        if not parts.scheme or not parts.netloc:
            return False
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return path == target

    def expected_response(self, stored_ha1: str, method: str) -> str:
        """The response a client knowing the password computes (RFC 7616 §3.4.1, qop=auth)."""
        ha2 = digest_hash(self.algorithm, f"{method}:{self.uri}")
        return digest_hash(
            self.algorithm,
            f"{stored_ha1}:{self.nonce}:{self.nc:08x}:{self.cnonce}:{self.qop}:{ha2}",
        )

    def is_correct(self, stored_ha1: str, method: str) -> bool:
        """Whether the response matches, compared in constant time."""
        return hmac.compare_digest(self.expected_response(stored_ha1, method), self.response)
