"""The software keystore: a random key in a file only the service may read, sealing with AES-GCM."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from actkit_proto import Unavailable

_VERSION = "v1:"
_NONCE_BYTES = 12


class SoftwareKeystore:
    """Seals secrets the service must read back (ONVIF passwords) with a key kept in ``key_file``.

    The key is made on first use (32 random bytes, mode 0600) beside the database; a sealed
    value is bound to its ``context`` (e.g. the account it belongs to), so a value copied to
    another row does not open.
    """

    def __init__(self, key_file: Path) -> None:
        self.key_file = key_file
        self._aead = AESGCM(self._load_or_make_key())

    def seal(self, secret: str, context: str) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode(), context.encode())
        return _VERSION + base64.b64encode(nonce + sealed).decode()

    def unseal(self, sealed: str, context: str) -> str:
        if not sealed.startswith(_VERSION):
            raise Unavailable("a stored secret is in an unknown format; set it again")
        raw = base64.b64decode(sealed.removeprefix(_VERSION))
        try:
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise Unavailable(
                "a stored secret does not open with this device's key; set it again"
            ) from None
        return plain.decode()

    def _load_or_make_key(self) -> bytes:
        try:
            key = self.key_file.read_bytes()
        except FileNotFoundError:
            key = secrets.token_bytes(32)
            self.key_file.parent.mkdir(parents=True, exist_ok=True)
            partial = self.key_file.with_suffix(".partial")
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(key)
            partial.replace(self.key_file)
        if len(key) != 32:
            raise Unavailable(f"the key file {self.key_file} is damaged (not 32 bytes)")
        return key
