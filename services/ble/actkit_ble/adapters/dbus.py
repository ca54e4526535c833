"""The D-Bus plumbing under the BlueZ radio: the system bus connection, calls with a time limit.

A connection that closed is made again with back-off (:func:`connect_again`), and the bus
daemon's own methods (``AddMatch``) are called as plain messages (:func:`call_bus_daemon`).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus
from dbus_fast.errors import DBusError

from actkit_ble.adapters.introspection import GONE, describe
from actkit_ble.ports import RadioError

log = logging.getLogger(__name__)

T = TypeVar("T")

RECONNECT_FIRST_S = 0.2
RECONNECT_LONGEST_S = 5.0
"""The wait before connecting to the system bus again doubles from the first up to the longest."""


async def connect(bus_address: str | None) -> MessageBus:
    """The system bus, or the bus at ``bus_address``."""
    return await MessageBus(bus_address=bus_address, bus_type=BusType.SYSTEM).connect()


async def connect_again(
    bus_address: str | None, use: Callable[[MessageBus], Awaitable[None]]
) -> None:
    """Connect again, with back-off, until a connection is made and ``use`` of it holds."""
    wait_s = RECONNECT_FIRST_S
    while True:
        await asyncio.sleep(wait_s)
        try:
            bus = await connect(bus_address)
        except (*GONE, DBusError, TimeoutError, RadioError) as exc:
            log.info("the system bus is not back yet: %s", describe(exc))
            wait_s = min(2 * wait_s, RECONNECT_LONGEST_S)
            continue
        try:
            await use(bus)
        except (*GONE, DBusError, TimeoutError, RadioError) as exc:
            log.info("the system bus closed again: %s", describe(exc))
            continue
        return


async def within(timeout_s: float, call: Awaitable[T]) -> T:
    """``call``'s answer; TimeoutError when it takes longer than ``timeout_s``."""
    async with asyncio.timeout(timeout_s):
        return await call


async def call_bus_daemon(
    bus: MessageBus, timeout_s: float, member: str, signature: str, body: list[Any]
) -> None:
    """Call ``member`` of the bus daemon itself; RadioError when it refuses."""
    reply = await within(
        timeout_s,
        bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member=member,
                signature=signature,
                body=body,
            )
        ),
    )
    if reply is not None and reply.message_type is MessageType.ERROR:
        raise RadioError(f"the system bus refused {member}: {reply.body}")
