"""Stopping a background task: it always ends, and a failure is logged rather than raised."""

from __future__ import annotations

import asyncio
import logging

import pytest

from actkit_core.tasks import stop_task

GUARD_S = 10
"""Only for a failing test to end with a message rather than at the session timeout."""


async def test_a_task_that_honours_its_cancellation_is_cancelled() -> None:
    started = asyncio.Event()

    async def wait_forever() -> None:
        started.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(wait_forever())
    await started.wait()
    await stop_task(task)
    assert task.cancelled()


async def test_a_task_that_swallows_its_first_cancellation_is_cancelled_again() -> None:
    started = asyncio.Event()
    swallowed = 0

    async def swallow_once() -> None:
        nonlocal swallowed
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            # What asyncio.wait_for does on Python 3.11 when its result lands with the cancel.
            swallowed += 1
            current = asyncio.current_task()
            assert current is not None
            current.uncancel()
        await asyncio.Event().wait()

    task = asyncio.create_task(swallow_once())
    await started.wait()
    # Not asyncio.timeout: cancelling the test's task would cancel the task a second time.
    stopping = asyncio.create_task(stop_task(task))
    await asyncio.wait({stopping}, timeout=GUARD_S)
    assert stopping.done(), "the task ran on after its cancellation"
    assert swallowed == 1
    assert task.cancelled()


async def test_a_task_that_failed_is_logged_instead_of_raising(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def fail() -> None:
        raise ValueError("broken")

    task = asyncio.create_task(fail(), name="failing")
    await asyncio.wait({task})
    with caplog.at_level(logging.ERROR):
        await stop_task(task)
    assert "failing failed while stopping" in caplog.text


async def test_a_task_that_already_finished_is_left_as_it_is(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def finish() -> int:
        return 1

    task = asyncio.create_task(finish())
    await asyncio.wait({task})
    with caplog.at_level(logging.ERROR):
        await stop_task(task)
    assert task.result() == 1
    assert caplog.text == ""
