"""The device's serial number, from the system service: the one identity of the device."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from actkit_core.bus import Handler
from actkit_mqtt.handlers.client import apply_connection
from actkit_mqtt.handlers.deps import Deps
from actkit_proto import BusError
from actkit_proto.base import Reply
from actkit_proto.system import GetIdentity

log = logging.getLogger(__name__)

_SEPARATORS = re.compile(r"[:\-. ]")
_SERIAL = re.compile(r"^[0-9A-F]{12}$")


def mqtt_serial(serial: str) -> str | None:
    """The serial as topics carry it (12 upper-case hex digits, like VAPIX), or ``None``."""
    cleaned = _SEPARATORS.sub("", serial).upper()
    return cleaned if _SERIAL.match(cleaned) else None


async def ask_identity(deps: Deps) -> str | None:
    """Ask the system service once; keep and return the serial it gives, else ``None``."""
    try:
        identity = await deps.bus.request(GetIdentity())
    except BusError as exc:
        log.warning("waiting for the device identity: %s", exc.message)
        return None
    serial = mqtt_serial(identity.serial_number)
    if serial is None:
        log.error("the device serial number %r is not 12 hex digits", identity.serial_number)
        return None
    deps.state.serial = serial
    return serial


async def learn_identity(
    deps: Deps,
    retry_min_s: float,
    retry_max_s: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> str:
    """Ask the system service for the serial until it answers, then connect if the client is on.

    The delay between attempts doubles from ``retry_min_s`` up to ``retry_max_s``. Nothing is
    published before: a stand-in serial would put messages under another device's prefix.
    """
    delay = retry_min_s
    while (serial := await ask_identity(deps)) is None:
        await sleep(delay)
        delay = min(delay * 2, retry_max_s)
    log.info("device serial number %s (from the system service)", serial)
    await apply_connection(deps)
    return serial


def knowing_identity(handler: Handler[Deps]) -> Handler[Deps]:
    """``handler``, after one more question to the system service while the serial is unknown.

    Right after start-up a command can arrive between two of :func:`learn_identity`'s attempts,
    which back off; asking once more here answers it instead of a 503.
    """

    async def handle(message: Any, deps: Deps) -> Reply | None:
        if not deps.state.serial:
            await ask_identity(deps)
        return await handler(message, deps)

    return handle
