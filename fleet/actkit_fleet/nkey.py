"""NATS user nkeys: an Ed25519 key pair in NATS' text form (seed ``SU…``, public key ``U…``)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

_SEED = 18 << 3
_USER = 20 << 3


def _crc16(data: bytes) -> int:
    """CRC-16/XMODEM, the checksum at the end of every nkey."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _encode(raw: bytes) -> str:
    raw += _crc16(raw).to_bytes(2, "little")
    return base64.b32encode(raw).decode().rstrip("=")


@dataclass(frozen=True)
class UserNkey:
    """A user's nkey: the seed stays with the vehicle, the public key goes into HQ's config."""

    seed: str
    public_key: str

    def __repr__(self) -> str:
        return f"UserNkey(public_key={self.public_key!r})"


def public_key_of(seed: str) -> str:
    """The public key of a user seed (``SU…``).

    Raises:
        ValueError: it is not a user seed, or its checksum is wrong.
    """
    padded = seed + "=" * (-len(seed) % 8)
    try:
        raw = base64.b32decode(padded)
    except ValueError:
        raise ValueError("not an nkey seed: it is not base32") from None
    body, checksum = raw[:-2], int.from_bytes(raw[-2:], "little")
    if len(raw) != 36 or _crc16(body) != checksum:
        raise ValueError("not an nkey seed: wrong length or checksum")
    if body[0] != _SEED | (_USER >> 5) or body[1] != (_USER & 31) << 3:
        raise ValueError("not a user nkey seed (SU…)")
    key = Ed25519PrivateKey.from_private_bytes(body[2:])
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _encode(bytes([_USER]) + public)


def new_user_nkey() -> UserNkey:
    """A new random user nkey."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    seed = _encode(bytes([_SEED | (_USER >> 5), (_USER & 31) << 3]) + private)
    return UserNkey(seed=seed, public_key=public_key_of(seed))
