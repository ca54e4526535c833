"""The vehicle's agent for HQ's queued commands: each is sent to its owner as the integrator.

HQ queues a command for a vehicle in its ``CMDQ``; the vehicle's ``CMD_IN`` sources its slice
(``actkit_core.fleetstreams``). The agent takes them in order through its durable consumer (it
resumes where it stopped) and sends each as the ``integrator`` user: the owner then treats it
as an integrator's (at most that role), as it treats HQ's live commands, which reach only the
commands lent to integrators. It reads the stream with the client it is given (the network
service's, which owns the link) and sends with a client of the integrator's account.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import nats
from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from actkit_proto.base import INTEGRATOR
from actkit_proto.fleet import AGENT_CONSUMER, QUEUED_ON_VEHICLE, VEHICLE_COMMANDS

log = logging.getLogger(__name__)
COMMAND_TIMEOUT_S = 10.0
FETCH_WAIT_S = 1.0
RETRY_S = 2.0


def agent_consumer() -> dict[str, object]:
    """The agent's consumer of :data:`VEHICLE_COMMANDS`: one command at a time, never given up."""
    return {
        "durable_name": AGENT_CONSUMER,
        "ack_policy": "explicit",
        "max_deliver": -1,
        "max_ack_pending": 1,
        "filter_subject": f"{QUEUED_ON_VEHICLE}.>",
    }


async def run_queued_commands(local: Client, integrator: Client, stop: asyncio.Event) -> None:
    """Send each queued command to its owner as the integrator, in order, until ``stop``.

    Args:
        local: a client of the services' account that may read the commands stream.
        integrator: a client of the integrator's account (sends the commands).
        stop: set to end.
    """
    subscription = await local.jetstream().pull_subscribe_bind(
        AGENT_CONSUMER, stream=VEHICLE_COMMANDS
    )
    try:
        while not stop.is_set():
            try:
                batch = await subscription.fetch(1, timeout=FETCH_WAIT_S)
            except (NatsTimeout, TimeoutError):
                continue
            for msg in batch:
                subject = msg.subject.removeprefix(f"{QUEUED_ON_VEHICLE}.")
                try:
                    reply = await integrator.request(subject, msg.data, COMMAND_TIMEOUT_S)
                except (NoRespondersError, NatsTimeout):
                    # Its owner is not up yet: again later, before the next one.
                    await msg.nak(delay=RETRY_S)
                    continue
                error = (reply.headers or {}).get("Nats-Service-Error")
                if error:
                    log.warning("HQ's queued %s refused: %s", subject, error)
                await msg.ack()
    finally:
        with contextlib.suppress(Exception):
            await subscription.unsubscribe()


Connect = Callable[[], Awaitable[Client]]


def integrator_connection(nats_url: str, password: str) -> Connect:
    """How the agent connects as the ``integrator`` user (reconnecting without limit)."""

    async def connect() -> Client:
        return await nats.connect(
            servers=[nats_url],
            user=INTEGRATOR,
            password=password,
            connect_timeout=2,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
        )

    return connect


class QueuedCommandAgent:
    """Runs :func:`run_queued_commands` in a task while the vehicle is linked to HQ."""

    def __init__(self, local: Client, connect_integrator: Connect, retry_s: float = RETRY_S):
        self.local = local
        self.connect_integrator = connect_integrator
        self.retry_s = retry_s
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def is_running(self) -> bool:
        """Whether its task runs."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start it, unless it runs."""
        if not self.is_running:
            self._stop = asyncio.Event()
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop it and wait until it has."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                integrator = await self.connect_integrator()
                try:
                    await run_queued_commands(self.local, integrator, self._stop)
                finally:
                    await integrator.close()
            except Exception as exc:  # the stream not made yet, nats-server restarting
                log.info("HQ's queued commands wait (%s); again in %s s", exc, self.retry_s)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.retry_s)
