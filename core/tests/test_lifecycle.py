import asyncio
from collections.abc import AsyncIterator

import pytest

from actkit_core.lifecycle import report_each


async def _edges() -> AsyncIterator[int]:
    for edge in (1, 2, 3):
        yield edge


async def test_a_failing_report_is_logged_and_the_watch_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reported: list[int] = []

    async def report(edge: int, deps: list[int]) -> None:
        if edge == 2:
            raise RuntimeError("bus down")
        deps.append(edge)

    await asyncio.wait_for(report_each(_edges(), report, reported), 1)
    assert reported == [1, 3]
    assert "could not report 2" in caplog.text
