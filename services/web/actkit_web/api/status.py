"""REST: the Status page's security summary and connected clients, as each service tells them.

Every service answers both for itself (``{service}.hardening.get``, ``{service}.connections.list``):
the summary's facts are the owners' (accounts, network, system), and each process reads its own
sockets. A service that does not answer is named, and the others still are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter
from pydantic import BaseModel

from actkit_proto.base import Command, Reply
from actkit_proto.errors import BusError, Forbidden
from actkit_proto.service import ConnectionList, GetHardening, Hardening, ListConnections
from actkit_proto.services import SERVICE_NAMES
from actkit_web.http.deps import ActingBus, ActingBusDep

router = APIRouter(prefix="/api/v1/status", tags=["status"])
R = TypeVar("R", bound=Reply)


class SecuritySummary(BaseModel):
    """Each service's findings (most have none), and the services that did not answer."""

    services: list[Hardening]
    silent: list[str]


class ConnectedClients(BaseModel):
    """Each service's listening sockets and clients, and the services that did not answer."""

    services: list[ConnectionList]
    silent: list[str]

    def count(self) -> int:
        """How many connections clients have made (listening sockets are none)."""
        return sum(
            connection.state != "listen"
            for listing in self.services
            for connection in listing.connections
        )


async def ask_every_service(
    bus: ActingBus, command: Callable[[str], Command[R]]
) -> tuple[list[R], list[str]]:
    """Ask every service at once; the answers, and the names of those that gave none.

    Raises:
        Forbidden: the caller may not ask (every service checks the role alike).
    """
    answers = await asyncio.gather(
        *(bus.request(command(name)) for name in SERVICE_NAMES), return_exceptions=True
    )
    found: list[R] = []
    silent: list[str] = []
    for name, answer in zip(SERVICE_NAMES, answers, strict=True):
        if isinstance(answer, Forbidden):
            raise answer
        if isinstance(answer, BusError):
            silent.append(name)
        elif isinstance(answer, BaseException):
            raise answer
        else:
            found.append(answer)
    return found, silent


@router.get("/security")
async def security_summary(bus: ActingBusDep) -> SecuritySummary:
    """How the device is protected, each weak setting with what to change.

    HTTPS, the authentication method, brute-force protection, unsigned apps, a firewall that
    denies by default, SSH, as their owners tell them.
    """
    services, silent = await ask_every_service(bus, lambda name: GetHardening(service=name))
    return SecuritySummary(services=services, silent=silent)


@router.get("/clients")
async def connected_clients(bus: ActingBusDep) -> ConnectedClients:
    """Each service's listening sockets and the clients connected to them (administrator).

    Address, protocol, port, state and process of each, as each service reads its own sockets.
    """
    services, silent = await ask_every_service(bus, lambda name: ListConnections(service=name))
    return ConnectedClients(services=services, silent=silent)
