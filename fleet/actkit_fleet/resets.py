"""The shard leaders' resets of the vehicles' consumers, watched as they go and are answered.

A shard's leader sets a vehicle's source up by resetting the vehicle's consumer
(``$JS.<id>.API.CONSUMER.RESET.EVENTS.up_<id>``) and waits 5 s for the answer (nats-server 2.15,
``trySetupSourceConsumer``, ``srcDurableConsumerWaitTime``); when it times out, nats-server
retries, at once if the vehicle's consumer is heard from. The resumer removes a stalled source
and adds it again; the new source has the same index name, and a request still in flight acts on
it when its answer or its timeout comes (a second subscription, a retry after back-off, a reset
while the vehicle delivers: two resets close together, the deliveries of the first taken for a
gap by the second). So a source whose leader's reset was in flight when its link returned, and
times out before a set-up made then would be answered (:func:`is_raced`), is set up again only
once that reset (or one sent since) has failed, or has been answered and nothing of the vehicle
was stored shortly after (:func:`decide`). The resets are watched passively (every
``RESET`` of a vehicle's events consumer HQ sends, and the answers on ``$JSC.R.>``): nothing is
asked of the vehicles.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import time
from dataclasses import dataclass, field

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError

from actkit_fleet.jetstream import FleetError, JetStreamApi
from actkit_proto.fleet import (
    VEHICLE_EVENTS,
    InvalidVehicleId,
    check_vehicle_id,
    uplink_consumer,
    vehicle_prefix,
)

RESET_SUBJECT = f"$JS.*.API.CONSUMER.RESET.{VEHICLE_EVENTS}.*"
"""A leader's reset of a vehicle's events consumer, as HQ sends it (the vehicle's API prefix)."""
ANSWER_SUBJECT = "$JSC.R.>"
"""Where the leaders take the answers (``infoReplySubject``)."""
RESET_ANSWER_TYPE = "io.nats.jetstream.api.v1.consumer_reset_response"
NO_RESPONDERS = "503"
AWAITED_NS = 5_000_000_000
"""How long a leader waits for its reset's answer (``srcDurableConsumerWaitTime``)."""
MARGIN_NS = 1_000_000_000
"""Past a leader's wait: for its timeout to be handled and nats-server's own retry sent (at once
when the vehicle's consumer is heard from), which is then waited for in turn."""
SETTLE_NS = 400_000_000
"""How long after a reset answered the vehicle's first event is looked for at HQ: where no
second reset came on top, it was stored 0.03 to 0.1 s after the answer (fleet/README.md)."""
NO_MESSAGE_CODE = 10037
"""JetStream's error code for no message found."""
RACED_NS = 2_000_000_000
"""A source set up now is answered within about this (0.3 to 1.5 s after its link's return at
200 vehicles): a reset in flight that times out sooner would act on it (its leader's timeout
taken by the new source of the same index name), one that times out later finds it set up."""
HELD_NS = 8_000_000_000
"""A source is held back at most this long after its link's return, then set up as before."""


@dataclass
class Reset:
    """One reset a leader sent a vehicle's consumer."""

    reply: str
    seen_ns: int
    """When it was seen going (monotonic)."""
    answered_ns: int | None = None
    is_ok: bool = False
    """Answered without an error."""


class Step(enum.Enum):
    """What to do with a stalled source after its link's return."""

    SET_UP = "set up"
    """Set it up again (no reset in flight, or the reset failed)."""
    WAIT = "wait"
    """A reset may still succeed: look again later."""
    LOOK = "look"
    """A reset was answered a moment ago: set it up again only if nothing of it was stored."""


def in_flight(reset: Reset | None, at_ns: int) -> bool:
    """Whether the reset was sent before ``at_ns`` and still awaited by its leader then."""
    return (
        reset is not None
        and reset.seen_ns < at_ns < reset.seen_ns + AWAITED_NS
        and (reset.answered_ns is None or reset.answered_ns > at_ns)
    )


def is_raced(reset: Reset, now_ns: int) -> bool:
    """Whether a reset in flight times out before a set-up made now would be answered.

    A reset sent into a cut is lost (never answered in the runs at 200): its timeout is all
    that is left of it. Sooner than :data:`RACED_NS` from now, the source waits for it (and
    nats-server's own retry, answered at once); later, it is set up now.
    """
    return reset.seen_ns + AWAITED_NS < now_ns + RACED_NS


def decide(reset: Reset | None, linked_ns: int, now_ns: int) -> tuple[Step, int]:
    """The step for a vehicle's stalled source now, and until when to wait (monotonic ns).

    ``reset`` is the last one seen of the vehicle's consumer. Waiting ends at :data:`HELD_NS`
    after the link at the latest; an answer ends it sooner (the caller is woken).
    """
    if reset is None or now_ns >= linked_ns + HELD_NS:
        return Step.SET_UP, now_ns
    if reset.answered_ns is None:
        failed_ns = reset.seen_ns + AWAITED_NS + MARGIN_NS
        if now_ns >= failed_ns:
            return Step.SET_UP, now_ns  # timed out: lost
        return Step.WAIT, min(failed_ns, linked_ns + HELD_NS)
    if not reset.is_ok:
        return Step.SET_UP, now_ns
    settled_ns = reset.answered_ns + SETTLE_NS
    if now_ns < settled_ns:
        return Step.WAIT, settled_ns
    return Step.LOOK, now_ns


def timing(first: Reset | None, last: Reset | None, linked_ns: int) -> str:
    """When the resets in flight at a link's return and after went, from that return."""

    def at(ns: int | None) -> str:
        return "-" if ns is None else f"{(ns - linked_ns) / 1e9:+.2f} s"

    said = [f"in flight sent {at(None if first is None else first.seen_ns)}"]
    if last is not None and last is not first:
        said.append(f"the last sent {at(last.seen_ns)}")
    if last is not None:
        said.append(f"answered {at(last.answered_ns)}, now {at(time.monotonic_ns())}")
    return ", ".join(said)


def vehicle_of(subject: str) -> str | None:
    """The vehicle whose events consumer a reset is of, or None for any other."""
    parts = subject.split(".")
    if len(parts) != 7:
        return None
    try:
        vehicle_id = check_vehicle_id(parts[1])
    except InvalidVehicleId:
        return None
    is_events = parts[5] == VEHICLE_EVENTS and parts[6] == uplink_consumer(vehicle_id)
    return vehicle_id if is_events else None


def answer_of(msg: Msg) -> bool | None:
    """Whether an answer says the reset succeeded; None when it is no answer to a reset."""
    if (msg.headers or {}).get("Status") == NO_RESPONDERS:
        return False
    try:
        body = json.loads(msg.data)
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("type") == RESET_ANSWER_TYPE:
        return not body.get("error")
    return None


@dataclass
class Resets:
    """The last reset of each vehicle's consumer and its answer.

    Args:
        client: a connection of HQ's fleet account (where the leaders send their resets).
    """

    client: Client
    last: dict[str, Reset] = field(default_factory=dict)
    _by_reply: dict[str, str] = field(default_factory=dict)
    _subs: list[Subscription] = field(default_factory=list)
    _waiters: dict[str, list[asyncio.Event]] = field(default_factory=dict)

    async def start(self) -> None:
        """Watch the resets and their answers from now on."""
        self._subs = [
            await self.client.subscribe(RESET_SUBJECT, cb=self._on_reset),
            await self.client.subscribe(ANSWER_SUBJECT, cb=self._on_answer),
        ]
        await self.client.flush()

    async def stop(self) -> None:
        """Stop watching."""
        for sub in self._subs:
            with contextlib.suppress(NatsError):
                await sub.unsubscribe()
        self._subs = []

    async def _on_reset(self, msg: Msg) -> None:
        vehicle_id = vehicle_of(msg.subject)
        if vehicle_id is not None and msg.reply:
            self.saw(vehicle_id, msg.reply, time.monotonic_ns())

    async def _on_answer(self, msg: Msg) -> None:
        if msg.subject in self._by_reply:
            is_ok = answer_of(msg)
            if is_ok is not None:
                self.answer(msg.subject, time.monotonic_ns(), is_ok=is_ok)

    def saw(self, vehicle_id: str, reply: str, seen_ns: int) -> None:
        """Note a reset of the vehicle's consumer (its leader awaits one answer: its last)."""
        former = self.last.get(vehicle_id)
        if former is not None:
            self._by_reply.pop(former.reply, None)
        self.last[vehicle_id] = Reset(reply, seen_ns)
        self._by_reply[reply] = vehicle_id
        self._wake(vehicle_id)

    def answer(self, reply: str, answered_ns: int, *, is_ok: bool) -> None:
        """Note the answer to the reset with this reply subject."""
        vehicle_id = self._by_reply.pop(reply, None)
        reset = self.last.get(vehicle_id or "")
        if vehicle_id is not None and reset is not None and reset.reply == reply:
            reset.answered_ns, reset.is_ok = answered_ns, is_ok
            self._wake(vehicle_id)

    async def wait(self, vehicle_id: str, until_ns: int) -> None:
        """Until ``until_ns`` (monotonic), or sooner if a reset of the vehicle's goes or ends."""
        woken = asyncio.Event()
        self._waiters.setdefault(vehicle_id, []).append(woken)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), max(0, until_ns - time.monotonic_ns()) / 1e9)
        finally:
            waiters = self._waiters.get(vehicle_id, [])
            with contextlib.suppress(ValueError):
                waiters.remove(woken)
            if not waiters:
                self._waiters.pop(vehicle_id, None)

    def _wake(self, vehicle_id: str) -> None:
        for woken in self._waiters.get(vehicle_id, []):
            woken.set()


async def last_stored(api: JetStreamApi, shard: str, vehicle_id: str) -> int | None:
    """The sequence of the vehicle's last event in its shard (0: none); None if not known."""
    body = json.dumps({"last_by_subj": f"{vehicle_prefix(vehicle_id)}.>"}).encode()
    try:
        answer = await api.request(f"{api.prefix}.STREAM.MSG.GET.{shard}", body)
    except FleetError:
        return None
    error = answer.get("error")
    if error:
        return 0 if error.get("err_code") == NO_MESSAGE_CODE else None
    return int(answer.get("message", {}).get("seq", 0))
