"""Stopping a service's background tasks so that shutdown always ends."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)

CANCEL_AGAIN_S = 0.1
"""How long a cancelled background task may take to end before it is cancelled again."""


async def stop_task(task: asyncio.Task[object]) -> None:
    """Cancel ``task`` and wait until it has ended, cancelling it again for as long as it runs.

    One cancellation is not always enough on Python 3.11: ``asyncio.wait_for`` returns its
    result instead of raising when the result arrives in the same loop turn as the cancellation,
    and nats-py awaits every request (a JetStream key-value write included) through it. The task
    then runs on as if never cancelled, back to waiting for its next piece of work, and the
    service would never finish shutting down.

    A task that ended with an exception has it logged, not raised: shutdown goes on.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=CANCEL_AGAIN_S)
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("%s failed while stopping", task.get_name(), exc_info=error)
