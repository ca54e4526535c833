"""The NATS server configuration, derived from the services table of the contract.

Each service gets its own user: it may publish and subscribe on its own subjects
(``<service>.>`` and its simulator's ``sim.<service>.>``), on those of the services it talks to,
on the service discovery subjects and on the state bucket, less the internal commands meant for
other services (``Command.internal_for``). Passwords are never in the file:
``$ACTKIT_NATS_PASSWORD_<USER>`` is read from the server's environment.
"""

from __future__ import annotations

import json

from actkit_proto.catalog import commands
from actkit_proto.services import SERVICES, ServiceInfo

CLIENT_USERS = {
    "cli": "the actkit command line and the supervisor: everything",
    "integrator": "integrators (nats CLI, Node-RED, headquarters): every service subject",
}
"""Users that are not services."""


def password_variable(user: str) -> str:
    """The environment variable that holds ``user``'s password."""
    return f"ACTKIT_NATS_PASSWORD_{user.upper()}"


def _kv_subjects(bucket: str) -> list[str]:
    return ["$JS.API.>", f"$KV.{bucket}.>"]


def service_subjects(info: ServiceInfo) -> list[str]:
    """The subjects a service may use: its own, its peers', discovery and replies."""
    names = (info.name, *info.talks_to)
    return [f"{name}.>" for name in names] + [f"sim.{name}.>" for name in names]


def internal_subjects(user: str) -> list[str]:
    """Subjects of internal commands that ``user`` may not send (it is neither owner nor meant)."""
    return sorted(
        {
            command.subject_pattern()
            for command in commands()
            if command.internal_for and user not in (*command.internal_for, command.owner())
        }
    )


def permissions(info: ServiceInfo, bucket: str) -> dict[str, object]:
    """The publish/subscribe permissions of one service's user."""
    subjects = service_subjects(info)
    publish: dict[str, list[str]] = {"allow": [*subjects, *_kv_subjects(bucket)]}
    if denied := internal_subjects(info.name):
        publish["deny"] = denied
    return {
        "publish": publish,
        "subscribe": {"allow": [*subjects, "$SRV.>", "_INBOX.>"]},
        "allow_responses": True,
    }


def render(bucket: str = "actkit-state") -> str:
    """The whole ``nats-server.conf``."""
    every_service = [f"{info.name}.>" for info in SERVICES]
    users: list[tuple[str, str, dict[str, object]]] = [
        (info.name, info.summary, permissions(info, bucket)) for info in SERVICES
    ]
    users.append(("cli", CLIENT_USERS["cli"], {"publish": ">", "subscribe": ">"}))
    users.append(
        (
            "integrator",
            CLIENT_USERS["integrator"],
            {
                "publish": {
                    "allow": [*every_service, *_kv_subjects(bucket), "$SRV.>"],
                    "deny": internal_subjects("integrator"),
                },
                "subscribe": {"allow": [*every_service, "$SRV.>", "_INBOX.>"]},
            },
        )
    )
    lines = [
        "# NATS server configuration of actkit: one user per service, least privilege.",
        "# Generated from proto/actkit_proto/services.py by `make nats-conf`; do not edit.",
        "# Passwords come from the environment: ACTKIT_NATS_PASSWORD_<USER>.",
        "",
        "max_payload: 1MB",
        "",
        "authorization {",
        "  users: [",
    ]
    for user, summary, perms in users:
        lines.append(f"    # {user}: {summary}")
        lines.append(
            f"    {{user: {user}, password: ${password_variable(user)}, "
            f"permissions: {json.dumps(perms)}}}"
        )
    lines += ["  ]", "}", ""]
    return "\n".join(lines)
