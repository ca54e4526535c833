"""Brute-force blocking: too many failed logins in a second block the client for a while."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from actkit_proto import TooManyRequests

WINDOW_S = 1.0


@dataclass(frozen=True)
class BlockingPolicy:
    """The manual's "Prevent brute-force attacks" settings."""

    is_enabled: bool = True
    period_s: int = 10
    failures_per_page: int = 20
    """Failures allowed per second on one page before the client is blocked there."""
    failures_per_device: int = 100
    """Failures allowed per second on the whole device before the client is blocked everywhere."""


class Blocker:
    """Counts each client's failures in a sliding one-second window and blocks offenders.

    A page-level block refuses the client on that page; a device-level block on every page.
    Memory is bounded: windows older than a second and expired blocks are dropped.
    """

    def __init__(self, policy: BlockingPolicy, capacity: int = 10_000) -> None:
        self.policy = policy
        self.capacity = capacity
        self._failures: dict[tuple[str, str | None], deque[float]] = {}
        self._blocked_until: dict[tuple[str, str | None], float] = {}

    def check(self, client: str, page: str, now_s: float) -> None:
        """Refuse a blocked client with TooManyRequests ("... retry after N s")."""
        if not self.policy.is_enabled:
            return
        for key in ((client, None), (client, page)):
            until = self._blocked_until.get(key)
            if until is None:
                continue
            if now_s >= until:
                del self._blocked_until[key]
                continue
            where = "this device" if key[1] is None else f"page {page or '/'}"
            raise TooManyRequests(
                f"{client} is blocked on {where} after too many failed logins; "
                f"retry after {math.ceil(until - now_s)} s"
            )

    def record_failure(self, client: str, page: str, now_s: float) -> bool:
        """Count a failure; returns whether it started a block."""
        if not self.policy.is_enabled:
            return False
        started = False
        limits = (
            (client, None, self.policy.failures_per_device),
            (client, page, self.policy.failures_per_page),
        )
        for address, where, allowed in limits:
            key = (address, where)
            window = self._failures.setdefault(key, deque())
            window.append(now_s)
            while window and now_s - window[0] >= WINDOW_S:
                window.popleft()
            if len(window) > allowed and key not in self._blocked_until:
                self._blocked_until[key] = now_s + self.policy.period_s
                window.clear()
                started = True
        self._prune(now_s)
        return started

    def _prune(self, now_s: float) -> None:
        if len(self._failures) <= self.capacity:
            return
        for key in [k for k, w in self._failures.items() if not w or now_s - w[-1] >= WINDOW_S]:
            del self._failures[key]
        for key in [k for k, until in self._blocked_until.items() if until <= now_s]:
            del self._blocked_until[key]
