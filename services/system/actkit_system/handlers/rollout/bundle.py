"""Make and sign update bundles: ``python -m actkit_system.handlers.rollout.bundle keygen|sign``."""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from actkit_proto.system import UpgradeBundle
from actkit_system.domain.rollout import read_release


def generate_key(private_path: Path, public_path: Path) -> None:
    """Write a new Ed25519 signing key and its public key (PEM)."""
    key = Ed25519PrivateKey.generate()
    private_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def signature_of(text: str, private_pem: bytes) -> str:
    """The base64 Ed25519 signature of ``text``'s UTF-8 bytes (updates' and apps' manifests)."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("manifests are signed with Ed25519 keys")
    return base64.b64encode(key.sign(text.encode())).decode()


def sign(manifest: str, private_pem: bytes) -> UpgradeBundle:
    """The bundle of a checked manifest signed with an Ed25519 private key."""
    read_release(manifest)
    return UpgradeBundle(manifest=manifest, signature=signature_of(manifest, private_pem))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actkit_system.handlers.rollout.bundle")
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="make a signing key pair")
    keygen.add_argument("private", type=Path)
    keygen.add_argument("public", type=Path)
    signer = commands.add_parser("sign", help="sign a manifest; the bundle goes to stdout")
    signer.add_argument("manifest", type=Path)
    signer.add_argument("--key", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "keygen":
        generate_key(args.private, args.public)
        return 0
    bundle = sign(args.manifest.read_text(), args.key.read_bytes())
    sys.stdout.write(json.dumps(bundle.model_dump(), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
