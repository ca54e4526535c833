"""Wait in a test until something holds: the one way tests poll a running system."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

T = TypeVar("T")


@overload
async def eventually(
    check: Callable[[], Awaitable[T | None]],
    *,
    timeout_s: float = ...,
    interval_s: float = ...,
    ignoring: tuple[type[Exception], ...] = ...,
) -> T: ...


@overload
async def eventually(
    check: Callable[[], T | None],
    *,
    timeout_s: float = ...,
    interval_s: float = ...,
    ignoring: tuple[type[Exception], ...] = ...,
) -> T: ...


async def eventually(
    check: Callable[[], Awaitable[T | None] | T | None],
    *,
    timeout_s: float = 10.0,
    interval_s: float = 0.02,
    ignoring: tuple[type[Exception], ...] = (),
) -> T:
    """Call ``check`` (plain or async) until it returns a truthy value, and return that value.

    Args:
        check: what to ask; ``None``, ``False`` and other falsy answers mean "not yet".
        timeout_s: how long to keep asking.
        interval_s: the pause between two asks.
        ignoring: exceptions that also mean "not yet" (a service still starting).

    Raises:
        AssertionError: still not true after ``timeout_s``; says the last answer or exception.
    """
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            answer = check()
            last: object = await answer if inspect.isawaitable(answer) else answer
        except ignoring as exc:
            last = exc
        else:
            if last:
                return last  # type: ignore[return-value]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true within {timeout_s} s; the last answer: {last!r}")
        await asyncio.sleep(interval_s)
