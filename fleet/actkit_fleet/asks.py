"""HQ's asks of the vehicles' consumers, seen as they go; one lost on its way sent again.

A shard's leader sets a vehicle's source up by resetting the vehicle's consumer
(``$JS.<id>.API.CONSUMER.RESET.EVENTS.up_<id>``) and waits 5 s for the answer
(nats-server 2.15, ``trySetupSourceConsumer``, ``srcDurableConsumerWaitTime``). An ask sent
while the link is cut (the health check's, every 10 s, or one made when another vehicle linked)
never arrives, and while it is awaited every retry skips the source (its ``sip``): a link back
within those 5 s waits them out. Removing the source and adding it again (``stalled``) does
not end the wait either: the new source has the same index name, and the old request's answer
or timeout, when it comes, acts on the new source (a second subscription, a retry scheduled
after back-off, a reset while the vehicle delivers).

So the resumer watches the asks (every ``RESET`` of a vehicle's events consumer HQ sends, and
the answers on ``$JSC.R.>``). When a vehicle links again it asks the vehicle's JetStream
(``INFO``) until it answers from HQ: an ask sent before the link, or before a moment the
vehicle could not be reached yet (the node a vehicle links to retries the sources it leads at
once, before the vehicle's interest has come: that ask goes nowhere), and still awaited is
sent again, unchanged and to the same reply subject. The vehicle resets its consumer and
answers the leader's request, and the source resumes as nats-server's own set-up makes it,
with no change of the shard. An ask made since is waited for instead, and one answered already
is taken as it is: a source set up again on top of it has its consumer reset twice, the
deliveries of the first reset taken for a gap by the second (in a run at 200 vehicles, half
of the resumer's set-ups came within 1.5 s of nats-server's own answered ask). An ask is sent
again once only, for the same reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from actkit_proto.fleet import (
    VEHICLE_EVENTS,
    InvalidVehicleId,
    check_vehicle_id,
    js_api,
    uplink_consumer,
)

log = logging.getLogger(__name__)

ASK_SUBJECT = f"$JS.*.API.CONSUMER.RESET.{VEHICLE_EVENTS}.*"
"""A leader's reset of a vehicle's events consumer, as HQ sends it (the vehicle's API prefix)."""
ANSWER_SUBJECT = "$JSC.R.>"
"""Where the leaders take the answers (``infoReplySubject``)."""
AWAITED_NS = 5_000_000_000
"""How long a leader waits for its ask's answer (``srcDurableConsumerWaitTime``)."""
MARGIN_NS = 1_000_000_000
"""An ask is sent again only this long before the leader stops waiting, for the answer's way."""
REACHED_S = 0.5
"""How long one look whether the vehicle answers from HQ waits (its JetStream's ``INFO``)."""
REACH_S = 2.0
"""How long a vehicle linked again is looked at until it answers from HQ."""
RETRY_S = 0.05
"""The pause between two looks while the vehicle's interest has not reached HQ's nodes."""
ANSWER_S = 1.0
"""How long the answer to an ask sent again is waited for."""
RESET_ANSWER_TYPE = "io.nats.jetstream.api.v1.consumer_reset_response"


@dataclass
class Ask:
    """One reset a leader sent a vehicle's consumer."""

    subject: str
    reply: str
    headers: dict[str, str] | None
    seen_ns: int
    """When the resumer saw it go (monotonic)."""
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    is_ok: bool = False
    """Answered without an error: the source is set up."""
    is_sent_again: bool = False


def vehicle_of(subject: str) -> str | None:
    """The vehicle whose events consumer a reset is of, or None for any other."""
    parts = subject.split(".")
    if len(parts) != 7:
        return None
    try:
        vehicle_id = check_vehicle_id(parts[1])
    except InvalidVehicleId:
        return None
    return vehicle_id if parts[6] == uplink_consumer(vehicle_id) else None


@dataclass
class Asks:
    """The last ask of each vehicle's consumer and whether it was answered.

    Args:
        client: a connection of HQ's fleet account (where the leaders send their asks).
    """

    client: Client
    last: dict[str, Ask] = field(default_factory=dict)
    """Each vehicle's last ask seen."""
    _by_reply: dict[str, str] = field(default_factory=dict)
    _subs: list[Subscription] = field(default_factory=list)

    async def start(self) -> None:
        """Watch the asks and their answers from now on."""
        self._subs = [
            await self.client.subscribe(ASK_SUBJECT, cb=self._on_ask),
            await self.client.subscribe(ANSWER_SUBJECT, cb=self._on_answer),
        ]
        await self.client.flush()

    async def stop(self) -> None:
        """Stop watching."""
        for sub in self._subs:
            with contextlib.suppress(NatsError):
                await sub.unsubscribe()
        self._subs = []

    async def _on_ask(self, msg: Msg) -> None:
        vehicle_id = vehicle_of(msg.subject)
        if vehicle_id is None or not msg.reply:
            return
        self.saw(vehicle_id, msg.subject, msg.reply, msg.headers, time.monotonic_ns())

    def saw(
        self,
        vehicle_id: str,
        subject: str,
        reply: str,
        headers: dict[str, str] | None,
        seen_ns: int,
    ) -> None:
        """Note an ask of the vehicle's consumer (one answer awaited per vehicle: its last).

        One sent again is seen again (same reply subject): it stays the ask it was.
        """
        former = self.last.get(vehicle_id)
        if former is not None:
            if former.reply == reply:
                return
            self._by_reply.pop(former.reply, None)
        self.last[vehicle_id] = Ask(subject, reply, headers, seen_ns)
        self._by_reply[reply] = vehicle_id

    async def _on_answer(self, msg: Msg) -> None:
        if msg.subject in self._by_reply:
            answer = reset_answer(msg.data)
            if answer is not None:
                self.answer(msg.subject, is_ok=not answer.get("error"))

    def answer(self, reply: str, *, is_ok: bool) -> None:
        """Note the answer to the ask with this reply subject (``is_ok``: no error in it)."""
        vehicle_id = self._by_reply.pop(reply, None)
        ask = self.last.get(vehicle_id or "")
        if ask is not None and ask.reply == reply:
            ask.is_ok = is_ok
            ask.answered.set()

    def lost(self, vehicle_id: str, unreachable_ns: int, now_ns: int) -> Ask | None:
        """The vehicle's ask seen before ``unreachable_ns``, still awaited, if any.

        A moment the vehicle could not be reached from HQ (its link cut, or back and its
        interest not yet at HQ's nodes): an ask sent before it went nowhere. Not one sent
        again already, nor one whose leader stops waiting within :data:`MARGIN_NS`.
        """
        ask = self.last.get(vehicle_id)
        if (
            ask is None
            or ask.answered.is_set()
            or ask.is_sent_again
            or ask.seen_ns >= unreachable_ns
            or now_ns >= ask.seen_ns + AWAITED_NS - MARGIN_NS
        ):
            return None
        return ask

    async def reach(self, vehicle_id: str, linked_ns: int) -> int | None:
        """Wait until the vehicle answers from HQ; the last moment it did not, None if never.

        Asked every :data:`RETRY_S` (its JetStream's ``INFO``) for :data:`REACH_S` at most:
        right after a link the vehicle's interest is not at HQ's nodes yet, and an ask sent
        then goes nowhere. ``linked_ns`` when it answered at once.
        """
        unreachable_ns = linked_ns
        started_ns = time.monotonic_ns()
        deadline_ns = started_ns + int(REACH_S * 1e9)
        misses = {NoRespondersError: 0, NatsTimeout: 0}
        while True:
            asked_ns = time.monotonic_ns()
            try:
                await self.client.request(f"{js_api(vehicle_id)}.INFO", b"", REACHED_S)
            except NoRespondersError:
                unreachable_ns = asked_ns
                misses[NoRespondersError] += 1
            except NatsTimeout:
                misses[NatsTimeout] += 1  # there, and slow to answer
            else:
                if any(misses.values()):
                    log.info(
                        "%s: answered from HQ %.2f s after its link was seen (%d times no "
                        "responders, %d timeouts before)",
                        vehicle_id,
                        (time.monotonic_ns() - linked_ns) / 1e9,
                        misses[NoRespondersError],
                        misses[NatsTimeout],
                    )
                return unreachable_ns
            if time.monotonic_ns() >= deadline_ns:
                return None
            await asyncio.sleep(RETRY_S)

    async def resume(self, vehicle_id: str, linked_ns: int) -> str | None:
        """Have the leader's own ask resume the vehicle's source; how, or None if it did not.

        Once the vehicle answers from HQ (:meth:`reach`): its last ask lost on the way is
        sent again (``"sent again"``); one sent since is waited for (``"answered"``), as is
        one answered already; an answer with an error, none within :data:`ANSWER_S`, or no
        ask at all leave the source to be set up again.
        """
        unreachable_ns = await self.reach(vehicle_id, linked_ns)
        if unreachable_ns is None:
            return None
        ask = self.last.get(vehicle_id)
        if ask is None or (ask.seen_ns < linked_ns and ask.answered.is_set()):
            return None  # nothing asked since the link came back
        how = "answered"
        if self.lost(vehicle_id, unreachable_ns, time.monotonic_ns()) is ask:
            ask.is_sent_again = True
            how = "sent again"
            await self.client.publish(ask.subject, b"", reply=ask.reply, headers=ask.headers)
        elif not ask.answered.is_set() and ask.seen_ns < unreachable_ns:
            return None  # lost, and its leader stops waiting before an answer could come
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ask.answered.wait(), ANSWER_S)
        return how if ask.is_ok else None


def reset_answer(data: bytes) -> dict[str, object] | None:
    """A consumer's answer to a reset, or None for anything else (a no-responders status)."""
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("type") == RESET_ANSWER_TYPE:
        return body
    return None
