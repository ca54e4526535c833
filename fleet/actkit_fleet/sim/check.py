"""What HQ received, checked against what each vehicle stored: losses, duplicates, order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from nats.aio.msg import Msg

from actkit_fleet.sim.fleet import SENT_HEADER, SEQ_HEADER


@dataclass(frozen=True)
class Arrival:
    """One event as HQ stored it."""

    vehicle_id: str
    seq: int
    sent_ns: int
    stored_ns: int


@dataclass
class VehicleResult:
    """One vehicle's events at HQ against the ``stored`` it had."""

    stored: int
    seqs: list[int] = field(default_factory=list)

    @property
    def lost(self) -> int:
        """Events the vehicle stored that HQ does not have."""
        return len(self.lost_seqs)

    @property
    def lost_seqs(self) -> list[int]:
        """Their numbers, in order."""
        return sorted(set(range(1, self.stored + 1)) - set(self.seqs))

    @property
    def duplicated(self) -> int:
        """Events HQ has more than once."""
        return len(self.seqs) - len(set(self.seqs))

    @property
    def is_in_order(self) -> bool:
        """Whether HQ stored them in the order the vehicle did."""
        return all(a < b for a, b in zip(self.seqs, self.seqs[1:], strict=False))


def arrivals(messages: Iterable[Msg]) -> list[Arrival]:
    """The fleet's events in HQ's order, from HQ's events stream."""
    found = []
    for msg in messages:
        headers = msg.headers or {}
        found.append(
            Arrival(
                vehicle_id=msg.subject.split(".")[1],
                seq=int(headers[SEQ_HEADER]),
                sent_ns=int(headers[SENT_HEADER]),
                stored_ns=int(msg.metadata.timestamp.timestamp() * 1e9),
            )
        )
    return found


def by_vehicle(found: Iterable[Arrival], stored: dict[str, int]) -> dict[str, VehicleResult]:
    """Each vehicle's result; a vehicle HQ heard nothing from is there too."""
    results = {vehicle_id: VehicleResult(count) for vehicle_id, count in stored.items()}
    extra: dict[str, VehicleResult] = defaultdict(lambda: VehicleResult(0))
    for arrival in found:
        result = results.get(arrival.vehicle_id) or extra[arrival.vehicle_id]
        result.seqs.append(arrival.seq)
    return {**results, **extra}
