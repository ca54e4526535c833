"""``python -m actkit_fleet.sim.setuprace``: does a source set up twice keep two subscriptions?

HQ's resumer sets a vehicle's source up again by removing it from its shard and adding it back
(``actkit_fleet.resume``). nats-server handles a set-up's answer by looking the source up by its
name (``server/stream.go``, ``trySetupSourceConsumer``): when the answer to a set-up made before
the removal arrives after the addition, it sets up the new source as well, and the new source's
own set-up then replaces that subscription without removing it. The delivery subject keeps a
subscription nobody reads: the vehicle's consumer always has a listener, and at every later
reset delivers into it before the source listens again (``fleet/README.md``: sources stalled
for good when the resets were answered at their position).

This shows it on one nats-server: a stream sourcing another through a durable consumer, the
consumer's reset answered through a client that waits ``delay`` seconds (a link's round trip,
a loaded vehicle), the source removed and added back while the first answer is on its way, and
then the subscriptions on the delivery subject counted (the server's ``/subsz``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nats
from nats.aio.msg import Msg

from actkit_core.fleetstreams import flow_controlled
from actkit_core.natsserver import NatsServer
from actkit_core.testing.stack import free_port_range
from actkit_fleet.jetstream import JetStreamApi, JsonObject

ORIGIN = "EVENTS"
COPY = "COPY"
CONSUMER = "up_race"
DELIVER = "dlv.race.up"
ANSWERED_AT = "slow.api"
"""The API prefix the copy's source asks on, where this answers through a client."""
SETTLE_S = 1.5
"""How long after the last answer the subscriptions are counted (a set-up's jitter is 0.2 s)."""


@dataclass(frozen=True)
class Outcome:
    """The resets the copy's source asked for; the subscriptions left on its delivery subject."""

    resets: int
    subscriptions: int


def _source() -> JsonObject:
    return {
        "name": ORIGIN,
        "external": {"api": ANSWERED_AT, "deliver": ""},
        "consumer": {"name": CONSUMER, "deliver_subject": DELIVER},
    }


def _subscriptions(monitor_url: str) -> int:
    with urllib.request.urlopen(f"{monitor_url}/subsz?subs=1&test={DELIVER}", timeout=5) as page:
        return len(json.load(page).get("subscriptions_list") or [])


async def set_up_twice(
    url: str, monitor_url: str, delay_s: float, removed_after_s: float
) -> Outcome:
    """Add the copy's source, remove and add it again ``removed_after_s`` later; count.

    Each reset of the origin's consumer is answered ``delay_s`` after it was asked.
    """
    client = await nats.connect(url)
    try:
        api = JetStreamApi(client)
        await api.call(f"STREAM.CREATE.{ORIGIN}", {"name": ORIGIN, "subjects": ["race.>"]})
        config = flow_controlled(CONSUMER, DELIVER)
        await api.call(
            f"CONSUMER.CREATE.{ORIGIN}.{CONSUMER}", {"stream_name": ORIGIN, "config": config}
        )
        asked: list[Msg] = []

        async def answer_late(msg: Msg) -> None:
            asked.append(msg)
            await asyncio.sleep(delay_s)
            reset = f"$JS.API.CONSUMER.RESET.{ORIGIN}.{CONSUMER}"
            reply = await client.request(reset, msg.data, 5.0, headers=msg.headers)
            await client.publish(msg.reply, reply.data, headers=reply.headers)

        await client.subscribe(f"{ANSWERED_AT}.CONSUMER.RESET.{ORIGIN}.{CONSUMER}", cb=answer_late)
        await client.flush()
        copy: JsonObject = {"name": COPY, "storage": "memory"}
        await api.call(f"STREAM.CREATE.{COPY}", {**copy, "sources": [_source()]})
        await asyncio.sleep(removed_after_s)
        await api.call(f"STREAM.UPDATE.{COPY}", {**copy, "sources": []})
        await api.call(f"STREAM.UPDATE.{COPY}", {**copy, "sources": [_source()]})
        await asyncio.sleep(2 * delay_s + SETTLE_S)
        subscriptions = await asyncio.to_thread(_subscriptions, monitor_url)
        return Outcome(resets=len(asked), subscriptions=subscriptions)
    finally:
        await client.close()


def monitored_server(folder: Path) -> tuple[NatsServer, str]:
    """A nats-server (not started yet) storing in ``folder``, and its monitoring port's URL."""
    port = free_port_range(1)
    config = folder / "monitor.conf"
    config.write_text(f'http: "127.0.0.1:{port}"\n')
    return NatsServer(folder / "store", config=config), f"http://127.0.0.1:{port}"


def main(argv: list[str] | None = None) -> int:
    """Run it; exit 1 when the delivery subject is left with more than one subscription."""
    parser = argparse.ArgumentParser(prog="setuprace", description=__doc__)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds each answer waits")
    parser.add_argument("--removed-after", type=float, default=0.5, help="seconds after the add")
    args = parser.parse_args(argv)
    if args.delay < 0 or args.removed_after < 0:
        parser.error("--delay and --removed-after take seconds, 0 or more")
    with tempfile.TemporaryDirectory(prefix="setuprace-") as folder:
        server, monitor_url = monitored_server(Path(folder))
        server.start()
        try:
            outcome = asyncio.run(
                set_up_twice(server.url, monitor_url, args.delay, args.removed_after)
            )
        finally:
            server.stop()
    sys.stdout.write(
        f"setuprace: {outcome.resets} resets asked (answers {args.delay} s late), "
        f"{outcome.subscriptions} subscriptions left on the delivery subject\n"
    )
    return 1 if outcome.subscriptions > 1 else 0


if __name__ == "__main__":
    sys.exit(main())
