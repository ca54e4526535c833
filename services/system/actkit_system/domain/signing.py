"""Ed25519 signatures over documents (update and app manifests) and the keys that check them."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from actkit_proto import Invalid


def is_signed_by(data: bytes, signature: str, public_keys: Iterable[str]) -> bool:
    """Whether ``signature`` (base64 Ed25519) of ``data`` verifies with one of ``public_keys``.

    Keys that are not Ed25519 verify nothing.

    Raises:
        Invalid: the signature is not base64.
    """
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("signature: not base64") from None
    for pem in public_keys:
        key = load_pem_public_key(pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            continue
        try:
            key.verify(raw, data)
        except InvalidSignature:
            continue
        return True
    return False


def check_public_key(pem: str, signs: str = "updates") -> None:
    """Refuse anything but a PEM Ed25519 public key; ``signs`` says what the key is for."""
    try:
        key = load_pem_public_key(pem.encode())
    except ValueError:
        raise Invalid("public_keys: give PEM public keys (-----BEGIN PUBLIC KEY-----)") from None
    if not isinstance(key, Ed25519PublicKey):
        raise Invalid(f"public_keys: only Ed25519 keys sign {signs}")
