"""nats-server's reload or restart on the network service's behalf (its link to HQ changed).

On the board nats-server is a container of its own, signalled or restarted through the engine
the system service drives; the network service, which writes the link, has no way there itself.
The command is internal to network (the bus lets no other user send it; no person's actor
passes). A restart drops every connection, the one this answer leaves by too: what would stop
it is checked first and said in the answer, and the restart is made once the answer has left.
"""

from __future__ import annotations

import asyncio
import logging

from actkit_proto.base import Ack
from actkit_proto.errors import Unavailable
from actkit_proto.system import ReloadBusServer, Severity
from actkit_system.handlers.deps import Deps
from actkit_system.handlers.logs import note
from actkit_system.ports import ReloadFailed

log = logging.getLogger(__name__)
ANSWER_PAUSE_S = 0.5
"""How long the restart waits for the answer to leave first."""


async def reload_bus_server(command: ReloadBusServer, deps: Deps) -> Ack:
    nats = deps.apps.nats
    if not command.restart:
        try:
            await nats.reload()
        except ReloadFailed as exc:
            raise Unavailable(f"nats-server was not told to reload: {exc}") from None
        return Ack()
    try:
        await nats.check_restart()
    except ReloadFailed as exc:
        raise Unavailable(f"nats-server cannot be restarted: {exc}") from None
    deps.apps.nats_restart = asyncio.create_task(_restart(deps))
    return Ack()


async def _restart(deps: Deps) -> None:
    await asyncio.sleep(ANSWER_PAUSE_S)
    try:
        await deps.apps.nats.restart()
    except ReloadFailed as exc:
        message = f"nats-server was not restarted for the link to HQ: {exc}"
        log.error("%s", message)
        note(deps, Severity.ERROR, message)
        return
    log.info("nats-server restarted for the link to HQ")
