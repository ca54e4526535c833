"""Make a licence key for an app: ``python -m actkit_system.handlers.app_licence_key …``.

A vendor (or its licence server) signs, with the key that signs its apps, which app may run on
which device (its serial number, on the About page) and until when (``docs/apps.md``).
"""

from __future__ import annotations

import argparse
import base64
import sys
from datetime import datetime
from pathlib import Path

from actkit_proto.system import AppLicenceKeyBody
from actkit_system.domain.app_licences import encode_key
from actkit_system.handlers.rollout.bundle import signature_of


def licence_key(app: str, serial: str, private_pem: bytes, expires: datetime | None = None) -> str:
    """A licence key for ``app`` on the device ``serial``, signed with ``private_pem``.

    Raises:
        pydantic.ValidationError: not an app's name, a serial number, or an aware time.
    """
    body = AppLicenceKeyBody(app=app, serial=serial.upper(), expires=expires)
    payload = body.model_dump_json()
    return encode_key(payload.encode(), base64.b64decode(signature_of(payload, private_pem)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actkit_system.handlers.app_licence_key")
    parser.add_argument("--app", required=True, help="the app's name, as its manifest gives it")
    parser.add_argument("--serial", required=True, help="the device's serial number (12 hex)")
    parser.add_argument("--key", type=Path, required=True, help="the vendor's Ed25519 key (PEM)")
    parser.add_argument(
        "--expires", type=datetime.fromisoformat, help="when it ends, e.g. 2027-06-30T00:00Z"
    )
    args = parser.parse_args(argv)
    sys.stdout.write(licence_key(args.app, args.serial, args.key.read_bytes(), args.expires) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
