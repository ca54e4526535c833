"""PullPoint subscriptions: what each holds for its client, how long it lives, how many there are.

Each subscription keeps a bounded queue of notifications made from the io service's port
changes (an input's edge, an output's switch) and the events service's rule activity, filtered
by its topic expression. It lives until its termination time (each pull keeps it alive for at
least the pull's timeout) or until it is unsubscribed; expired ones are dropped before a new one
is counted against the limit. They live in memory: a restart of the web service ends them, and
clients subscribe again.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from actkit_proto.io import Direction, vapix_port_id
from actkit_web.onvif.soap import TEXT_PREFIXES, Fault, invalid_argument
from actkit_web.vapix.port_events import INPUT_TOPIC, RELAY_TOPIC

DIGITAL_INPUT_TOPIC = "tns1:Device/Trigger/DigitalInput"
RULE_TOPIC = "tns1:RuleEngine/tnsaxis:Rule/Active"
"""A rule of the events service became active or inactive (``RuleId``, ``Active``)."""
TOPICS = (DIGITAL_INPUT_TOPIC, RELAY_TOPIC, INPUT_TOPIC, RULE_TOPIC)
"""Every topic the device sends, as ``prefix:Name/...`` with the prefixes of answers."""

MAX_PULL_POINTS = 10
QUEUE_SIZE = 100
MAX_LIFETIME = timedelta(hours=1)
MIN_LIFETIME = timedelta(seconds=10)


@dataclass(frozen=True)
class Notification:
    """One event message: a topic, one Source item and one Data item (clients read by position)."""

    topic: str
    source: tuple[str, str]
    data: tuple[str, str]
    operation: str
    """``Initialized`` (the state when asked) or ``Changed`` (an edge)."""
    at: datetime


def port_notifications(
    port_id: int, direction: Direction, is_active: bool, operation: str, at: datetime
) -> list[Notification]:
    """A port's state as notifications: an input's DigitalInput and Axis IO/Port, a relay's."""
    token = vapix_port_id(port_id)
    if direction is Direction.OUTPUT:
        state = "active" if is_active else "inactive"
        return [
            Notification(RELAY_TOPIC, ("RelayToken", token), ("LogicalState", state), operation, at)
        ]
    return [
        Notification(
            DIGITAL_INPUT_TOPIC,
            ("InputToken", token),
            ("LogicalState", "true" if is_active else "false"),
            operation,
            at,
        ),
        Notification(
            INPUT_TOPIC, ("port", token), ("state", "1" if is_active else "0"), operation, at
        ),
    ]


def rule_notification(rule_id: int, is_active: bool, at: datetime) -> Notification:
    """A rule's activity as it changes (events tells changes only, so no Initialized ones)."""
    return Notification(
        RULE_TOPIC,
        ("RuleId", str(rule_id)),
        ("Active", "true" if is_active else "false"),
        "Changed",
        at,
    )


def topic_filter(expression: str | None, namespaces: dict[str, str]) -> frozenset[str]:
    """The device's topics a ConcreteSet expression selects (``a|b``, ``x//.`` for a subtree).

    Raises:
        Fault: the expression selects none of the device's topics.
    """
    if expression is None or not expression.strip():
        return frozenset(TOPICS)
    ours = {uri: prefix for prefix, uri in TEXT_PREFIXES.items()}
    selected: set[str] = set()
    for term in expression.split("|"):
        steps = []
        for step in term.strip().split("/"):
            prefix, separator, name = step.partition(":")
            if separator and namespaces.get(prefix) in ours:
                step = f"{ours[namespaces[prefix]]}:{name}"
            steps.append(step)
        text = "/".join(steps)
        if text.endswith("//."):
            root = text.removesuffix("//.")
            selected.update(t for t in TOPICS if t == root or t.startswith(root + "/"))
        else:
            selected.update(t for t in TOPICS if t == text)
    if not selected:
        raise Fault(
            f"the topic filter {expression[:200]!r} selects no topic of this device",
            "InvalidFilterFault",
        )
    return frozenset(selected)


@dataclass
class PullPoint:
    """One client's subscription."""

    id: str
    owner: str
    """The ONVIF account that made it; only it may pull, renew or end it."""
    topics: frozenset[str]
    terminates_at: datetime
    queue: deque[Notification] = field(default_factory=lambda: deque(maxlen=QUEUE_SIZE))
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    is_pulling: bool = False

    def offer(self, notifications: Iterable[Notification]) -> None:
        wanted = [n for n in notifications if n.topic in self.topics]
        if wanted:
            self.queue.extend(wanted)
            self.arrived.set()

    def take(self, limit: int) -> list[Notification]:
        taken = [self.queue.popleft() for _ in range(min(limit, len(self.queue)))]
        if not self.queue:
            self.arrived.clear()
        return taken


class PullPoints:
    """Every live subscription, by id; ``clock`` gives the time (UTC)."""

    def __init__(self, clock: Callable[[], datetime], limit: int = MAX_PULL_POINTS) -> None:
        self.clock = clock
        self.limit = limit
        self._points: dict[str, PullPoint] = {}
        self._numbers = itertools.count(1)

    def create(self, owner: str, topics: frozenset[str], terminates_at: datetime) -> PullPoint:
        """A new subscription, unless there are already as many as the device keeps.

        Raises:
            Fault: the limit is reached (expired ones do not count).
        """
        self._drop_expired()
        if len(self._points) >= self.limit:
            raise Fault(
                f"the device keeps at most {self.limit} pull point subscriptions; "
                "unsubscribe one first",
                "TooManySubscriptions",
                is_sender=False,
            )
        # A number to read in logs and a random part: an address cannot be guessed.
        point_id = f"{next(self._numbers)}-{secrets.token_urlsafe(12)}"
        point = PullPoint(point_id, owner, topics, self._bounded(terminates_at))
        self._points[point_id] = point
        return point

    def get(self, point_id: str, owner: str) -> PullPoint:
        """A live subscription of ``owner``.

        Raises:
            Fault: no such subscription (never made, ended or expired), or another's.
        """
        self._drop_expired()
        point = self._points.get(point_id)
        if point is None:
            raise invalid_argument(
                "the subscription does not exist (ended or expired); subscribe again",
                "ResourceUnknownFault",
            )
        if point.owner != owner:
            raise Fault(
                "Sender not authorized: the subscription is another account's", "NotAuthorized"
            )
        return point

    def renew(self, point: PullPoint, terminates_at: datetime) -> None:
        point.terminates_at = self._bounded(terminates_at)

    def keep_alive(self, point: PullPoint, timeout: timedelta) -> None:
        """A pull keeps its subscription alive for at least its timeout."""
        point.terminates_at = max(point.terminates_at, self.clock() + timeout)

    def remove(self, point: PullPoint) -> None:
        self._points.pop(point.id, None)

    def deliver(self, notifications: list[Notification]) -> None:
        """Queue ``notifications`` on every live subscription whose filter takes them."""
        self._drop_expired()
        for point in self._points.values():
            point.offer(notifications)

    def __len__(self) -> int:
        self._drop_expired()
        return len(self._points)

    def _bounded(self, terminates_at: datetime) -> datetime:
        now = self.clock()
        return min(max(terminates_at, now + MIN_LIFETIME), now + MAX_LIFETIME)

    def _drop_expired(self) -> None:
        now = self.clock()
        for point_id in [i for i, p in self._points.items() if p.terminates_at <= now]:
            del self._points[point_id]
