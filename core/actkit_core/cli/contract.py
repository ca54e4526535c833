"""Writers of the generated contract files: ``proto/asyncapi.yaml`` and the NATS config."""

from __future__ import annotations

from pathlib import Path

import yaml

from actkit_core.natsconf import render
from actkit_proto.asyncapi import document

ASYNCAPI = Path("proto/asyncapi.yaml")
NATS_CONF = Path("deploy/nats-server.conf")


def asyncapi_text() -> str:
    """The AsyncAPI document as YAML, keys in contract order.

    libyaml's emitter writes the same text as PyYAML's own, several times faster on half a megabyte.
    """
    header = "# Generated from the models in proto/actkit_proto by `make asyncapi`; do not edit.\n"
    text = yaml.dump(
        document(), Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=100
    )
    return header + text


def write_asyncapi(root: Path) -> Path:
    """Write ``proto/asyncapi.yaml`` under ``root``."""
    target = root / ASYNCAPI
    target.write_text(asyncapi_text())
    return target


def write_nats_conf(root: Path) -> Path:
    """Write ``deploy/nats-server.conf`` under ``root``: the board's, with the include files.

    The apps' users (the system service's) and the link to HQ (the cloud connection's).
    """
    target = root / NATS_CONF
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(has_fleet_link=True, has_app_users=True))
    return target
