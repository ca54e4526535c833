"""The NATS server configuration, derived from the contract's messages and the services table.

Three accounts:

- ``ACTKIT`` holds the services, ``web`` and ``cli``. Each user may publish and subscribe to the
  exact subject patterns of the contract that its part needs: only the owner of a command
  subscribes to it (so "no responders" stays instant when the owner is down), only the owner of an
  event publishes it (and keeps it in the state bucket), a service sends only the commands of the
  services it talks to, and reads only their events. Each user has its own inbox prefix
  (:func:`inbox_prefix`), so nobody reads another user's replies, and only the bucket's read and
  write subjects of JetStream, never its delete, purge or update. ``cli`` (the command line and
  the supervisor) may do everything.
- ``INTEGRATOR`` holds the ``integrator`` user, who sees only what ``ACTKIT`` exports to it:
  what the contract lends it (``Message.is_lent_to_integrators``: every
  event but log records, the commands of :data:`INTEGRATOR_ROLE` or below but internal and
  simulator ones), service discovery and reads of the state bucket, under the
  JetStream API prefix :data:`INTEGRATOR_JS_API`. nats-server stamps every request that crosses
  from one account to the other with the ``Nats-Request-Info`` header naming the account, which
  the sender cannot forge: the owner treats it as the integrator (see ``actkit_core.dispatch``).

- ``APPS`` holds one user per installed app (``app-<name>``, :func:`render_app_users`, in a file
  the system service writes and has nats-server reload). It is lent what the integrator is, so an
  app's commands reach an owner stamped from another account and act at most as the integrator;
  within that each app may publish and subscribe to the subjects the administrator approved of
  those its manifest asks for, its own settings and its own replies.

Passwords are never in the file: ``$ACTKIT_NATS_PASSWORD_<USER>`` is read from the server's
environment (an app's is in the apps' file, which only its owner and nats-server read).
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from actkit_core.fleetstreams import FORMER_UPLINK_CONSUMER
from actkit_proto.base import INTEGRATOR_ROLE, Command, Event, Message
from actkit_proto.catalog import messages
from actkit_proto.fleet import AGENT_CONSUMER, VEHICLE_COMMANDS, VEHICLE_EVENTS
from actkit_proto.services import SERVICE_NAMES, SERVICES, ServiceInfo
from actkit_proto.system import AppSettingsChanged

SERVICE_ACCOUNT = "ACTKIT"
INTEGRATOR_ACCOUNT = "INTEGRATOR"
INTEGRATOR_JS_API = "$JS.actkit.API"
"""Where the integrator's JetStream client sends its API requests (``nats --js-api-prefix``)."""

CLIENT_USERS = {
    "cli": "the actkit command line and the supervisor: everything",
    "integrator": (
        f"integrators (nats CLI, Node-RED, headquarters), account {INTEGRATOR_ACCOUNT}: "
        f"events, {INTEGRATOR_ROLE.name.lower()} commands, discovery, state reads"
    ),
}
"""Users that are not services."""

_STREAM = "KV_{bucket}"
_BUCKET_READS = (
    "$JS.API.STREAM.INFO.{stream}",
    "$JS.API.STREAM.MSG.GET.{stream}",
    "$JS.API.DIRECT.GET.{stream}",
    "$JS.API.DIRECT.GET.{stream}.>",
)
_BUCKET_WATCHES = ("$JS.API.CONSUMER.*.{stream}", "$JS.API.CONSUMER.*.{stream}.>")
"""Ordered consumers, as a KV watch makes them: create, info, delete."""


FLEET_LINK_OWNER = "network"
"""The service that writes the vehicle's link to HQ (the cloud connection) and makes the
vehicle's JetStream objects for HQ: it may create, update and read those alone."""
FLEET_STREAM_SUBJECTS = (
    *(
        f"$JS.API.STREAM.{verb}.{stream}"
        for stream in (VEHICLE_EVENTS, VEHICLE_COMMANDS)
        for verb in ("CREATE", "UPDATE", "INFO")
    ),
    # HQ's consumer of the events: named by the vehicle's id (its serial), which this file,
    # the same on every device, does not know.
    f"$JS.API.CONSUMER.CREATE.{VEHICLE_EVENTS}.*",
    f"$JS.API.CONSUMER.DELETE.{VEHICLE_EVENTS}.{FORMER_UPLINK_CONSUMER}",
    # The agent that runs HQ's queued commands (actkit_core.fleetagent): its consumer, its
    # reads and acknowledgements.
    f"$JS.API.CONSUMER.CREATE.{VEHICLE_COMMANDS}.{AGENT_CONSUMER}",
    f"$JS.API.CONSUMER.MSG.NEXT.{VEHICLE_COMMANDS}.{AGENT_CONSUMER}",
    f"$JS.ACK.{VEHICLE_COMMANDS}.{AGENT_CONSUMER}.>",
)


def password_variable(user: str) -> str:
    """The environment variable that holds ``user``'s password."""
    return f"ACTKIT_NATS_PASSWORD_{user.upper()}"


def inbox_prefix(user: str) -> str:
    """The prefix of ``user``'s reply subjects, which only ``user`` may subscribe to."""
    return f"_INBOX_{user}"


