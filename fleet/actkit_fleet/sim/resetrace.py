"""``python -m actkit_fleet.sim.resetrace``: does this nats-server answer a reset past its position?

HQ sets a vehicle's source up by resetting the vehicle's consumer of its events (an empty
``CONSUMER.RESET``: back to what HQ acknowledged) and goes on from the position the answer gives
(``delivered.stream_seq``), taking it for the last event it has (``server/stream.go``). The
consumer answers after the reset has let it deliver again (``server/consumer.go``,
``processResetReq``: the reset, then the consumer's info, the consumer's lock let go between
them): on a loaded machine its answer may already count events delivered into a link HQ is not
listening on yet, and HQ's source goes on after them, their loss unseen. This counts the answers
that do, on one nats-server (the version the project ships) with a consumer configured as the
vehicles' (``actkit_core.fleetstreams``), the events it has and a listener on its subject, with
busy loops beside it. ``fleet/README.md`` has the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nats

from actkit_core.fleetstreams import flow_controlled
from actkit_core.natsserver import NatsServer
from actkit_fleet.jetstream import JetStreamApi

STREAM = "EVENTS"
CONSUMER = "up_race"
DELIVER = "dlv.race.up"


@dataclass(frozen=True)
class Count:
    """Resets sent, and the answers whose position was past the reset."""

    resets: int
    past: int
    worst: int
    """The furthest an answer was past its reset, in events."""


def _spin() -> None:
    while True:
        pass


async def count(url: str, events: int, resets: int) -> Count:
    """Reset the consumer ``resets`` times: how many answers were already past the reset."""
    client = await nats.connect(url)
    try:
        api = JetStreamApi(client)
        await api.call(f"STREAM.CREATE.{STREAM}", {"name": STREAM, "subjects": ["race.>"]})
        js = client.jetstream()
        for _ in range(events):
            await js.publish("race.event", b"{}")

        async def listen(_msg: object) -> None:
            return None

        await client.subscribe(DELIVER, cb=listen)
        config = flow_controlled(CONSUMER, DELIVER)
        await api.call(
            f"CONSUMER.CREATE.{STREAM}.{CONSUMER}", {"stream_name": STREAM, "config": config}
        )
        past = worst = 0
        for _ in range(resets):
            answer = await api.call(f"CONSUMER.RESET.{STREAM}.{CONSUMER}")
            ahead = int(answer["delivered"]["stream_seq"]) - (int(answer["reset_seq"]) - 1)
            if ahead > 0:
                past += 1
                worst = max(worst, ahead)
        return Count(resets, past, worst)
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    """Run it; exit 1 when an answer was past its reset."""
    parser = argparse.ArgumentParser(prog="resetrace", description=__doc__)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--resets", type=int, default=3000)
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2, help="busy loops beside")
    parser.add_argument("--niceness", type=int, default=10, help="added to nats-server's")
    args = parser.parse_args(argv)
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.busy)]
    with tempfile.TemporaryDirectory(prefix="resetrace-") as folder:
        server = NatsServer(Path(folder), niceness=args.niceness)
        server.start()
        for spinner in spinners:
            spinner.start()
        try:
            found = asyncio.run(count(server.url, args.events, args.resets))
        finally:
            for spinner in spinners:
                spinner.terminate()
                spinner.join()
            server.stop()
    sys.stdout.write(
        f"resetrace: {found.past} of {found.resets} resets answered past their position "
        f"(at most {found.worst} events), {args.busy} busy loops beside nats-server\n"
    )
    return 1 if found.past else 0


if __name__ == "__main__":
    sys.exit(main())
