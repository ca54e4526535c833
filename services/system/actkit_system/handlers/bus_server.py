"""nats-server's reload on the network service's behalf (its link to HQ changed).

On the board nats-server is a container of its own, signalled through the engine the system
service drives; the network service, which writes the link, has no way there itself. The
command is internal to network (the bus lets no other user send it; no person's actor passes).
"""

from __future__ import annotations

from actkit_proto.base import Ack
from actkit_proto.errors import Unavailable
from actkit_proto.system import ReloadBusServer
from actkit_system.handlers.deps import Deps
from actkit_system.ports import ReloadFailed


async def reload_bus_server(_command: ReloadBusServer, deps: Deps) -> Ack:
    try:
        await deps.apps.nats.reload()
    except ReloadFailed as exc:
        raise Unavailable(f"nats-server was not told to reload: {exc}") from None
    return Ack()