def _served_by(message: type[Message]) -> tuple[str, ...]:
    """The services that serve a command or publish an event: its owner, or any named in it."""
    return SERVICE_NAMES if "{service}" in message.subject else (message.owner(),)


def _patterns(message: type[Message], services: Iterable[str]) -> list[str]:
    """The subject patterns of ``message`` as served by each of ``services`` that serves it."""
    return [
        message.subject_pattern(service=name) for name in services if name in _served_by(message)
    ]


def _may_send(sender: str, command: type[Command[Any]]) -> bool:
    internal = command.internal_for
    return sender in internal if internal else True


def _bucket_subjects(bucket: str) -> list[str]:
    stream = _STREAM.format(bucket=bucket)
    return [subject.format(stream=stream) for subject in (*_BUCKET_READS, *_BUCKET_WATCHES)]


REPLY_SUBJECTS = (
    *(f"{inbox_prefix(user)}.>" for user in (*SERVICE_NAMES, "cli")),
    "_R_.>",
)
"""Where a service answers: the inboxes of the services' account's users, and ``_R_``, where
nats-server maps the replies to another account's requests. ``allow_responses`` alone would do
until a reload: nats-server forgets then which replies it allowed, and an answer on its way is
refused (the apps' users and the link to HQ are changed by reloads)."""


def permissions(info: ServiceInfo, bucket: str) -> dict[str, object]:
    """The publish/subscribe permissions of one service's user (web is one too)."""
    own, peers = (info.name,), info.talks_to
    publish: list[str] = []
    subscribe: list[str] = []
    for message in messages():
        if issubclass(message, Command):
            subscribe += _patterns(message, own)
            if _may_send(info.name, message):
                # Its own too: system gathers plain config and restores settings from itself.
                publish += _patterns(message, (*own, *peers))
        else:
            publish += _patterns(message, own)
            subscribe += _patterns(message, (*own, *peers, *info.watches))
            if issubclass(message, Event) and message.is_for_every_service:
                subscribe += _patterns(message, _served_by(message))
            if issubclass(message, Event) and message.stateful:
                publish += [f"$KV.{bucket}.{pattern}" for pattern in _patterns(message, own)]
    stream = _STREAM.format(bucket=bucket)
    return {
        "publish": {
            "allow": sorted(
                {
                    *publish,
                    *_bucket_subjects(bucket),
                    f"$JS.API.STREAM.CREATE.{stream}",
                    *(FLEET_STREAM_SUBJECTS if info.name == FLEET_LINK_OWNER else ()),
                    *REPLY_SUBJECTS,
                }
            )
        },
        "subscribe": {
            "allow": sorted(
                {
                    *subscribe,
                    "$SRV.*",
                    f"$SRV.*.{info.name}",
                    f"$SRV.*.{info.name}.>",
                    f"{inbox_prefix(info.name)}.>",
                }
            )
        },
        "allow_responses": True,
    }


def integrator_exports(bucket: str) -> list[tuple[str, str]]:
    """What ``ACTKIT`` lends the integrator: ``(kind, subject)``, kind ``stream`` or ``service``."""
    exports: list[tuple[str, str]] = []
    for message in messages():
        if message.is_lent_to_integrators():
            kind = "service" if issubclass(message, Command) else "stream"
            exports += [(kind, pattern) for pattern in _patterns(message, SERVICE_NAMES)]
    exports += [("service", subject) for subject in ("$SRV.*", "$SRV.*.>")]
    exports += [("service", subject) for subject in _bucket_subjects(bucket)]
    return exports


def _integrator_side(subject: str) -> str:
    """The subject the integrator uses: its own JetStream API prefix, the same otherwise."""
    return subject.replace("$JS.API.", f"{INTEGRATOR_JS_API}.", 1)


def _user_line(user: str, summary: str, perms: dict[str, object] | None) -> list[str]:
    rights = f", permissions: {json.dumps(perms)}" if perms is not None else ""
    return [
        f"      # {user}: {summary}",
        f"      {{user: {user}, password: ${password_variable(user)}{rights}}}",
    ]


FLEET_SERVER_FILE = "fleet.conf"
"""The vehicle's link to HQ (leaf remote, JetStream domain), beside the configuration; written
by ``actkit-fleet leaf-conf``, empty until the vehicle joins a fleet."""
FLEET_ACCOUNT_FILE = "fleet-account.conf"
"""HQ's command mappings, included in the integrator's account; empty without a fleet."""
APPS_ACCOUNT = "APPS"
APPS_USERS_FILE = "apps-users.conf"
"""The apps' users (:func:`render_app_users`), included in :data:`APPS_ACCOUNT`; written by the
system service."""


def app_user(app: str) -> str:
    """The NATS user of an app."""
    return f"app-{app}"


