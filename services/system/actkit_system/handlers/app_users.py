"""The apps' NATS users: each app its own, allowed only the subjects the administrator approved.

The users are a file nats-server includes in the apps' account (``actkit_core.natsconf``),
written here for its owner only and taken by a reload: the services stay connected. A password
never travels on the bus: it goes from this service's store to that file and to the app's
container.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Mapping

from actkit_core.natsconf import (
    INTEGRATOR_JS_API,
    app_permissions,
    app_user,
    inbox_prefix,
    render_app_users,
    write_include,
)
from actkit_proto.system import Severity
from actkit_system.domain.apps import InstalledApp
from actkit_system.handlers.deps import Apps, Deps
from actkit_system.handlers.logs import note
from actkit_system.ports import ReloadFailed

log = logging.getLogger(__name__)


def new_password() -> str:
    # Letters and digits only, starting with a letter, as every NATS password here.
    return "k" + secrets.token_hex(24)


def bus_env(apps: Apps, installed: InstalledApp) -> dict[str, str]:
    """How the app's container reaches the bus: where, as whom, its inbox, the state's API."""
    user = app_user(installed.manifest.name)
    return {
        "ACTKIT_APP_NATS_URL": apps.nats_url or "",
        "ACTKIT_APP_NATS_USER": user,
        "ACTKIT_APP_NATS_PASSWORD": installed.nats_password,
        "ACTKIT_APP_NATS_INBOX": inbox_prefix(user),
        "ACTKIT_APP_JS_API": INTEGRATOR_JS_API,
    }


async def apply_users(apps: Apps, installed: Mapping[str, InstalledApp]) -> None:
    """Write the users of ``installed`` and have nats-server take them.

    Raises:
        ReloadFailed: the file is written but nats-server was not told.
    """
    text = render_app_users(
        (
            name,
            app.nats_password,
            app_permissions(name, app.approved.publish, app.approved.subscribe),
        )
        for name, app in sorted(installed.items())
        if app.nats_password
    )
    had_users = apps.users_file.exists() and apps.users_file.stat().st_size > 0
    # No file held no users: writing none changes nothing nats-server knows.
    if await asyncio.to_thread(write_include, apps.users_file, text) and (had_users or text):
        await apps.nats.reload()


async def refresh_users(deps: Deps) -> None:
    """After an install, a delete or at start: the users as installed; a failure is logged."""
    try:
        await apply_users(deps.apps, deps.apps.installed.apps)
    except (ReloadFailed, OSError) as exc:
        log.warning("the apps' NATS users are not in force: %s", exc)
        note(deps, Severity.WARNING, f"the apps' NATS users are not in force: {exc}")
