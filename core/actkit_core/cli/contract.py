"""Writers of the generated contract files: ``proto/asyncapi.yaml`` and the NATS config."""

from __future__ import annotations

from pathlib import Path

import yaml

from actkit_core.natsconf import render
from actkit_proto.asyncapi import document

ASYNCAPI = Path("proto/asyncapi.yaml")
NATS_CONF = Path("deploy/nats-server.conf")


def asyncapi_text() -> str:
    """The AsyncAPI document as YAML, keys in contract order."""
    header = "# Generated from the models in proto/actkit_proto by `make asyncapi`; do not edit.\n"
    return header + yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=100)


def write_asyncapi(root: Path) -> Path:
    """Write ``proto/asyncapi.yaml`` under ``root``."""
    target = root / ASYNCAPI
    target.write_text(asyncapi_text())
    return target


def write_nats_conf(root: Path) -> Path:
    """Write ``deploy/nats-server.conf`` under ``root``: the board's, with the apps' users."""
    target = root / NATS_CONF
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(has_app_users=True))
    return target