def app_permissions(
    app: str, publish: Iterable[str], subscribe: Iterable[str], bucket: str = "actkit-state"
) -> dict[str, object]:
    """What an app's user may do: the approved subjects, its settings and its own replies.

    Its settings are read as the integrator reads the state bucket, then followed.
    """
    settings = AppSettingsChanged.subject_pattern(name=app)
    state_read = f"{INTEGRATOR_JS_API}.STREAM.MSG.GET.{_STREAM.format(bucket=bucket)}"
    return {
        "publish": {"allow": sorted({*publish, state_read})},
        "subscribe": {"allow": sorted({*subscribe, settings, f"{inbox_prefix(app_user(app))}.>"})},
    }


def render_app_users(users: Iterable[tuple[str, str, dict[str, object]]]) -> str:
    """The apps' users file: ``(app, password, permissions)`` each (:func:`app_permissions`).

    Empty without apps, as ``actkit run`` makes it first.
    """
    lines = ["# The apps' NATS users. Written by the system service; do not edit.", "users: ["]
    for app, password, perms in users:
        lines.append(
            f"  {{user: {json.dumps(app_user(app))}, password: {json.dumps(password)}, "
            f"permissions: {json.dumps(perms)}}}"
        )
    return "\n".join([*lines, "]", ""]) if len(lines) > 2 else ""


def _imports(exports: list[tuple[str, str]]) -> list[str]:
    """An account's imports of what ``ACTKIT`` lends, under the integrator's JetStream prefix."""
    lines = ["    imports: ["]
    for kind, subject in exports:
        source = f"{{account: {SERVICE_ACCOUNT}, subject: {json.dumps(subject)}}}"
        target = _integrator_side(subject)
        renamed = f", to: {json.dumps(target)}" if target != subject else ""
        lines.append(f"      {{{kind}: {source}{renamed}}}")
    return [*lines, "    ]"]


def render(
    bucket: str = "actkit-state", has_fleet_link: bool = False, has_app_users: bool = False
) -> str:
    """The whole ``nats-server.conf``.

    Args:
        bucket: the state bucket.
        has_fleet_link: include :data:`FLEET_SERVER_FILE` and :data:`FLEET_ACCOUNT_FILE` (they
            must exist, empty or not): what ``actkit run`` writes, so a link to HQ is made by a
            reload.
        has_app_users: include :data:`APPS_USERS_FILE` in :data:`APPS_ACCOUNT` (it must exist,
            empty or not), so an app's user is made, changed or removed by a reload.
    """
    lines = [
        "# NATS server configuration of actkit: one user per service, least privilege.",
        "# Generated from the contract (proto/actkit_proto) by `make nats-conf`; do not edit.",
        "# Passwords come from the environment: ACTKIT_NATS_PASSWORD_<USER>.",
        "",
        "max_payload: 1MB",
        "",
        "accounts {",
        f"  {SERVICE_ACCOUNT} {{",
        "    jetstream: enabled",
        "    users: [",
    ]
    for info in SERVICES:
        lines += _user_line(info.name, info.summary, permissions(info, bucket))
    lines += _user_line("cli", CLIENT_USERS["cli"], None)
    lines += ["    ]", "    exports: ["]
    exports = integrator_exports(bucket)
    for kind, subject in exports:
        response = ", response_type: stream" if subject.startswith("$SRV.") else ""
        borrowers = f"{INTEGRATOR_ACCOUNT}, {APPS_ACCOUNT}"
        lines.append(f"      {{{kind}: {json.dumps(subject)}, accounts: [{borrowers}]{response}}}")
    lines += ["    ]", "  }", f"  {INTEGRATOR_ACCOUNT} {{"]
    # HQ's live commands arrive in the integrator's account: they cross to the services' as an
    # integrator's do, so their owners treat them as an integrator's (at most its role).
    lines += [f'    include "{FLEET_ACCOUNT_FILE}"'] if has_fleet_link else []
    lines += ["    users: ["]
    lines += _user_line("integrator", CLIENT_USERS["integrator"], None)
    lines += ["    ]", *_imports(exports), "  }", f"  {APPS_ACCOUNT} {{"]
    lines += [f'    include "{APPS_USERS_FILE}"'] if has_app_users else []
    lines += [*_imports(exports), "  }", "}", ""]
    if has_fleet_link:
        lines += [f'include "{FLEET_SERVER_FILE}"', ""]
    return "\n".join(lines)


def write_include(path: Path, text: str) -> bool:
    """Write one file the configuration includes, for its owner only (it may hold a secret).

    Returns:
        Whether its text changed (a file that was not there changes).
    """
    before = path.read_text() if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(text)
    return before != text


def running_server_pid(ports_dir: Path) -> int | None:
    """The pid of the running nats-server whose ports file is in ``ports_dir``, if any."""
    for ports in ports_dir.glob("nats-server_*.ports"):
        pid = int(ports.stem.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        return pid
    return None


def reload_server(ports_dir: Path, *, restart: bool = False) -> bool:
    """Have the nats-server of ``ports_dir`` read its configuration again; connections stay.

    Args:
        ports_dir: the folder of its ports file (``--ports_file_dir``).
        restart: stop it instead (SIGTERM), for what a reload cannot change (its name, its
            JetStream domain): its supervisor starts it again, the services reconnect.

    Returns:
        Whether a running server was told.
    """
    pid = running_server_pid(ports_dir)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM if restart else signal.SIGHUP)
    return True
