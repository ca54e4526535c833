"""HQ's register of vehicles: id -> public nkey, kept as JSON beside the cluster's configuration.

The vehicles' seeds are never kept at HQ: ``register`` writes each into a file for the vehicle
and forgets it.
"""

from __future__ import annotations

import json
from pathlib import Path

from actkit_fleet.hqconf import USERS_FILE, render_users

REGISTRY_FILE = "vehicles.json"


class RegistryError(ValueError):
    """A register change that cannot be made; the message says why."""


def load(conf_dir: Path) -> dict[str, str]:
    """The registered vehicles: id -> public nkey (none when there is no register yet).

    Raises:
        RegistryError: the file is there but is not the register.
    """
    path = conf_dir / REGISTRY_FILE
    if not path.exists():
        return {}
    try:
        vehicles = json.loads(path.read_text())
    except ValueError:
        raise RegistryError(f"{path} is not JSON: restore it from a backup") from None
    if not isinstance(vehicles, dict) or not all(
        isinstance(key, str) and isinstance(value, str) and value.startswith("U")
        for key, value in vehicles.items()
    ):
        raise RegistryError(f"{path} is not a register of vehicle id -> public nkey")
    return vehicles


def save(conf_dir: Path, vehicles: dict[str, str]) -> None:
    """Write the register and the users file HQ's nodes include (reload them after)."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    (conf_dir / REGISTRY_FILE).write_text(json.dumps(dict(sorted(vehicles.items())), indent=2))
    (conf_dir / USERS_FILE).write_text(render_users(vehicles))


def added(vehicles: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    """The register with ``new`` vehicles in it.

    Raises:
        RegistryError: one of them is registered already (revoke it first to give it new keys).
    """
    again = sorted(set(new) & set(vehicles))
    if again:
        raise RegistryError(
            f"already registered: {', '.join(again)} (revoke first to give new credentials)"
        )
    return {**vehicles, **new}


def removed(vehicles: dict[str, str], vehicle_id: str) -> dict[str, str]:
    """The register without ``vehicle_id``.

    Raises:
        RegistryError: it is not registered.
    """
    if vehicle_id not in vehicles:
        raise RegistryError(f"vehicle {vehicle_id} is not registered")
    return {key: value for key, value in vehicles.items() if key != vehicle_id}
